"""Webhook events of Change Management (seed 003 ch. 3): the catalog entries.

Names follow ``core.events``: ``<app_label>.<record>.<verb>``; a status change's verb is
the new status.
"""

from steward.changes.models import Change, ChangeTask, PlannedEvent, RequestForChange
from steward.core.events import declare_many

declare_many(
    RequestForChange,
    {
        "created": "A request for change was submitted (proc. 1).",
        "registered": "A request for change was registered as a new change.",
        "linked": "A request for change was added to an existing change.",
        "rejected": "A request for change was rejected (a policy, or not needed).",
        "to_release": "A request for change was handed to Release Management.",
        "submitted": "A request for change came back for review.",
    },
)
declare_many(
    Change,
    {
        "created": "A change was registered.",
        "registered": "An emergency change was registered after its implementation (proc. 8).",
        "risk_analysis": "A change entered (or went back to) risk and impact analysis.",
        "planning": "A change entered (or went back to) planning.",
        "approval": "A change was put up for approval (proc. 3).",
        "implementation": "A change was approved, or entered implementation.",
        "production_test": "A change's implementation is done; the production test runs.",
        "closed": "A change was closed.",
        "rejected": "A change was rejected: it cannot be implemented.",
        "cancelled": "A change was cancelled.",
        "backed_out": "A change was backed out.",
        "approval_decided": "An approver approved or rejected a change (`data.decision`).",
    },
)
declare_many(
    ChangeTask,
    {
        "created": "A change task was added.",
        "open": "A change task can be worked.",
        "done": "A change task was completed.",
        "failed": "A change task failed.",
        "cancelled": "A change task was cancelled.",
        "waiting": "A change task went back to waiting.",
    },
)
declare_many(
    PlannedEvent,
    {
        "created": "A planned event was put on the change calendar.",
        "changed": "A planned event was changed.",
        "cancelled": "A planned event was cancelled.",
    },
)

# --- approvals: approval (proc. 3) ---------------------------------
declare_many(
    Change,
    {
        "approval_requested": "The change manager started an approval round (proc. 3; "
        "`data.round`, `data.approvers`).",
    },
)

# --- changes: changes: registration, analysis, planning (proc. 2) ---
declare_many(
    Change,
    {
        "changed": "A change's fields were edited (`data.fields` names them).",
        "analysed": "A change's risk and impact analysis was recorded (`data.risk_level`).",
    },
)

# --- kpis: what a change caused ---------------------------------------------------------
declare_many(
    Change,
    {
        "caused_incident": "An incident request was recorded as caused by the change "
        "(`data.incident`).",
        "caused_incident_removed": "An incident request is no longer recorded as caused by "
        "the change (`data.incident`).",
    },
)
