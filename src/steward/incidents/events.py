"""Webhook events of Incident Management (seed 003 ch. 8): the catalog entries.

Names follow ``core.events``: ``<app_label>.<record>.<verb>``. The services still publish
the names they had before the catalog; ``RENAMED`` maps each old name to its catalog name
and ``core.events.renamed`` makes the old one publish the new one. To be emptied by the
incidents engineer: switch each ``_event(...)``/``record_event(...)`` call to the new name,
then delete its line here.

Old name (published by incidents/services today) -> catalog name:
    incident.created                      -> incidents.incident_request.created
    incident.updated                      -> incidents.incident_request.updated
    incident.replied                      -> incidents.incident_request.replied
    incident.assigned                     -> incidents.incident_request.assigned
    incident.taken                        -> incidents.incident_request.taken
    incident.sent_back                    -> incidents.incident_request.sent_back
    incident.pending                      -> incidents.incident_request.pending
    incident.resumed                      -> incidents.incident_request.resumed
    incident.escalated                    -> incidents.incident_request.escalated
    incident.change_assessed              -> incidents.incident_request.change_assessed
    incident.escalation_handled           -> incidents.incident_request.escalation_handled
    incident.resolved                     -> incidents.incident_request.resolved
    incident.problem_coordinator_informed -> incidents.incident_request.problem_coordinator_informed
    incident.closed                       -> incidents.incident_request.closed
    incident.reopened                     -> incidents.incident_request.reopened
    incident.cancelled                    -> incidents.incident_request.cancelled
    incidents.incident.solution_used      -> incidents.incident_request.solution_used
    incidents.solution.proposed|active|rejected|retired: unchanged (already follow the rule)
"""

from steward.core.events import declare_many, renamed
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

# Transitional: the old names the incidents services still publish (see above).
RENAMED = {f"incident.{verb}": f"incidents.incident_request.{verb}" for verb in INCIDENT_EVENTS}
RENAMED["incidents.incident.solution_used"] = "incidents.incident_request.solution_used"
del RENAMED["incident.solution_used"]
for _old, _new in RENAMED.items():
    renamed(_old, _new)
