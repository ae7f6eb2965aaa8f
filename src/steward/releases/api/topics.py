"""The API topic modules, in route order."""

from steward.releases.api import kpis, releases

MODULES = [
    releases,
    kpis,
]
