"""The API topic modules, in route order."""

from steward.changes.api import (
    approvals,
    calendar,
    changes,
    closure,
    emergency,
    kpis,
    rfcs,
    tasks,
    templates,
)

MODULES = [
    rfcs,
    templates,
    changes,
    approvals,
    tasks,
    closure,
    emergency,
    calendar,
    kpis,
]
