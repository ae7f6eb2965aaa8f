"""Seed 003 ch. 8 proc. 2, Incident Request Assignment: routing rules pick the group on
registration (``routing.route``); the group coordinator sends a request back to the desk
(``incident_send_back``), decides whether Change Management is needed
(``incident_assess_change``) and assigns a specialist or the service's change coordinator
(``incident_assign``); a specialist takes it (``incident_take``). Reassignment is journalled
(proc. 3)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import journal
from steward.core.choices import ClockKind, ClockMetric
from steward.core.edits import lock_to_edit
from steward.core.errors import InvalidTransition
from steward.core.models import Person, SupportGroup
from steward.core.roles import group_coordinators, is_desk
from steward.incidents import workflows
from steward.incidents.choices import OPEN_STATUSES, Escalation, SendBackReason
from steward.incidents.models import IncidentRequest
from steward.incidents.services.common import (
    ASSIGN,
    N,
    _check_assignee,
    _escalation,
    _event,
    _locked,
    _save,
    _tell,
    _transition,
    _work_note,
)
from steward.incidents.services.escalation import _escalate
from steward.incidents.services.people import (
    change_coordinators,
    desk_people,
    is_coordinator,
    require_work,
)
from steward.incidents.services.tracking import (
    CHANGE_FIELDS,
    _cancel_clocks,
    _new_group_clocks,
    _stop_clocks,
)
from steward.incidents.services.validation import (
    as_instance,
    checked_choice,
    checked_text,
    raise_errors,
)

CHANGE_ASSESSED = "incidents.incident_request.change_assessed"


def incident_assign(
    *,
    actor: Person,
    incident_id: int,
    support_group: SupportGroup | int | None = None,
    assignee: Person | int | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> IncidentRequest:
    """Proc. 2 and 3: the desk assigns a group (and person) by hand; the group coordinator
    assigns a specialist of the group, or reassigns it to a better placed one (proc. 3).
    Every change of group and assignee is in the journal. ``expected_version``: the
    version the person started from (an inline edit), refused when it moved on."""
    group = as_instance(SupportGroup, support_group, "support_group")
    person = as_instance(Person, assignee, "assignee")
    if group is None and person is None:
        raise ValidationError({"assignee": ["Choose a group or a person."]})
    with transaction.atomic():
        incident = lock_to_edit(actor, ASSIGN, IncidentRequest, incident_id, expected_version)
        if incident.status not in OPEN_STATUSES:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, N.ASSIGNED)
        desk = is_desk(actor)
        if not desk and not is_coordinator(actor, incident.support_group):
            raise PermissionDenied("Only the group coordinator of its group may assign it.")
        new_group = group or incident.support_group
        if group is not None and group.pk != incident.support_group_id and not desk:
            raise PermissionDenied("Send it back to the service desk to change the group.")
        errors: dict[str, list[str]] = {}
        if new_group is not None and not new_group.is_active:
            errors["support_group"] = ["This group is not active."]
        _check_assignee(errors, person, new_group, incident.service)
        raise_errors(errors)
        group_changed = new_group.pk != incident.support_group_id if new_group else False
        new_person = (
            person if person is not None else (None if group_changed else incident.assignee)
        )
        first_person = incident.assignee_id is None and new_person is not None
        changes = {
            "support_group": (incident.support_group, new_group),
            "assignee": (incident.assignee, new_person),
        }
        changes = {k: v for k, v in changes.items() if v[0] != v[1]}
        if not changes:
            return incident
        incident.support_group, incident.assignee = new_group, new_person
        incident.sent_back_reason = ""
        moved = incident.status in (N.NEW, N.IN_PROGRESS)
        if moved:
            _transition(
                incident, N.ASSIGNED, actor, reason,
                also=["support_group", "assignee", "sent_back_reason"],
            )  # fmt: skip
        else:
            _save(incident, "support_group", "assignee", "sent_back_reason")
        journal.field_changes(incident, actor=actor, changes=changes)
        if reason and not moved:
            _work_note(actor, incident, reason)
        if group_changed:
            _new_group_clocks(incident, actor)
        if first_person:
            _stop_clocks(incident, actor, metric=ClockMetric.RESPONSE)
        if "assignee" in changes and new_person is not None:
            _tell([new_person], incident, "incident.assigned", "Assigned to you", reason, actor)
        elif group_changed:
            title = f"New request for {new_group}"
            _tell(group_coordinators(new_group), incident, "incident.queued", title, reason, actor)
        _event(
            incident,
            "incidents.incident_request.assigned",
            actor,
            support_group=incident.support_group_id,
            assignee=incident.assignee_id,
        )
    return incident


def incident_take(*, actor: Person, incident_id: int) -> IncidentRequest:
    """Proc. 4 (and 6 for the desk): the actor takes the request and works on it."""
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        if incident.status not in (N.NEW, N.ASSIGNED):
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, N.IN_PROGRESS)
        if incident.assignee_id not in (None, actor.pk) and not (
            is_desk(actor) or is_coordinator(actor, incident.support_group)
        ):
            raise PermissionDenied("It is assigned to someone else; ask the group coordinator.")
        old_assignee = incident.assignee
        incident.assignee = actor
        _transition(
            incident, N.IN_PROGRESS, actor, also=["assignee"],
            event="incidents.incident_request.taken", data={"assignee": actor.pk},
        )  # fmt: skip
        journal.field_changes(incident, actor=actor, changes={"assignee": (old_assignee, actor)})
        _stop_clocks(incident, actor, metric=ClockMetric.RESPONSE)
    return incident


def incident_send_back(
    *, actor: Person, incident_id: int, reason: str, note: str
) -> IncidentRequest:
    """Proc. 2: the group coordinator of its group sends it back to the service desk
    because information is missing or it reached the wrong group; the desk is told why."""
    errors: dict[str, list[str]] = {}
    reason = checked_choice(errors, "reason", reason, SendBackReason.values)
    note = checked_text(errors, "note", note)
    raise_errors(errors)
    with transaction.atomic():
        incident = lock_to_edit(actor, ASSIGN, IncidentRequest, incident_id)
        if not is_coordinator(actor, incident.support_group):
            raise PermissionDenied("Only the group coordinator of its group sends it back.")
        label = SendBackReason(reason).label
        old_group, old_assignee = incident.support_group, incident.assignee
        incident.support_group = incident.assignee = incident.routed_by = None
        incident.sent_back_reason = reason
        _transition(
            incident, N.NEW, actor, f"{label}: {note}",
            also=["support_group", "assignee", "routed_by", "sent_back_reason"],
            event="incidents.incident_request.sent_back", data={"reason": reason},
        )  # fmt: skip
        journal.field_changes(
            incident,
            actor=actor,
            changes={"support_group": (old_group, None), "assignee": (old_assignee, None)},
        )
        _cancel_clocks(incident, actor, "sent back to the service desk", kind=ClockKind.OLA)
        registrar = incident.registered_by
        desk = (
            [registrar]
            if registrar is not None and registrar.pk != incident.requester_id
            else desk_people()
        )
        _tell(desk, incident, "incident.sent_back", f"Sent back: {label.lower()}", note, actor)
    return incident


def incident_assess_change(
    *,
    actor: Person,
    incident_id: int,
    causes_service_unavailability: bool,
    changes_service_functionality: bool,
    requires_cmdb_update: bool,
) -> IncidentRequest:
    """Proc. 2 and 4, the Change Management rule: will the resolution make a service
    unavailable or degraded during service hours, change its functionality, or require a
    CMDB update? Any yes: the group coordinator assigns it to the change coordinator of the
    service (proc. 2); a specialist escalates it to the service owner (proc. 4). All no: it
    stays with the group (the coordinator then assigns a specialist)."""
    answers = {
        "causes_service_unavailability": causes_service_unavailability,
        "changes_service_functionality": changes_service_functionality,
        "requires_cmdb_update": requires_cmdb_update,
    }
    errors = {k: ["Answer yes or no."] for k, v in answers.items() if not isinstance(v, bool)}
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        if incident.status not in (N.ASSIGNED, N.IN_PROGRESS, N.PENDING):
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, "assessed")
        changes = journal.apply_changes(incident, answers, CHANGE_FIELDS)
        if changes:
            _save(incident, *changes)
            journal.field_changes(incident, actor=actor, changes=changes)
        if not any(answers.values()):
            _event(incident, CHANGE_ASSESSED, actor, needs_change=False)
            return incident
        as_coordinator = incident.assignee_id != actor.pk and (
            is_coordinator(actor, incident.support_group)
        )
        if as_coordinator:
            _to_change_coordinator(incident, actor)
        else:
            _escalate(incident, actor, "Its resolution needs Change Management.")
        _event(incident, CHANGE_ASSESSED, actor, needs_change=True)
    return incident


def _to_change_coordinator(incident: IncidentRequest, actor: Person) -> None:
    """Proc. 2: the group coordinator assigns a request needing Change Management to the
    change coordinator of its service (its escalation says so); back to assigned."""
    people = change_coordinators(incident.service)
    if not people:
        raise ValidationError({"service": ["The service has no change coordinator."]})
    old_assignee = incident.assignee
    incident.assignee = incident.escalated_to = people[0]
    incident.escalated_at = timezone.now()
    _escalation(
        incident, Escalation.CHANGE_COORDINATOR, actor,
        also=["assignee", "escalated_to", "escalated_at"],
    )  # fmt: skip
    if incident.status == N.IN_PROGRESS:
        _transition(incident, N.ASSIGNED, actor, "Needs Change Management.")
    journal.field_changes(incident, actor=actor, changes={"assignee": (old_assignee, people[0])})
    if old_assignee is None:
        _stop_clocks(incident, actor, metric=ClockMetric.RESPONSE)
    _tell(
        [people[0]],
        incident,
        "incident.change_needed",
        "Needs Change Management: assigned to you",
        incident.title,
        actor,
    )
    # Seed 003 ch. 3 proc. 1's first source: the request reaches the change coordinator as
    # a request for change too, linked to it.
    from steward.changes.services.rfcs import rfc_from_incident

    rfc_from_incident(actor=actor, incident=incident)
