"""Seed 003 ch. 3 proc. 7, Emergency Change Implementation, and proc. 8, Emergency Change
Closure, with the incident side of them (ch. 8 proc. 5).

- ``emergency_change_request``: the service owner (or the on-duty manager standing in)
  asks a specialist to resolve an escalated incident by implementing an emergency change;
  called by ``incident_handle_escalation`` through ``steward.incidents.hooks``.
- ``emergency_change_transfer``: for an application change, the specialist asks a release
  administrator to transfer the new release to the test or the production environment.
- ``emergency_change_test``: the specialist's production test; unsuccessful goes back to
  implementation (the service owner is told, to discuss); successful completes the
  incident request(s) and asks the change coordinator to register the change.
- ``emergency_change_register``: the change coordinator registers the change, records the
  CMDB and capacity updates, and informs the service owner (and the on-duty manager who
  asked) by email before closing it.
- ``incident_resolution_check``: an incident request needing Change Management is
  resolved only through a linked change or an explicit override (ch. 8 proc. 2-5).
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.changes import rules, workflows
from steward.changes.choices import (
    ChangeCategory,
    ChangeOutcome,
    ChangeStatus,
    ChangeType,
    TaskKind,
    TaskStatus,
)
from steward.changes.models import Change, ChangeTask
from steward.changes.queries.emergency import incident_has_change
from steward.core import journal, notify, numbering, permissions, roles, transitions
from steward.core.choices import Role
from steward.core.errors import DomainError
from steward.core.models import Person
from steward.incidents.choices import OPEN_STATUSES
from steward.incidents.models import IncidentRequest
from steward.incidents.services.people import service_owners
from steward.incidents.services.resolution import incident_resolve
from steward.service_level.models import Service

REQUEST = "changes.emergency.request"
IMPLEMENT = "changes.emergency.implement"
COORDINATE = "changes.change.coordinate"
ENVIRONMENTS = {"test": TaskKind.TRANSFER_TO_TEST, "production": TaskKind.TRANSFER_TO_PRODUCTION}
S = ChangeStatus


# --- who is who --------------------------------------------------------------------------


def change_coordinators(service: Service) -> list[Person]:
    """The change coordinators of the service, else those holding the role everywhere."""
    return roles.holders(Role.CHANGE_COORDINATOR, service) or roles.holders(Role.CHANGE_COORDINATOR)


def owners_or_on_duty(service: Service) -> list[Person]:
    """The service owner(s); the on-duty manager when the service has none available."""
    return service_owners(service) or roles.holders(Role.ON_DUTY_MANAGER)


def release_administrators(service: Service) -> list[Person]:
    """The release administrators of the service, else anyone holding the role."""
    return roles.holders(Role.RELEASE_ADMINISTRATOR, service) or roles.holders(
        Role.RELEASE_ADMINISTRATOR, anywhere=True
    )


def is_specialist(person: Person | None) -> bool:
    """Proc. 7 names a specialist: an active person holding the role (any scope)."""
    return bool(
        person is not None
        and person.is_active
        and person.role_assignments.filter(role=Role.SPECIALIST).exists()
    )


def is_implementer(actor: Person, change: Change) -> bool:
    """Only the specialist asked to implement an emergency change tests it (proc. 8)."""
    return change.implementer_id is not None and change.implementer_id == actor.pk


def coordinates(actor: Person, change: Change) -> bool:
    """A change coordinator of the change's service (the role held for it or everywhere)."""
    return bool(actor.is_superuser) or roles.holds(
        actor, Role.CHANGE_COORDINATOR, change.service, or_everywhere=True
    )


def _requested_by(change: Change) -> list[Person]:
    """The service owner and, when someone else asked for it (the on-duty manager standing
    in), that person too."""
    people = owners_or_on_duty(change.service)
    asked = change.emergency_requested_by
    if asked is not None and asked.is_active and asked not in people:
        people.append(asked)
    return people


def _emergency(change_id: Any) -> Change:
    change = transitions.lock(
        Change, change_id, related=["service", "implementer", "emergency_requested_by"]
    )
    if change.change_type != ChangeType.EMERGENCY:
        raise DomainError(f"{change.number} is not an emergency change.")
    return change


def _tell(
    people: list[Person], change: Change, event: str, title: str, body: str, **kw: Any
) -> None:
    notify.send(
        recipients=people,
        event=event,
        title=f"{change.number}: {title}"[:200],
        body=body,
        record=change,
        **kw,
    )


# --- proc. 7 -----------------------------------------------------------------------------


