"""Seed 003 ch. 6 proc. 1, Event Handling: the operator's part, on the console.

The event processor registers what it can by itself (symptoms, planned work, the first
outage or capacity warning); the operator reviews each open event, acknowledges the ones
they are working on (``event_acknowledge``), links an event to the incident request they
registered for it by hand (``event_link_incident``: "the operator closes the event after
he/she has ... assigned the incident request that he/she registered for it", so an
assigned incident closes it), and closes the events that are handled (``event_close``:
"closing the event ensures that it is removed from the list of open events"). Many at
once from the console: ``events_bulk``, one transaction per event.

Who: operators (``events.event.handle``: operator, operations manager, system
administrator). Every write locks the event, checks the right and the transition table
(``workflows.EVENT``), journals and publishes the catalog event after commit."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from steward.core import journal, notify, permissions, transitions, versioning
from steward.core.errors import DomainError, InvalidTransition
from steward.core.fields import given
from steward.core.models import Person
from steward.events import inputs, workflows
from steward.events.choices import EventCategory, EventStatus, Handling
from steward.events.models import Event
from steward.incidents.choices import IncidentStatus
from steward.incidents.queries.incidents import incidents_for

HANDLE = "events.event.handle"
VIEW = "events.event.view"
MAX_NOTE = 2000
MAX_ITEMS = 200
# Procedure 1 closes these without anything more to say: the processor (or the operator)
# already recorded why in the event itself.
SELF_EXPLAINED = (Handling.SYMPTOM, Handling.PLANNED, Handling.INFORMATIONAL, Handling.CLEARED)
# An incident request the operator "resolved, or assigned" (proc. 1): its event is done.
DONE_INCIDENT = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)


def close_note_required(event: Event) -> bool:
    """Whether closing ``event`` needs the operator's note (proc. 1). The seed closes an
    event once it is resolved or its incident request assigned, when it was not the first
    event of an incident, or when the outage was planned; any other close (an event
    without an incident that is still firing and was neither a symptom, planned, nor
    information) must say why."""
    if event.incident_id is not None or event.cause_id is not None:
        return False
    if event.planned_change_id is not None or event.planned_event_id is not None:
        return False
    if event.handling in SELF_EXPLAINED or event.category == EventCategory.INFORMATIONAL:
        return False
    return event.active


def incident_assigned(incident: Any) -> bool:
    """Whether the operator's part of an incident request is done: it is with a group or a
    person, or already resolved."""
    return bool(
        incident.support_group_id or incident.assignee_id or incident.status in DONE_INCIDENT
    )


def _close(event: Event, *, actor: Person, note: str) -> Event:
    event.closed_by, event.closed_at, event.close_note = actor, timezone.now(), note
    if event.handled_at is None:
        event.handled_at = event.closed_at
    transitions.transition(
        event,
        EventStatus.CLOSED,
        actor=actor,
        workflow=workflows.EVENT,
        permission=HANDLE,
        reason=note,
        also=["closed_by", "closed_at", "close_note", "handled_at"],
        event="events.event.closed",
        data={"note": note} if note else {},
    )
    return event


def event_acknowledge(
    *, actor: Person, event_id: int, expected_version: int | None = None
) -> Event:
    """Seed 003 ch. 6 proc. 1: the operator reviews the event and acknowledges it, so the
    other operators see that someone is on it."""
    inputs.EVENT_ACKNOWLEDGE.check(actor, {})
    with transaction.atomic():
        event = transitions.lock(Event, event_id)
        versioning.check(event, expected_version)
        event.acknowledged_by, event.acknowledged_at = actor, timezone.now()
        transitions.transition(
            event,
            EventStatus.ACKNOWLEDGED,
            actor=actor,
            workflow=workflows.EVENT,
            permission=HANDLE,
            also=["acknowledged_by", "acknowledged_at"],
            event="events.event.acknowledged",
        )
    return event


def event_close(
    *, actor: Person, event_id: int, note: str = "", expected_version: int | None = None
) -> Event:
    """Seed 003 ch. 6 proc. 1: the operator closes the event once it is handled (resolved,
    its incident request assigned, a symptom, planned); closing removes it from the list
    of open events. Without such a reason the note says why (``close_note_required``)."""
    note = (note or "").strip()
    inputs.EVENT_CLOSE.check(actor, given(note=note))
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": [f"Write at most {MAX_NOTE} characters."]})
    with transaction.atomic():
        event = transitions.lock(Event, event_id)
        versioning.check(event, expected_version)
        permissions.require(actor, HANDLE, event)
        workflows.EVENT.check(event.status, EventStatus.CLOSED)
        if not note and close_note_required(event):
            raise ValidationError(
                {
                    "note": [
                        "Say why: the event has no incident request, was neither planned "
                        "nor a symptom, and is still firing."
                    ]
                }
            )
        return _close(event, actor=actor, note=note)


def event_link_incident(
    *, actor: Person, event_id: int, incident_id: int, expected_version: int | None = None
) -> Event:
    """Seed 003 ch. 6 proc. 1: the operator registered the incident request for the event
    by hand; the event is linked to it, and closed at once when the request is already
    assigned (or resolved), as "the operator closes the event after he/she has ...
    assigned the incident request that he/she registered for it"."""
    inputs.EVENT_LINK_INCIDENT.check(actor, given(incident=incident_id))
    permissions.require(actor, HANDLE)
    incident = incidents_for(actor).filter(pk=incident_id).first()
    if incident is None:
        raise ValidationError({"incident": [f"No incident request {incident_id}."]})
    with transaction.atomic():
        event = transitions.lock(Event, event_id)
        versioning.check(event, expected_version)
        permissions.require(actor, HANDLE, event)
        if event.status == EventStatus.CLOSED:
            raise DomainError(f"{event.number} is closed: it cannot be linked any more.")
        if event.incident_id == incident.pk:
            return event
        old = event.incident.number if event.incident_id else ""
        event.incident = incident
        if event.handled_at is None:
            event.handled_at = timezone.now()
        event.save(update_fields=["incident", "handled_at"])
        journal.field_changes(event, actor=actor, changes={"incident": (old, incident.number)})
        notify.record_event(
            record=event, event="events.event.linked", actor=actor,
            data={"incident": incident.pk, "incident_number": incident.number},
        )  # fmt: skip
        if incident_assigned(incident):
            _close(event, actor=actor, note=f"Incident request {incident.number} is assigned.")
    return event


