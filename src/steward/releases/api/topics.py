"""The API topic modules, in route order."""

from steward.releases.api import handling, releases

MODULES = [
    releases,
    handling,
]
