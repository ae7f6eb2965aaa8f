"""The API topic modules, in route order."""

from steward.releases.api import cabs, releases

MODULES = [
    releases,
    cabs,
]
