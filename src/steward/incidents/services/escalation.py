"""Seed 003 ch. 8 proc. 5, Incident Escalation Handling (and the escalation of proc. 3-4):
a request escalated to the service owner (``incident_escalate``) is recovered at the
continuity site, resolved through an emergency change, or sent back to the specialists
(``incident_handle_escalation``)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import journal
from steward.core.choices import Role
from steward.core.edits import lock_to_edit
from steward.core.errors import InvalidTransition
from steward.core.models import Person
from steward.core.roles import group_coordinators, holders
from steward.incidents import workflows
from steward.incidents.choices import OPEN_STATUSES, Escalation
from steward.incidents.models import IncidentRequest
from steward.incidents.services.common import ESCALATE, _escalation, _locked, _tell, _work_note
from steward.incidents.services.people import change_coordinators, require_work, service_owners

ESCALATION_DECISIONS = {
    "continuity": Escalation.ON_DUTY_MANAGER,
    "emergency_change": Escalation.EMERGENCY_CHANGE,
    "back_to_specialists": Escalation.BACK_TO_SPECIALISTS,
}


def _escalate(incident: IncidentRequest, actor: Person, note: str) -> None:
    """To the service owner of the affected service; the on-duty manager stands in when
    the service has no active owner."""
    workflows.ESCALATION.check(incident.escalation, Escalation.SERVICE_OWNER)
    if incident.status not in OPEN_STATUSES:
        raise InvalidTransition(workflows.INCIDENT.name, incident.status, "escalated")
    people = service_owners(incident.service) or holders(Role.ON_DUTY_MANAGER)
    if not people:
        raise ValidationError({"service": ["Neither a service owner nor an on-duty manager."]})
    incident.escalated_to, incident.escalated_at = people[0], timezone.now()
    _escalation(
        incident, Escalation.SERVICE_OWNER, actor, also=["escalated_to", "escalated_at"],
        event="incidents.incident_request.escalated", data={"escalated_to": people[0].pk},
    )  # fmt: skip
    journal.field_changes(incident, actor=actor, changes={"escalated_to": (None, people[0])})
    _work_note(actor, incident, note)
    _tell(people, incident, "incident.escalated", "Escalated to you", note or incident.title, actor)


def incident_escalate(*, actor: Person, incident_id: int, note: str = "") -> IncidentRequest:
    """Proc. 3 and 4: escalate to the service owner of the affected service (the on-duty
    manager when the owner is not available)."""
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        _escalate(incident, actor, note)
    return incident


def incident_handle_escalation(
    *, actor: Person, incident_id: int, decision: str, note: str = ""
) -> IncidentRequest:
    """Proc. 5, by the service owner (or the on-duty manager standing in): recover at the
    continuity site (to the on-duty manager), resolve through an emergency change (the
    change coordinator is told; Change Management itself is not in Steward yet, so the
    request is recorded in the journal), or back to the specialists."""
    if decision not in ESCALATION_DECISIONS:
        raise ValidationError({"decision": ["Select a valid choice."]})
    with transaction.atomic():
        incident = lock_to_edit(actor, ESCALATE, IncidentRequest, incident_id)
        new = ESCALATION_DECISIONS[decision]
        # Checked before the request's status and the people, as the procedure reads.
        workflows.ESCALATION.check(incident.escalation, new)
        if incident.status not in OPEN_STATUSES:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, new)
        old_to = incident.escalated_to
        recipients, title = _decide(incident, actor, decision, note)
        _escalation(
            incident, new, actor, also=["escalated_to", "escalated_at"],
            event="incidents.incident_request.escalation_handled", data={"decision": decision},
        )  # fmt: skip
        journal.field_changes(
            incident, actor=actor, changes={"escalated_to": (old_to, incident.escalated_to)}
        )
        _work_note(actor, incident, note)
        _tell(recipients, incident, f"incident.escalation.{decision}", title, note, actor)
    return incident


def _decide(
    incident: IncidentRequest, actor: Person, decision: str, note: str
) -> tuple[list[Person], str]:
    """Who now holds the request and who is told (with what title) for the decision."""
    if decision == "continuity":
        managers = holders(Role.ON_DUTY_MANAGER)
        if not managers:
            raise ValidationError({"decision": ["There is no on-duty manager."]})
        incident.escalated_to, incident.escalated_at = managers[0], timezone.now()
        return managers, "Recover the service at its continuity site"
    if decision == "emergency_change":
        incident.escalated_to = actor
        journal.system(
            incident,
            text=f"Emergency change requested by {actor}. {note}".strip(),
            data={"emergency_change": True, "by": actor.pk},
        )
        return change_coordinators(incident.service), "Emergency change requested"
    incident.escalated_to = None
    recipients = [incident.assignee] if incident.assignee else []
    return recipients or group_coordinators(incident.support_group), "Back to the specialists"
