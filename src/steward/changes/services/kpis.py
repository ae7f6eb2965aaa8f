"""Recording that a change caused an incident (seed 003 ch. 3 proc. 6, the production test
and what follows it; ch. 8 proc. 2-5, the incident found to come from a change), which the
KPI "changes that caused incidents" counts.

Who records it: the change coordinator of the change's service (``changes.change.coordinate``
there: change coordinators, change managers), who answers for the change's outcome. The
incident must be one the actor may see, and the change must have been implemented (it is
in or past implementation; an emergency change is implemented before it is registered).
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from steward.changes.choices import ChangeStatus, ChangeType
from steward.changes.models import Change
from steward.core import journal, notify, permissions, transitions
from steward.core.errors import DomainError
from steward.core.models import Person
from steward.incidents.models import IncidentRequest
from steward.incidents.queries.incidents import incidents_for

COORDINATE = "changes.change.coordinate"
RECORD = "caused incidents"
IMPLEMENTED = (
    ChangeStatus.IMPLEMENTATION,
    ChangeStatus.PRODUCTION_TEST,
    ChangeStatus.CLOSED,
    ChangeStatus.BACKED_OUT,
)


def was_implemented(change: Change) -> bool:
    """Whether the change's implementation has started: only such a change causes
    incidents (an emergency change is registered after its implementation, proc. 8)."""
    if change.change_type == ChangeType.EMERGENCY and change.status == ChangeStatus.REGISTERED:
        return True
    return change.status in IMPLEMENTED


def may_record(actor: Person, change: Change) -> bool:
    """The change coordinator of the change's service (or a change manager)."""
    return permissions.has(actor, COORDINATE, change)


def _incident(actor: Person, incident_id: int) -> IncidentRequest:
    incident = incidents_for(actor).filter(pk=incident_id).first()
    if incident is None:
        raise ValidationError(
            {"incident": ["There is no incident request with this id you may see."]}
        )
    return incident


def _tell_coordinator(change: Change, actor: Person, text: str) -> None:
    if change.coordinator_id and change.coordinator_id != actor.pk:
        notify.send(
            recipients=[change.coordinator],
            event="change.caused_incident",
            title=f"Change {change.number}: {text}",
            body=change.title,
            record=change,
        )


def change_link_caused_incident(
    *, actor: Person, change_id: int, incident_id: int, note: str = ""
) -> Change:
    """Record that the change's implementation caused the incident request (proc. 6; ch. 8
    proc. 2-5). Journaled on both records; the change coordinator is told when someone
    else records it."""
    with transaction.atomic():
        change = transitions.lock(Change, change_id, related=["service", "coordinator"])
        permissions.require(actor, COORDINATE, change)
        incident = _incident(actor, incident_id)
        if not was_implemented(change):
            raise DomainError(
                f"{change.number} is {change.get_status_display().lower()}: only a change "
                "that was implemented can cause an incident."
            )
        if change.caused_incidents.filter(pk=incident.pk).exists():
            raise ValidationError(
                {"incident": [f"{incident.number} is already recorded as caused by it."]}
            )
        change.caused_incidents.add(incident)
        # The record's version moves on; its times stay (the KPIs read when it ended).
        change.save(update_fields=["lock_version"])
        journal.field_changes(change, actor=actor, changes={RECORD: (None, incident.number)})
        journal.field_changes(
            incident, actor=actor, changes={"caused by change": (None, change.number)}
        )
        if note.strip():
            journal.note_add(
                actor=actor,
                record=change,
                body=note,
                public=False,
                permission=COORDINATE,
            )
        notify.record_event(
            record=change,
            event="changes.change.caused_incident",
            actor=actor,
            data={"incident": incident.pk, "incident_number": incident.number},
        )
        _tell_coordinator(change, actor, f"{incident.number} was recorded as caused by it")
    return change


def change_unlink_caused_incident(
    *, actor: Person, change_id: int, incident_id: int, note: str = ""
) -> Change:
    """Take back the record that the change caused the incident request (it was not the
    cause after all); journaled on both records like the link."""
    with transaction.atomic():
        change = transitions.lock(Change, change_id, related=["service", "coordinator"])
        permissions.require(actor, COORDINATE, change)
        incident = change.caused_incidents.filter(pk=incident_id).first()
        if incident is None:
            raise ValidationError(
                {"incident": ["That incident request is not recorded as caused by this change."]}
            )
        change.caused_incidents.remove(incident)
        change.save(update_fields=["lock_version"])
        journal.field_changes(change, actor=actor, changes={RECORD: (incident.number, None)})
        journal.field_changes(
            incident, actor=actor, changes={"caused by change": (change.number, None)}
        )
        if note.strip():
            journal.note_add(
                actor=actor,
                record=change,
                body=note,
                public=False,
                permission=COORDINATE,
            )
        notify.record_event(
            record=change,
            event="changes.change.caused_incident_removed",
            actor=actor,
            data={"incident": incident.pk, "incident_number": incident.number},
        )
        _tell_coordinator(change, actor, f"{incident.number} is no longer recorded as caused by it")
    return change


__all__ = ["change_link_caused_incident", "change_unlink_caused_incident", "may_record"]
