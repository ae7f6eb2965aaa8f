"""The API topic modules, in route order."""

from steward.releases.api import deployment, handling, justification, kpis, releases

MODULES = [
    releases,
    handling,
    justification,
    deployment,
    kpis,
]
