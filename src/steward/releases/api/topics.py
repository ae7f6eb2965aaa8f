"""The API topic modules, in route order."""

from steward.releases.api import deployment, releases

MODULES = [
    releases,
    deployment,
]
