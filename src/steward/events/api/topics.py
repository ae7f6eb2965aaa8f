"""The API topic modules, in route order."""

from types import ModuleType

MODULES: list[ModuleType] = []
