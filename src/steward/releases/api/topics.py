"""The API topic modules, in route order."""

from steward.releases.api import justification, releases

MODULES = [
    releases,
    justification,
]
