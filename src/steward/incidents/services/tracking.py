"""Seed 003 ch. 8 proc. 3, Incident Request Tracking: the clocks of a request, corrections
to what it is about, and waiting (pending) and resuming.

Clocks (``service_level.services.slt.start_clocks_for``): the customer's SLA clocks start on
registration (from its creation time) and the group's OLA clocks when a group gets the
request; both pause while pending on the requester or a supplier; the response clocks stop
when a person is assigned (or takes it, or it is resolved); all stop on resolution. A
new group cancels the previous group's open OLA clocks and starts its own. A stopped clock
cannot run again, so a reopened request gets new resolution clocks from the moment it is
reopened (the response was measured the first time). A new priority or service on an open
request cancels its open clocks and starts the new targets from the original start times
(the time paused so far is not carried over).

SLA warnings and breaches go to the group coordinators of the request's group; a service
outage past its resolution threshold to the service owner too (``_clock_recipients``,
registered with ``clocks.register_escalation``)."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.configuration.models import ConfigurationItem
from steward.core import clocks, journal, versioning
from steward.core.choices import ClockKind, ClockMetric, ClockState, Role
from steward.core.errors import InvalidTransition
from steward.core.models import Person, SlaClock
from steward.core.roles import group_coordinators, holders
from steward.incidents import search, workflows
from steward.incidents.choices import OPEN_STATUSES, Impact, PendingReason, ServiceType, Urgency
from steward.incidents.models import Category, IncidentRequest
from steward.incidents.services.common import (
    PAUSING_REASONS,
    VIEW,
    N,
    _event,
    _locked,
    _save,
    _tell,
    _transition,
)
from steward.incidents.services.people import desk_people, require_work, service_owners
from steward.incidents.services.routing import priority_for
from steward.incidents.services.validation import (
    as_instance,
    checked_choice,
    checked_text,
    raise_errors,
)
from steward.service_level.models import Service
from steward.service_level.services import slt

# Proc. 3: "a service outage" is a restoration request with extensive or significant impact.
OUTAGE_SERVICE_TYPES = frozenset(
    {ServiceType.INFRASTRUCTURE_RESTORATION, ServiceType.USER_SERVICE_RESTORATION}
)


OUTAGE_IMPACTS = frozenset({Impact.EXTENSIVE, Impact.SIGNIFICANT})
CHANGE_FIELDS = (
    "causes_service_unavailability",
    "changes_service_functionality",
    "requires_cmdb_update",
)


UPDATE_FIELDS = (
    "title", "description", "service", "cis", "category", "service_type", "impact", "urgency",
    *CHANGE_FIELDS,
)  # fmt: skip


def _clocks(incident: IncidentRequest, **filters: Any) -> list[SlaClock]:
    return list(clocks.clocks_for(incident).filter(**filters).order_by("pk"))


def _start_clocks(
    incident: IncidentRequest,
    actor: Person | None,
    *,
    customer: bool = True,
    group: bool = True,
    started_at: datetime | None = None,
) -> list[SlaClock]:
    """Start the SLA (customer) and/or OLA (group) clocks that apply, if a service is known."""
    if incident.service_id is None:
        return []
    party_customer = incident.customer if customer else None
    party_group = incident.support_group if group else None
    if party_customer is None and party_group is None:
        return []
    return slt.start_clocks_for(
        record=incident,
        service=incident.service,
        customer=party_customer,
        priority=incident.priority,
        support_group=party_group,
        started_at=started_at,
        actor=actor,
    )


def _pause_clocks(incident: IncidentRequest, actor: Person | None, reason: str) -> None:
    for clock in _clocks(incident, state=ClockState.RUNNING):
        clocks.clock_pause(clock_id=clock.pk, reason=reason, actor=actor)


def _resume_clocks(incident: IncidentRequest, actor: Person | None) -> None:
    for clock in _clocks(incident, state=ClockState.PAUSED):
        clocks.clock_resume(clock_id=clock.pk, actor=actor)


def _stop_clocks(
    incident: IncidentRequest, actor: Person | None, *, metric: str | None = None
) -> None:
    filters: dict[str, Any] = {"state__in": clocks.OPEN_STATES}
    if metric:
        filters["metric"] = metric
    for clock in _clocks(incident, **filters):
        clocks.clock_stop(clock_id=clock.pk, actor=actor)


def _cancel_clocks(
    incident: IncidentRequest,
    actor: Person | None,
    reason: str,
    *,
    kind: str | None = None,
    only: Iterable[SlaClock] | None = None,
) -> list[SlaClock]:
    filters: dict[str, Any] = {"state__in": clocks.OPEN_STATES}
    if kind:
        filters["kind"] = kind
    targets = list(only) if only is not None else _clocks(incident, **filters)
    for clock in targets:
        clocks.clock_cancel(clock_id=clock.pk, reason=reason, actor=actor)
    return targets


def _new_group_clocks(incident: IncidentRequest, actor: Person | None) -> None:
    """The previous group's open OLA clocks end; the new group's OLA (if any) starts now."""
    _cancel_clocks(incident, actor, "assigned to another group", kind=ClockKind.OLA)
    if incident.support_group_id is not None and incident.status not in (N.RESOLVED, N.CLOSED):
        started = _start_clocks(incident, actor, customer=False)
        if incident.assignee_id is not None:
            for clock in started:
                if clock.metric == ClockMetric.RESPONSE:
                    clocks.clock_stop(clock_id=clock.pk, actor=actor)
        if incident.status == N.PENDING and incident.pending_reason in PAUSING_REASONS:
            for clock in started:
                if clock.metric != ClockMetric.RESPONSE or incident.assignee_id is None:
                    clocks.clock_pause(clock_id=clock.pk, reason="pending", actor=actor)


def _restart_clocks(incident: IncidentRequest, actor: Person | None, reason: str) -> None:
    """A new priority or service: replace the open clocks by the targets that now apply,
    measured from the same start (the SLA from registration)."""
    cancelled = _cancel_clocks(incident, actor, reason)
    responded = incident.assignee_id is not None or bool(
        _clocks(incident, metric=ClockMetric.RESPONSE, state=ClockState.STOPPED)
    )
    ola_start = min(
        (c.started_at for c in cancelled if c.kind == ClockKind.OLA), default=timezone.now()
    )
    started = _start_clocks(incident, actor, group=False, started_at=incident.created_at)
    started += _start_clocks(incident, actor, customer=False, started_at=ola_start)
    pausing = incident.status == N.PENDING and incident.pending_reason in PAUSING_REASONS
    for clock in started:
        if clock.metric == ClockMetric.RESPONSE and responded:
            clocks.clock_cancel(clock_id=clock.pk, reason="response already measured", actor=actor)
        elif pausing:
            clocks.clock_pause(clock_id=clock.pk, reason="pending", actor=actor)


def _clock_recipients(clock: SlaClock, level: str) -> list[Person]:
    """Proc. 3: SLA warnings and breaches go to the group coordinators of the request's group
    (the desk when it has none); a breach of the resolution clock of a service outage (a
    restoration with impact 1 or 2) goes to the service owner too (the on-duty manager when
    the service has no active owner)."""
    incident = (
        IncidentRequest.objects.select_related("support_group", "service__owner")
        .filter(pk=clock.record_id)
        .first()
    )
    if incident is None:
        return []
    people = group_coordinators(incident.support_group)
    if not people:
        people = desk_people()
    if level == "breach" and clock.metric == ClockMetric.RESOLUTION and is_outage(incident):
        people += service_owners(incident.service) or holders(Role.ON_DUTY_MANAGER)
    return people


def is_outage(incident: IncidentRequest) -> bool:
    """A service outage in the sense of proc. 3."""
    return (
        incident.service_id is not None
        and incident.service_type in OUTAGE_SERVICE_TYPES
        and incident.impact in OUTAGE_IMPACTS
    )


clocks.register_escalation("incidents.incidentrequest", _clock_recipients)


def incident_update(
    *, actor: Person, incident_id: int, data: Mapping[str, Any], expected_version: int | None = None
) -> IncidentRequest:
    """Proc. 1-4: correct what the request is about. A new impact or urgency recomputes the
    priority; a new priority or service restarts the clocks for the targets that now apply."""
    unknown = sorted(set(data) - set(UPDATE_FIELDS))
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name == "title":
            values[name] = checked_text(errors, name, value, max_length=200)
        elif name == "description":
            values[name] = (value or "").strip()
        elif name == "service":
            values[name] = as_instance(Service, value, name)
        elif name == "category":
            values[name] = as_instance(Category, value, name)
        elif name == "cis":
            values[name] = [as_instance(ConfigurationItem, ci, name) for ci in value or ()]
        elif name == "service_type":
            values[name] = checked_choice(errors, name, value, ServiceType.values)
        elif name == "impact":
            values[name] = checked_choice(errors, name, value, Impact.values)
        elif name == "urgency":
            values[name] = checked_choice(errors, name, value, Urgency.values)
        elif name in CHANGE_FIELDS:
            if value is not None and not isinstance(value, bool):
                errors[name] = ["Answer yes, no or not assessed."]
            values[name] = value
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        versioning.check(incident, expected_version)
        if incident.status not in OPEN_STATUSES:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, "updated")
        cis = values.pop("cis", None)
        old_priority, old_service = incident.priority, incident.service_id
        changes = journal.apply_changes(incident, values, list(values))
        incident.priority = priority_for(incident.impact, incident.urgency)
        if incident.priority != old_priority:
            changes["priority"] = (old_priority, incident.priority)
        if cis is not None:
            before = sorted(incident.cis.values_list("number", flat=True))
            after = sorted(ci.number for ci in cis)
            if before != after:
                incident.cis.set(cis)
                changes["cis"] = (", ".join(before), ", ".join(after))
        if not changes:
            return incident
        _save(incident, *[name for name in changes if name != "cis"])
        journal.field_changes(incident, actor=actor, changes=changes)
        if "priority" in changes or incident.service_id != old_service:
            _restart_clocks(incident, actor, "priority or service changed")
        _event(incident, "incidents.incident_request.updated", actor, fields=sorted(changes))
    return incident


def incident_set_pending(
    *, actor: Person, incident_id: int, reason: str, note: str = ""
) -> IncidentRequest:
    """Wait for the requester, a supplier, a change or a planned moment. Waiting on the
    requester or a supplier pauses the clocks; a note to the requester is a public reply."""
    errors: dict[str, list[str]] = {}
    reason = checked_choice(errors, "reason", reason, PendingReason.values)
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        incident.pending_reason = reason
        _transition(
            incident, N.PENDING, actor, PendingReason(reason).label, public=True,
            also=["pending_reason"], event="incidents.incident_request.pending",
            data={"reason": reason},
        )  # fmt: skip
        if note.strip():
            public = reason == PendingReason.AWAITING_REQUESTER
            journal.note_add(
                actor=actor, record=incident, body=note, public=public, permission=VIEW
            )
            search.refresh_documents(incident)
        if reason in PAUSING_REASONS:
            _pause_clocks(incident, actor, PendingReason(reason).label)
        if reason == PendingReason.AWAITING_REQUESTER:
            _tell(
                [incident.requester],
                incident,
                "incident.awaiting_requester",
                "We need information from you",
                note or "Please reply to this message with the information asked for.",
                actor,
            )
    return incident


def _resume(
    incident: IncidentRequest, actor: Person | None, reason: str = "", *, public: bool = False
) -> None:
    new = N.IN_PROGRESS if incident.assignee_id else N.ASSIGNED
    incident.pending_reason = ""
    _transition(
        incident, new, actor, reason, public=public, also=["pending_reason"],
        event="incidents.incident_request.resumed",
    )  # fmt: skip
    _resume_clocks(incident, actor)


def incident_resume(*, actor: Person, incident_id: int, note: str = "") -> IncidentRequest:
    """The wait is over: back to work, clocks running again."""
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        if incident.status != N.PENDING:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, N.IN_PROGRESS)
        _resume(incident, actor, note)
    return incident
