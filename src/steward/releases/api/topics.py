"""The API topic modules, in route order."""

from steward.releases.api import handling, justification, releases

MODULES = [
    releases,
    handling,
    justification,
]
