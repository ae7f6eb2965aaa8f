"""Seed 003 ch. 8 proc. 6, Incident Request Closure: the requester accepts
(``incident_accept``) or reopens (``incident_reopen``); the desk closes for them
(``incident_close``) or withdraws a request registered by mistake (``incident_cancel``);
resolved requests close by themselves after ``settings.INCIDENT_AUTO_CLOSE_BUSINESS_DAYS``
business days of the service's hours (``incidents_auto_close``, a daily task)."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from steward.core import clocks, fields, journal
from steward.core.calendars import CalendarSpec, spec_for
from steward.core.choices import ClockKind, ClockMetric
from steward.core.edits import lock_to_edit
from steward.core.errors import InvalidTransition
from steward.core.models import BusinessCalendar, Person, SupportGroup
from steward.incidents import inputs, workflows
from steward.incidents.models import IncidentRequest
from steward.incidents.services.common import (
    CLOSE,
    N,
    _group_or_coordinators,
    _locked,
    _tell,
    _transition,
)
from steward.incidents.services.people import require_verify
from steward.incidents.services.routing import reopen_group
from steward.incidents.services.tracking import _cancel_clocks, _start_clocks
from steward.incidents.services.validation import as_instance, checked_text, raise_errors
from steward.service_level.services import slt


def _close(incident: IncidentRequest, actor: Person | None, reason: str) -> None:
    """``reason`` is Steward's own line ("Solution accepted."), public."""
    incident.closed_at = timezone.now()
    _transition(
        incident, N.CLOSED, actor, reason, public=True, also=["closed_at"],
        event="incidents.incident_request.closed",
    )  # fmt: skip


def incident_accept(*, actor: Person, incident_id: int) -> IncidentRequest:
    """Proc. 6: the requester (or the desk for them) accepts the solution: closed."""
    with transaction.atomic():
        incident = _locked(incident_id)
        require_verify(actor, incident)
        _close(incident, actor, "Solution accepted.")
        if incident.resolved_by_id and incident.resolved_by_id != actor.pk:
            _tell(
                [incident.resolved_by],
                incident,
                "incident.accepted",
                "Solution accepted",
                "",
                actor,
            )
    return incident


def incident_close(*, actor: Person, incident_id: int) -> IncidentRequest:
    """Proc. 6: the desk closes a resolved request on the requester's behalf (the user,
    still in contact, verified the solution)."""
    with transaction.atomic():
        incident = lock_to_edit(actor, CLOSE, IncidentRequest, incident_id)
        _close(incident, actor, "Closed by the service desk after verification.")
    return incident


def incident_reopen(
    *,
    actor: Person,
    incident_id: int,
    reason: str,
    support_group: SupportGroup | int | None = None,
) -> IncidentRequest:
    """Proc. 6 (and 1, 2): the solution does not work, the request is reopened. The desk
    picks the group by hand; the requester reopening leaves it with its previous group, and
    one that had none (resolved at first contact) is routed (``routing.reopen_group``).
    New resolution clocks start now."""
    errors: dict[str, list[str]] = {}
    reason = checked_text(errors, "reason", reason)
    group = as_instance(SupportGroup, support_group, "support_group")
    if group is not None and not group.is_active:
        errors["support_group"] = ["This group is not active."]
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        require_verify(actor, incident)
        inputs.REOPEN.check(actor, fields.given(reason=reason, support_group=group), incident)
        if incident.status != N.RESOLVED:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, "reopened")
        group = group or incident.support_group or reopen_group(incident)
        group_changed = group != incident.support_group
        old = {
            "support_group": incident.support_group,
            "assignee": incident.assignee,
            "resolution": incident.resolution,
            "resolution_code": incident.resolution_code,
        }
        incident.support_group = group
        if group_changed:
            incident.assignee = None
        incident.reopen_count += 1
        incident.resolution = incident.resolution_code = ""
        incident.resolved_at = incident.resolved_by = None
        incident.first_contact_resolution = False
        _transition(
            incident, N.ASSIGNED, actor, reason, public=True,  # inputs.REOPEN: shared
            also=[
                "support_group", "assignee", "reopen_count", "resolution", "resolution_code",
                "resolved_at", "resolved_by", "first_contact_resolution",
            ],
            event="incidents.incident_request.reopened",
            data={"reopen_count": incident.reopen_count},
        )  # fmt: skip
        new = {k: getattr(incident, k) for k in old}
        journal.field_changes(
            incident, actor=actor, changes={k: (old[k], new[k]) for k in old if old[k] != new[k]}
        )
        if group_changed:
            _cancel_clocks(incident, actor, "assigned to another group", kind=ClockKind.OLA)
        for clock in _start_clocks(incident, actor):
            if clock.metric == ClockMetric.RESPONSE:
                clocks.clock_cancel(clock_id=clock.pk, reason="reopened", actor=actor)
        _tell(
            _group_or_coordinators(incident),
            incident,
            "incident.reopened",
            "Reopened: the solution did not work",
            reason,
            actor,
        )
    return incident