def emergency_change_request(
    *,
    actor: Person,
    incident: IncidentRequest,
    specialist: Person,
    note: str = "",
    category: str = ChangeCategory.INFRASTRUCTURE,
) -> Change:
    """Proc. 7 (from ch. 8 proc. 5): the service owner, or the on-duty manager when the
    owner is not available, asks ``specialist`` to resolve ``incident`` by implementing an
    emergency change. The change starts in implementation, for the incident's service and
    CIs, linked to the incident, with the service's change coordinator to register it
    afterwards (proc. 8). Runs inside the incident service's transaction; the incident
    side tells the specialist."""
    errors: dict[str, list[str]] = {}
    if not is_specialist(specialist):
        errors["specialist"] = ["Choose an active specialist to implement the change."]
    if category not in ChangeCategory.values:
        errors["category"] = ["Select a valid choice."]
    if incident.service_id is None:
        errors["service"] = ["The incident names no service: record it first."]
    if errors:
        raise ValidationError(errors)
    service = incident.service
    permissions.require(actor, REQUEST, service)
    coordinators = change_coordinators(service)
    with transaction.atomic():
        change = Change(
            title=f"Emergency: {incident.title}"[:200],
            description=note or incident.description,
            change_type=ChangeType.EMERGENCY,
            category=category,
            status=S.IMPLEMENTATION,
            service=service,
            coordinator=coordinators[0] if coordinators else None,
            requested_by=actor,
            emergency_requested_by=actor,
            implementer=specialist,
            actual_start=timezone.now(),
        )
        numbering.assign(change)
        change.full_clean()
        change.save()
        change.incidents.add(incident)
        change.cis.set(list(incident.cis.all()))
        journal.created(
            change,
            actor=actor,
            system_text=f"Emergency change asked by {actor} to resolve {incident.number}; "
            f"implemented by {specialist}.",
            system_data={"incident": incident.pk, "implementer": specialist.pk},
        )
        notify.record_event(
            record=change,
            event="changes.change.created",
            actor=actor,
            data={"emergency": True, "incident": incident.pk},
        )
    return change


def emergency_change_transfer(
    *, actor: Person, change_id: int, environment: str, note: str = ""
) -> Change:
    """Proc. 7, an application change: the specialist asks a release administrator to
    transfer the new release to the test environment (where the specialist tests it) or,
    once it passed, to production. A transfer task goes to a release administrator of the
    service, and they are told."""
    if environment not in ENVIRONMENTS:
        raise ValidationError({"environment": ["Choose test or production."]})
    with transaction.atomic():
        change = _emergency(change_id)
        permissions.require(actor, IMPLEMENT, change)
        if not is_implementer(actor, change):
            raise PermissionDenied("Only the specialist implementing the change asks for this.")
        if change.category != ChangeCategory.APPLICATION:
            raise DomainError("Only an application change has a release to transfer.")
        if change.status != S.IMPLEMENTATION:
            raise DomainError("A release is transferred while the change is implemented.")
        admins = release_administrators(change.service)
        if not admins:
            raise ValidationError({"environment": ["There is no release administrator to ask."]})
        position = change.tasks.count() + 1
        task = ChangeTask.objects.create(
            change=change,
            position=position,
            title=f"Transfer the new release to the {environment} environment",
            description=note,
            kind=ENVIRONMENTS[environment],
            status=TaskStatus.OPEN,
            assignee=admins[0],
        )
        journal.system(
            change,
            text=f"{actor} asked the release administrator {admins[0]} to transfer the new "
            f"release to the {environment} environment.",
            data={"transfer": environment, "task": task.pk},
        )
        notify.record_event(record=task, event="changes.change_task.created", actor=actor)
        _tell(
            admins,
            change,
            f"change.emergency.transfer_to_{environment}",
            f"transfer the new release to the {environment} environment",
            note or change.title,
        )
    return change


# --- proc. 8 -----------------------------------------------------------------------------


