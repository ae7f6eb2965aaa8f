"""Seed 003 ch. 3 proc. 2, Change Planning: what the risk and impact analysis computes.

Plain functions, no writes: the planning services (``services/planning.py``) and the
change update (``services/changes.py``) store what they return.

- ``cmdb_impact(change)``: the services, active SLAs and customers the change touches,
  from the CMDB impact analysis of each of its CIs (``configuration.queries.impact``)
  plus the change's own service.
- ``service_hours_overlap(start, end, services)``: whether the implementation window
  falls (partly) inside the service hours of a touched service, and why.
- ``risk_points(answers, ...)`` / ``risk_level(points)``: the questionnaire's scoring
  (the table is documented on ``RISK_POINTS`` and in docs/ARCHITECTURE.md).
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from steward.changes.choices import RiskLevel
from steward.changes.models import Change
from steward.configuration.queries.impact import impact_summary
from steward.core.calendars import business_time_between
from steward.service_level.choices import AgreementKind, AgreementStatus
from steward.service_level.models import Agreement, Service

# How many affected CIs the stored analysis lists (the count is always whole).
MAX_LISTED_CIS = 50

# --- The questionnaire ------------------------------------------------------------------

# (key, question) of the yes/no questions, in the order the form asks them.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("causes_outage", "Will the service be unavailable or degraded while implementing?"),
    ("functionality_changes", "Will the functionality of the service become different?"),
    ("cmdb_update", "Will the CMDB need an update?"),
    ("infrastructure_changes", "Is a service infrastructure built or modified?"),
    ("tested", "Has the change been tested (in a test environment, or done before)?"),
    ("backout_tested", "Is there a tested backout plan?"),
)
USERS_AFFECTED: tuple[tuple[str, str], ...] = (
    ("none", "None"),
    ("some", "Some (up to 100)"),
    ("many", "Many (more than 100)"),
    ("all", "All users of the service"),
)
USERS_AFFECTED_QUESTION = "How many users will notice the implementation?"

# The scoring: points per answer, summed. An untested change or one without a tested
# backout weighs as much as an outage; a change touching other services (from the CMDB)
# adds a point. 0-2 points: low, 3-5: medium, 6 or more: high. An outage during service
# hours is at least medium, whatever the points.
RISK_POINTS: dict[str, dict[Any, int]] = {
    "causes_outage": {True: 2, False: 0},
    "functionality_changes": {True: 1, False: 0},
    "cmdb_update": {True: 0, False: 0},
    "infrastructure_changes": {True: 2, False: 0},
    "tested": {True: 0, False: 2},
    "backout_tested": {True: 0, False: 2},
    "users_affected": {"none": 0, "some": 1, "many": 2, "all": 3},
}
OTHER_SERVICES_POINTS = 1
MEDIUM_FROM, HIGH_FROM = 3, 6


def risk_points(answers: Mapping[str, Any], *, other_services: int = 0) -> int:
    """The questionnaire's points (``RISK_POINTS``), plus one when the CMDB says the change
    touches services besides its own."""
    points = sum(table.get(answers.get(key), 0) for key, table in RISK_POINTS.items())
    return points + (OTHER_SERVICES_POINTS if other_services > 0 else 0)


def risk_level(points: int, *, unavailable_in_service_hours: bool = False) -> RiskLevel:
    """Low under ``MEDIUM_FROM`` points, high from ``HIGH_FROM``, medium between; an outage
    during service hours is never low."""
    if points >= HIGH_FROM:
        return RiskLevel.HIGH
    if points >= MEDIUM_FROM or unavailable_in_service_hours:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


# --- Service hours ----------------------------------------------------------------------


def service_hours_overlap(
    start: datetime | None, end: datetime | None, services: Iterable[Service]
) -> dict[str, Any]:
    """Whether the window [start, end) falls (partly) inside the service hours of one of
    ``services``: ``{"overlaps": bool, "services": [names], "why": text}``. A service
    without service hours is available around the clock (24x7): any window overlaps. No
    window planned yet: assumed to overlap (nothing shows it falls outside the hours)."""
    services = list(services)
    if start is None or end is None:
        names = [s.name for s in services]
        return {"overlaps": True, "services": names, "why": "No implementation window yet."}
    hit: list[str] = []
    reasons: list[str] = []
    for service in services:
        calendar = service.service_hours
        if calendar is None:
            hit.append(service.name)
            reasons.append(f"{service.name} has no service hours (24x7)")
        elif _inside(start, end, calendar):
            hit.append(service.name)
            reasons.append(f"the window falls inside {service.name}'s hours ({calendar.name})")
    if hit:
        text = "; ".join(reasons)
        why = text[0].upper() + text[1:] + "."
    else:
        why = "The window falls outside the service hours of every affected service."
    return {"overlaps": bool(hit), "services": hit, "why": why}


def _inside(start: datetime, end: datetime, calendar: Any) -> bool:
    """Business time between ``start`` and ``end`` in ``calendar``; a window the calendar
    cannot measure (out of its range) counts as inside, so it is never taken for safe."""
    try:
        return business_time_between(start, end, calendar) > timedelta(0)
    except (ValueError, OverflowError):
        return True


# --- The CMDB impact --------------------------------------------------------------------


def _row(record: Any, *fields: str) -> dict[str, Any]:
    return {name: getattr(record, name) for name in fields}


def cmdb_impact(change: Change) -> dict[str, Any]:
    """What the change's CIs affect (``impact_summary`` of each, joined) with the change's
    own service: ``cis``, ``affected_cis`` (at most ``MAX_LISTED_CIS``, with the whole
    ``affected_count``), ``services`` (the own service first), ``other_service_ids``,
    ``agreements`` (active SLAs) and ``customers`` (their organisations)."""
    cis = list(change.cis.select_related("ci_class").order_by("name", "number"))
    affected: dict[int, dict[str, Any]] = {}
    service_ids: set[int] = set()
    for ci in cis:
        summary = impact_summary(ci)
        for row in summary["affected"]:
            affected.setdefault(row["id"], row)
        service_ids.update(s["id"] for s in summary["services"])
    service_ids.discard(change.service_id)
    others = list(Service.objects.filter(pk__in=service_ids).order_by("name"))
    agreements = list(
        Agreement.objects.filter(
            service_id__in=[change.service_id, *service_ids],
            kind=AgreementKind.SLA,
            status=AgreementStatus.ACTIVE,
        )
        .select_related("service", "customer")
        .order_by("number")
    )
    customers = {a.customer_id: a.customer for a in agreements if a.customer_id}
    listed = sorted(affected.values(), key=lambda r: (r["name"], r["number"]))
    return {
        "cis": [_row(ci, "id", "number", "name") for ci in cis],
        "affected_cis": listed[:MAX_LISTED_CIS],
        "affected_count": len(listed),
        "services": [_row(s, "id", "number", "name") for s in [change.service, *others]],
        "other_service_ids": [s.pk for s in others],
        "agreements": [
            {"id": a.pk, "number": a.number, "name": a.name, "service": a.service.name}
            for a in agreements
        ],
        "customers": sorted(
            ({"id": o.pk, "name": o.name} for o in customers.values()), key=lambda o: o["name"]
        ),
    }


def touched_services(change: Change) -> list[Service]:
    """The change's own service and the other services the stored analysis found."""
    ids = (change.impact or {}).get("other_service_ids") or []
    others = list(Service.objects.filter(pk__in=ids).select_related("service_hours"))
    return [change.service, *others]


def in_service_hours(change: Change) -> dict[str, Any]:
    """``service_hours_overlap`` of the change's window over its touched services."""
    return service_hours_overlap(change.planned_start, change.planned_end, touched_services(change))
