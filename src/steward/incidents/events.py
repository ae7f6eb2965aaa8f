"""Webhook events of Incident Management (seed 003 ch. 8): the catalog entries.

Names follow ``core.events``: ``<app_label>.<record>.<verb>``; the services publish them
through ``core.transitions`` (a status or escalation change) or ``notify.record_event``.
"""

from steward.core.events import declare_many
from steward.incidents.models import IncidentRequest, Solution

INCIDENT_EVENTS = {
    "created": "A request was registered (`data.status`).",
    "updated": "A request's fields were changed (`data.fields`).",
    "replied": "A note or reply was added (`data.public`).",
    "assigned": "A request was routed or reassigned (`data.support_group`, `data.assignee`).",
    "taken": "A specialist took the request (`data.assignee`).",
    "sent_back": "The group sent the request back to the service desk (`data.reason`).",
    "pending": "Work waits for the requester or a third party (`data.reason`).",
    "resumed": "Work on a pending request resumed.",
    "escalated": "The request was escalated (proc. 5, `data.escalated_to`).",
    "change_assessed": "The need for a change was assessed (`data.needs_change`).",
    "escalation_handled": "The escalation was decided (`data.decision`).",
    "resolved": "A solution was given (`data.first_contact`).",
    "problem_coordinator_informed": "The problem coordinator was told about the request.",
    "closed": "The requester accepted the solution, or the auto-close period passed.",
    "reopened": "The requester reopened the request (`data.reopen_count`).",
    "cancelled": "The request was cancelled.",
    "solution_used": "A known solution was applied to the request.",
}
declare_many(IncidentRequest, INCIDENT_EVENTS)
declare_many(
    Solution,
    {
        "proposed": "A solution was proposed for the knowledge base (proc. 7).",
        "active": "A solution was activated by the group coordinator.",
        "rejected": "A solution was rejected by the group coordinator.",
        "retired": "A solution was retired.",
    },
)