def emergency_change_test(
    *, actor: Person, change_id: int, successful: bool, note: str = ""
) -> Change:
    """Proc. 8: the specialist performs the production test. Unsuccessful: back to
    implementation, and the service owner (or on-duty manager) is informed to discuss the
    situation. Successful: the specialist completes the incident request(s) (resolved
    through Incident Management with ``note`` as the solution, so their clocks stop as
    usual) and asks the change coordinator of the service to register the change."""
    errors: dict[str, list[str]] = {}
    if not isinstance(successful, bool):
        errors["successful"] = ["Say whether the production test was successful."]
    if not (note or "").strip():
        errors["note"] = ["Say what the production test showed."]
    if errors:
        raise ValidationError(errors)
    note = note.strip()
    with transaction.atomic():
        change = _emergency(change_id)
        workflow = workflows.for_change(change.change_type)
        transitions.transition(
            change, S.PRODUCTION_TEST, actor=actor, workflow=workflow, permission=IMPLEMENT,
            allowed=is_implementer, event="changes.change.production_test",
        )  # fmt: skip
        after = rules.after_emergency_test(successful=successful)
        if successful:
            _complete_incidents(change, actor, note)
            change.actual_end = timezone.now()
            if change.coordinator is None:
                coordinators = change_coordinators(change.service)
                change.coordinator = coordinators[0] if coordinators else None
        transitions.transition(
            change, after, actor=actor, workflow=workflow, reason=note,
            also=["actual_end", "coordinator"], event=f"changes.change.{after}",
            data={"successful": successful},
        )  # fmt: skip
        if successful:
            _tell(
                [change.coordinator],
                change,
                "change.emergency.register",
                "register the emergency change that was implemented",
                note,
            )
        else:
            _tell(
                _requested_by(change),
                change,
                "change.emergency.failed",
                "the emergency change failed its production test",
                note,
            )
    return change


def _complete_incidents(change: Change, actor: Person, note: str) -> None:
    for incident in change.incidents.filter(status__in=OPEN_STATUSES).order_by("pk"):
        incident_resolve(
            actor=actor,
            incident_id=incident.pk,
            resolution=note,
            resolution_code="solved",
        )


def emergency_change_register(
    *,
    actor: Person,
    change_id: int,
    cmdb_updated: bool,
    capacity_updated: bool,
    note: str = "",
) -> Change:
    """Proc. 8: the change coordinator of the affected service registers the emergency
    change, ensures the CMDB and the Capacity Management information are updated where
    required (recorded here), and, before closing it, informs the service owner (and the
    on-duty manager when they asked for it) by email that it was implemented
    successfully."""
    errors = {
        name: ["Answer yes or no."]
        for name, value in (("cmdb_updated", cmdb_updated), ("capacity_updated", capacity_updated))
        if not isinstance(value, bool)
    }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        change = _emergency(change_id)
        change.outcome, change.closed_at = ChangeOutcome.SUCCESSFUL, timezone.now()
        change.closure_note = (note or "").strip()
        old_coordinator, change.coordinator = change.coordinator, actor
        transitions.transition(
            change, S.CLOSED, actor=actor, workflow=workflows.for_change(change.change_type),
            permission=COORDINATE, allowed=coordinates, reason=change.closure_note,
            also=["outcome", "closed_at", "closure_note", "coordinator"],
            event="changes.change.closed", data={"emergency": True},
        )  # fmt: skip
        if old_coordinator != actor:
            journal.field_changes(
                change, actor=actor, changes={"coordinator": (old_coordinator, actor)}
            )
        journal.system(
            change,
            text=f"Registered by {actor} after its implementation. CMDB updated: "
            f"{_yes(cmdb_updated)}. Capacity Management information updated: "
            f"{_yes(capacity_updated)}.",
            data={"cmdb_updated": cmdb_updated, "capacity_updated": capacity_updated},
        )
        _tell(
            _requested_by(change),
            change,
            "change.emergency.closed",
            "the emergency change has been implemented successfully",
            change.closure_note or change.title,
            email=True,
        )
    return change


def _yes(value: bool) -> str:
    return "yes" if value else "no"


# --- ch. 8 proc. 2-5: the incident side ---------------------------------------------------


def incident_resolution_check(incident: IncidentRequest, *, override_reason: str) -> bool:
    """Ch. 8 proc. 2-5 (``rules.incident_may_resolve``): a request that may not be resolved
    without Change Management is refused, naming ``override_reason``, unless a change is
    linked to it or a reason for resolving it without one is given. True when the override
    is what lets it through (Incident Management journals it)."""
    needs = incident.needs_change_management
    if needs is not True:
        return False
    has_change = incident_has_change(incident)
    override = bool((override_reason or "").strip())
    if not rules.incident_may_resolve(needs_change=needs, has_change=has_change, override=override):
        raise ValidationError(
            {
                "override_reason": [
                    "This request needs Change Management: resolve it through a linked "
                    "change, or say why it is resolved without one."
                ]
            }
        )
    return not has_change


__all__ = [
    "emergency_change_register",
    "emergency_change_request",
    "emergency_change_test",
    "emergency_change_transfer",
    "incident_resolution_check",
]
