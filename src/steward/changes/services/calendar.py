"""Planned events on the change calendar (seed 003 ch. 3 proc. 2 and 3): maintenance
windows, blackout periods and other events the change coordinator plans around and the
change manager checks a change's timing against ("does not conflict with other planned
changes or planned events"). The conflicts themselves are read by
``steward.changes.queries.calendar``.

Who: ``changes.planned_event.change`` (change coordinators, change managers, service
owners, operations managers). A person holding it only for some services plans events on
those services only; a blackout period or an event concerning everything needs it
everywhere.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from steward.changes.choices import PlannedEventKind
from steward.changes.models import PlannedEvent
from steward.configuration.models import ConfigurationItem
from steward.core import journal, notify, numbering, permissions
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.errors import DomainError
from steward.core.models import Person
from steward.service_level.models import Service

CHANGE = "changes.planned_event.change"
EVENT_FIELDS = ["title", "kind", "description", "starts_at", "ends_at", "everywhere"]
EVENT_LINKS = ["services", "cis"]


def _ids(model: type, ids: Iterable[Any], field: str) -> list[int]:
    wanted = sorted({int(pk) for pk in ids})
    found = set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError({field: [f"No such record: {', '.join(map(str, missing))}."]})
    return wanted


def _check(event: PlannedEvent, service_ids: list[int], ci_ids: list[int]) -> None:
    """The event's own rules: a known kind, the end after the start, something concerned."""
    if event.kind not in PlannedEventKind.values:
        raise ValidationError({"kind": ["Select a valid choice."]})
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        raise ValidationError({"ends_at": ["The end must be after the start."]})
    if event.kind == PlannedEventKind.BLACKOUT:
        event.everywhere = True  # a blackout period stops every change in its window
    if not event.everywhere and not service_ids and not ci_ids:
        raise ValidationError(
            {"services": ["Name the services or CIs the event concerns, or choose everywhere."]}
        )
    event.full_clean(exclude=["number"])


def _require_scope(actor: Person, event: PlannedEvent, service_ids: list[int]) -> None:
    """A right held for some services covers events on those services only."""
    everywhere, scoped = permissions.scopes_for(actor, CHANGE)
    if everywhere:
        return
    if event.everywhere:
        raise PermissionDenied(
            "Only someone who plans events everywhere may plan a blackout or a company-wide event."
        )
    mine = {sid for ids in scoped.values() for sid in ids}
    if not service_ids or not set(service_ids) <= mine:
        raise PermissionDenied("You may plan events only on the services you coordinate.")


def planned_event_create(
    *,
    actor: Person,
    title: str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    everywhere: bool = False,
    service_ids: Iterable[int] = (),
    ci_ids: Iterable[int] = (),
) -> PlannedEvent:
    """Put a maintenance window, a blackout period or another planned event on the change
    calendar (proc. 2, 3: what changes are planned around)."""
    permissions.require(actor, CHANGE)
    with transaction.atomic():
        services = _ids(Service, service_ids, "services")
        cis = _ids(ConfigurationItem, ci_ids, "cis")
        event = PlannedEvent(
            title=(title or "").strip(),
            kind=kind,
            description=description,
            starts_at=starts_at,
            ends_at=ends_at,
            everywhere=everywhere,
            created_by=actor,
        )
        _check(event, services, cis)
        _require_scope(actor, event, services)
        numbering.assign(event)
        event.save()
        event.services.set(services)
        event.cis.set(cis)
        journal.created(event, actor=actor)
        notify.record_event(record=event, event="changes.planned_event.created", actor=actor)
    return event


def planned_event_update(
    *,
    actor: Person,
    planned_event_id: int,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> PlannedEvent:
    """Change a planned event (its window, kind, what it concerns), from the version the
    actor started from. A cancelled event stays as it is."""
    reject_unknown(data, EVENT_FIELDS + EVENT_LINKS)
    with transaction.atomic():
        event = lock_to_edit(actor, CHANGE, PlannedEvent, planned_event_id, expected_version)
        if event.is_cancelled:
            raise DomainError(f"{event.number} is cancelled; it cannot be changed.")
        old_services = sorted(event.services.values_list("pk", flat=True))
        old_cis = sorted(event.cis.values_list("pk", flat=True))
        _require_scope(actor, event, old_services)
        services = (
            _ids(Service, data["services"], "services") if "services" in data else old_services
        )
        cis = _ids(ConfigurationItem, data["cis"], "cis") if "cis" in data else old_cis
        if "title" in data:
            data = {**data, "title": (data["title"] or "").strip()}
        changes = journal.apply_changes(event, data, EVENT_FIELDS)
        _check(event, services, cis)
        _require_scope(actor, event, services)
        for name, old, new in (("services", old_services, services), ("cis", old_cis, cis)):
            if old != new:
                getattr(event, name).set(new)
                changes[name] = (", ".join(map(str, old)), ", ".join(map(str, new)))
        if changes:
            event.save()
            journal.field_changes(event, actor=actor, changes=changes)
            notify.record_event(
                record=event,
                event="changes.planned_event.changed",
                actor=actor,
                data={"fields": sorted(changes)},
            )
    return event


def planned_event_cancel(
    *, actor: Person, planned_event_id: int, reason: str = "", expected_version: int | None = None
) -> PlannedEvent:
    """Take a planned event off the calendar: it no longer conflicts with anything."""
    with transaction.atomic():
        event = lock_to_edit(actor, CHANGE, PlannedEvent, planned_event_id, expected_version)
        if event.is_cancelled:
            raise DomainError(f"{event.number} is already cancelled.")
        _require_scope(actor, event, sorted(event.services.values_list("pk", flat=True)))
        event.is_cancelled = True
        event.save()
        journal.field_changes(event, actor=actor, changes={"is_cancelled": (False, True)})
        if reason:
            journal.system(event, text=f"Cancelled: {reason}")
        notify.record_event(
            record=event,
            event="changes.planned_event.cancelled",
            actor=actor,
            data={"reason": reason},
        )
    return event


__all__ = ["planned_event_cancel", "planned_event_create", "planned_event_update"]
