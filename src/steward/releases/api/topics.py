"""The API topic modules, in route order."""

from steward.releases.api import releases

MODULES = [
    releases,
]
