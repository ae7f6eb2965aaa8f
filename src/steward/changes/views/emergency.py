"""Change Management: emergency changes (proc. 7, 8): the change page's emergency section
(who asked, who implements, the incident(s) it resolves, the release transfers). Its steps
are rows of ``actions.CHANGE`` (the page's panel and ``/api/v1/changes/{id}/<step>/``)."""

from typing import Any

from steward.changes.actions import CHANGE
from steward.changes.choices import ChangeStatus, ChangeType, TaskKind
from steward.changes.models import Change

urlpatterns: list = []

STAGES = {
    ChangeStatus.IMPLEMENTATION: "The specialist implements it (procedure 7)",
    ChangeStatus.PRODUCTION_TEST: "Production test (procedure 8)",
    ChangeStatus.REGISTERED: "Implemented: waiting for the change coordinator to register it",
    ChangeStatus.CLOSED: "Registered and closed",
}
KEYS = ("emergency-transfer", "emergency-test", "emergency-register")


def emergency_section(request: Any, change: Change) -> dict[str, Any]:
    """This topic's part of the change page's context (views/sections.py)."""
    if change.change_type != ChangeType.EMERGENCY:
        return {}
    actor = request.user
    steps = [CHANGE[key].label for key in KEYS if CHANGE.offered(CHANGE[key], actor, change)]
    transfers = list(
        change.tasks.filter(
            kind__in=(TaskKind.TRANSFER_TO_TEST, TaskKind.TRANSFER_TO_PRODUCTION)
        ).select_related("assignee")
    )
    return {
        "emergency": {
            "asked_by": change.emergency_requested_by,
            "implementer": change.implementer,
            "incidents": list(change.incidents.order_by("pk")),
            "transfers": transfers,
            "stage": STAGES.get(change.status, change.get_status_display()),
            "steps": steps,
        }
    }
