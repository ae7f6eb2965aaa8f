"""The API topic modules, in route order."""

from steward.releases.api import coordination, releases

MODULES = [
    releases,
    coordination,
]
