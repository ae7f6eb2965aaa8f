"""The API topic modules, in route order."""

from steward.releases.api import (
    cabs,
    coordination,
    deployment,
    handling,
    justification,
    kpis,
    releases,
)

MODULES = [
    releases,
    handling,
    cabs,
    justification,
    coordination,
    deployment,
    kpis,
]