def incident_cancel(*, actor: Person, incident_id: int, reason: str = "") -> IncidentRequest:
    """The desk withdraws a request registered by mistake (a duplicate, not an incident);
    its clocks stop measuring without a verdict."""
    with transaction.atomic():
        incident = lock_to_edit(actor, CLOSE, IncidentRequest, incident_id)
        incident.closed_at = timezone.now()
        _transition(
            incident, N.CANCELLED, actor, reason, public=True,  # sent to the requester
            also=["closed_at"], event="incidents.incident_request.cancelled",
        )  # fmt: skip
        _cancel_clocks(incident, actor, "request cancelled")
        _tell([incident.requester], incident, "incident.cancelled", "Request cancelled", reason)
    return incident


def _business_days_after(day: date, until: date, spec: CalendarSpec) -> int:
    """Working days (with hours, not holidays) after ``day`` up to and including ``until``."""
    count, current = 0, day + timedelta(days=1)
    while current <= until:
        if spec.periods[current.weekday()] and current not in spec.holidays:
            count += 1
        current += timedelta(days=1)
    return count


def incidents_auto_close(now: datetime | None = None) -> int:
    """Proc. 6: a resolved request neither accepted nor reopened closes after
    ``INCIDENT_AUTO_CLOSE_BUSINESS_DAYS`` working days of its service's calendar (every day
    counts for a service without hours). Idempotent; returns how many it closed."""
    now = now or timezone.now()
    days = int(getattr(settings, "INCIDENT_AUTO_CLOSE_BUSINESS_DAYS", 5))
    candidates = IncidentRequest.objects.filter(
        status=N.RESOLVED, resolved_at__lte=now - timedelta(days=max(days, 0))
    ).values_list("pk", "resolved_at", "service__service_hours_id")
    specs: dict[int | None, CalendarSpec] = {}
    due: list[int] = []
    by_calendar: dict[int | None, list[tuple[int, datetime]]] = defaultdict(list)
    for pk, resolved_at, calendar_id in candidates:
        by_calendar[calendar_id].append((pk, resolved_at))
    for calendar_id, rows in by_calendar.items():
        if calendar_id not in specs:
            calendar = BusinessCalendar.objects.prefetch_related("periods", "holidays").get(
                pk=calendar_id or slt.always_calendar().pk
            )
            specs[calendar_id] = spec_for(calendar)
        spec = specs[calendar_id]
        zone = ZoneInfo(spec.time_zone)
        today = now.astimezone(zone).date()
        for pk, resolved_at in rows:
            if _business_days_after(resolved_at.astimezone(zone).date(), today, spec) >= days:
                due.append(pk)
    closed = 0
    for pk in due:
        with transaction.atomic():
            incident = _locked(pk)
            if incident.status != N.RESOLVED:
                continue
            _close(incident, None, f"Closed automatically after {days} business days.")
            closed += 1
    return closed
