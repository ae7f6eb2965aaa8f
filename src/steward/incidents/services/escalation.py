"""Seed 003 ch. 8 proc. 5, Incident Escalation Handling (and the escalation of proc. 3-4):
a request escalated to the service owner (``incident_escalate``) is recovered at the
continuity site, resolved through an emergency change, or sent back to the specialists
(``incident_handle_escalation``)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import journal
from steward.core.choices import ClockMetric, Role
from steward.core.edits import lock_to_edit
from steward.core.errors import InvalidTransition
from steward.core.models import Person
from steward.core.roles import group_coordinators, holders
from steward.incidents import hooks, workflows
from steward.incidents.choices import OPEN_STATUSES, Escalation, IncidentStatus
from steward.incidents.models import IncidentRequest
from steward.incidents.services.common import (
    ESCALATE,
    _escalation,
    _locked,
    _tell,
    _transition,
    _work_note,
)
from steward.incidents.services.people import require_work, service_owners
from steward.incidents.services.tracking import _stop_clocks
from steward.incidents.services.validation import as_instance

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
    *,
    actor: Person,
    incident_id: int,
    decision: str,
    note: str = "",
    specialist: Person | int | None = None,
    category: str = "infrastructure",
) -> IncidentRequest:
    """Proc. 5, by the service owner (or the on-duty manager standing in): recover at the
    continuity site (to the on-duty manager), ask a ``specialist`` to implement the
    resolution as an emergency change (seed 003 ch. 3 proc. 7: the request is assigned to
    the specialist, who is told, and the emergency change of ``category`` is made by
    Change Management through ``hooks.request_emergency_change``), or back to the
    specialists."""
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
        if decision == "emergency_change":
            recipients, title = _emergency(incident, actor, specialist, category, note)
        else:
            recipients, title = _decide(incident, decision)
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


def _emergency(
    incident: IncidentRequest,
    actor: Person,
    specialist: Person | int | None,
    category: str,
    note: str,
) -> tuple[list[Person], str]:
    """Proc. 5 -> ch. 3 proc. 7: the specialist implements the emergency change; the
    request is theirs now (back to assigned when someone else was working on it)."""
    person = as_instance(Person, specialist, "specialist") if specialist else None
    if person is None:
        raise ValidationError(
            {"specialist": ["Choose the specialist who implements the emergency change."]}
        )
    change = hooks.request_emergency_change(
        actor=actor, incident=incident, specialist=person, category=category, note=note
    )
    incident.escalated_to = actor
    old_assignee = incident.assignee
    if old_assignee != person:
        incident.assignee = person
        if incident.status in (IncidentStatus.NEW, IncidentStatus.IN_PROGRESS):
            _transition(incident, IncidentStatus.ASSIGNED, actor, also=["assignee"])
        else:
            incident.save(update_fields=["assignee", "updated_at"])
        journal.field_changes(incident, actor=actor, changes={"assignee": (old_assignee, person)})
        if old_assignee is None:
            _stop_clocks(incident, actor, metric=ClockMetric.RESPONSE)
    journal.system(
        incident,
        text=f"Emergency change {change.number} requested by {actor}, implemented by {person}.",
        data={"emergency_change": True, "by": actor.pk, "change": change.pk},
    )
    return [person], f"Implement emergency change {change.number} to resolve it"


def _decide(incident: IncidentRequest, decision: str) -> tuple[list[Person], str]:
    """Who now holds the request and who is told (with what title) for the decision."""
    if decision == "continuity":
        managers = holders(Role.ON_DUTY_MANAGER)
        if not managers:
            raise ValidationError({"decision": ["There is no on-duty manager."]})
        incident.escalated_to, incident.escalated_at = managers[0], timezone.now()
        return managers, "Recover the service at its continuity site"
    incident.escalated_to = None
    recipients = [incident.assignee] if incident.assignee else []
    return recipients or group_coordinators(incident.support_group), "Back to the specialists"