# --- Several events at once (the console's selection) ------------------------------------


BULK_ACTIONS = {"acknowledge": "Acknowledge", "close": "Close"}


@dataclass
class Outcome:
    """What happened to one event: ``done`` or a refusal with the reason."""

    event_id: int
    number: str
    done: bool
    reason: str = ""


@dataclass
class BulkResult:
    action: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def done(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.done]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.done]

    def summary(self) -> str:
        """ "3 acknowledged, 1 refused: EV0000012 (It is closed.)"."""
        verb = {"acknowledge": "acknowledged", "close": "closed"}[self.action]
        text = f"{len(self.done)} {verb}"
        if self.refused:
            reasons = "; ".join(f"{o.number} ({o.reason})" for o in self.refused)
            text += f", {len(self.refused)} refused: {reasons}"
        return text + "."


def events_bulk(
    *, actor: Person, action: str, event_ids: Sequence[int], note: str = ""
) -> BulkResult:
    """Seed 003 ch. 6 proc. 1 for the events selected on the console: each through its own
    service (``event_acknowledge``, ``event_close``), one transaction per event, so one
    refusal (closed meanwhile, a note needed) does not undo the others and is reported.
    Bad input (an unknown action, nothing or too much selected) refuses the whole."""
    inputs.EVENTS_BULK.check(actor, given(action=action, events=list(event_ids), note=note))
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": ["Choose one of: " + ", ".join(BULK_ACTIONS) + "."]})
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        raise ValidationError({"events": ["Select at least one event."]})
    if len(ids) > MAX_ITEMS:
        raise ValidationError({"events": [f"Select at most {MAX_ITEMS} events at once."]})
    permissions.require(actor, HANDLE)
    step: Callable[[int], Any]
    if action == "acknowledge":
        step = lambda pk: event_acknowledge(actor=actor, event_id=pk)  # noqa: E731
    else:
        step = lambda pk: event_close(actor=actor, event_id=pk, note=note)  # noqa: E731
    result = BulkResult(action)
    for pk in ids:
        result.outcomes.append(_one(pk, step))
    return result


def _one(pk: int, step: Callable[[int], Any]) -> Outcome:
    number = f"EV{pk:07d}"
    try:
        step(pk)
    except Http404:
        return Outcome(pk, number, False, "No such event.")
    except ValidationError as exc:
        return Outcome(pk, number, False, " ".join(exc.messages))
    except InvalidTransition as exc:
        return Outcome(pk, number, False, f"It is {exc.old}.")
    except (PermissionDenied, DomainError) as exc:
        return Outcome(pk, number, False, str(exc) or "You may not do this.")
    return Outcome(pk, number, True)
