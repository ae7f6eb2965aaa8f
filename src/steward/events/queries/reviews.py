"""The event review (seed 003 ch. 6 proc. 2) and the outage review (proc. 3): what the
operations manager looks at, read for a period of local days (``core.periods``, default
the last 30 days). Only people holding ``events.review.perform`` read them.

Event review, four findings tables (each row keyed by ``(topic, subject)``, the key of
the ``ImprovementRequest`` raised for it):

- monitors generating unnecessary events: per source and event type, the events first
  seen in the period, their repeats (sum of ``count``) and the share that led to an
  incident; pairs where every event led to one are no finding; never-led ones first;
- events without a matched CI (handling "unmatched"), per source and resource;
- event types without handling instructions: active ``EventType`` rows with blank
  instructions, and codes seen in the period's events that have no ``EventType`` row;
- correlation rules that correlated no event first seen in the period (counted from
  ``Event.correlation_rule``, exact for any period; ``fired_count``/``last_fired_at`` are
  shown as the rule's totals), and switched-off rules.

Outage review: the high-impact incident requests resolved in the period (impact 1 or 2,
outage service types only), each with the events that notified of it and a reasoned hint
of whether the handling instructions were followed (``instruction_hints``).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.db.models import Count, F, Max, Q, Sum
from django.urls import NoReverseMatch, reverse

from steward.configuration.models import ConfigurationItem
from steward.configuration.queries.impact import supporting_ci_ids
from steward.core import periods, permissions
from steward.core.models import Person, SupportGroup
from steward.core.periods import CUSTOM, LAST_30, LAST_90, LAST_QUARTER, QUARTER, Period
from steward.events.choices import EventStatus, Handling, ReviewTopic
from steward.events.models import (
    CorrelationRule,
    Event,
    EventSource,
    EventType,
    ImprovementRequest,
    OutageReview,
)
from steward.incidents.choices import Impact, IncidentStatus, ServiceType
from steward.incidents.models import IncidentRequest
from steward.incidents.queries.incidents import incidents_for

REVIEW = "events.review.perform"
RANGES = [
    (LAST_30, "Last 30 days"),
    (LAST_90, "Last 90 days"),
    (QUARTER, "This quarter"),
    (LAST_QUARTER, "Last quarter"),
    (CUSTOM, "From and to"),
]
MAX_ROWS = 200  # rows per findings table: more is not a review anyone reads
MAX_INCIDENTS = 500  # high-impact requests per outage review

# Outage review. "High impact" is the seed's "service outages that affected multiple
# users": impact 1 (extensive) or 2 (significant). Service requests and infrastructure
# events (warnings of an imminent incident) are no outage.
HIGH_IMPACT = (Impact.EXTENSIVE, Impact.SIGNIFICANT)
OUTAGE_TYPES = (ServiceType.USER_SERVICE_RESTORATION, ServiceType.INFRASTRUCTURE_RESTORATION)
RESOLVED = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
# An event up to this long before the registration may be the one that announced it.
BEFORE_REGISTRATION = dt.timedelta(hours=2)
# How long an operator may take before acting on an event that needs them, and how long
# after the first event a request registered by hand is still "at once".
ACT_WITHIN = dt.timedelta(minutes=15)
REGISTER_WITHIN = dt.timedelta(minutes=15)
# Handlings that keep an event from notifying anyone: correlation decided it.
SUPPRESSED = (Handling.SYMPTOM, Handling.PLANNED)
# Handlings where closing without an incident is what the procedure asks for.
CLOSED_BY_RULE = (*SUPPRESSED, Handling.CLEARED, Handling.ATTACHED)
DONE_INCIDENT = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED, IncidentStatus.CANCELLED)


def period_for(choice: str = "", first: dt.date | None = None, last: dt.date | None = None
               ) -> Period:  # fmt: skip
    """The review period asked for; no choice is the last 30 days."""
    return periods.period_for(choice, first, last, default=LAST_30)


def url_or_blank(name: str, *args: Any, query: str = "") -> str:
    """The page ``name`` (another topic's) or "" while it does not exist yet."""
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return ""


def record_url(record: Any) -> str:
    try:
        return record.get_absolute_url()
    except NoReverseMatch:
        return ""


# --- Raised improvements -------------------------------------------------------------


@dataclass
class Raised:
    """The improvement request last raised for a finding."""

    improvement: ImprovementRequest

    @property
    def incident(self) -> IncidentRequest:
        return self.improvement.incident

    @property
    def is_open(self) -> bool:
        return self.incident.status not in DONE_INCIDENT


def raised_for(topic: str, subjects: Iterable[str]) -> dict[str, Raised]:
    """The latest improvement request of each subject of ``topic``."""
    found: dict[str, Raised] = {}
    subjects = list(set(subjects))
    for start in range(0, len(subjects), 900):
        qs = ImprovementRequest.objects.filter(
            topic=topic, subject__in=subjects[start : start + 900]
        )
        for improvement in qs.select_related("incident").order_by("raised_at", "pk"):
            found[improvement.subject] = Raised(improvement)
    return found


def open_improvement(topic: str, subject: str) -> ImprovementRequest | None:
    """The improvement request raised for this finding whose request is still open."""
    return (
        ImprovementRequest.objects.filter(topic=topic, subject=subject)
        .exclude(incident__status__in=DONE_INCIDENT)
        .select_related("incident")
        .first()
    )


def subject_of(*parts: str) -> str:
    """A finding's subject: what it is about, readable and stable (the key of its
    improvement requests), at most 200 characters."""
    return ": ".join(p for p in parts if p)[:200]


# --- Event review -----------------------------------------------------------------------


@dataclass
class Finding:
    """One row of a findings table."""

    topic: str
    subject: str
    figures: dict[str, Any]
    source: EventSource | None = None
    raised: Raised | None = None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def may_raise(self) -> bool:
        """Raise (again) unless a request raised for it is still open."""
        return self.raised is None or not self.raised.is_open


@dataclass
class EventReview:
    period: Period
    noisy: list[Finding]
    unmatched: list[Finding]
    missing_instructions: list[Finding]
    idle_rules: list[Finding]

    @property
    def tables(self) -> dict[str, list[Finding]]:
        return {
            "noisy-monitors": self.noisy,
            "unmatched": self.unmatched,
            "missing-instructions": self.missing_instructions,
            "idle-correlation": self.idle_rules,
        }


def _period_events(period: Period) -> Any:
    return Event.objects.filter(first_seen_at__gte=period.start, first_seen_at__lt=period.end)


def _sources(ids: Iterable[int]) -> dict[int, EventSource]:
    return EventSource.objects.select_related("support_group").in_bulk(set(ids))


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def noisy_monitors(period: Period) -> list[Finding]:
    """Per source and event type: events, repeats, share that led to an incident; the
    pairs where some event led to none, never-led ones first, then the most events."""
    rows = list(
        _period_events(period)
        .values("source_id", "event_type")
        .annotate(events=Count("pk"), repeats=Sum("count"),
                  with_incident=Count("pk", filter=Q(incident__isnull=False)),
                  last_seen=Max("last_seen_at"))
        .filter(with_incident__lt=F("events"))
        .order_by("with_incident", "-events", "source_id", "event_type")[:MAX_ROWS]
    )  # fmt: skip
    sources = _sources(r["source_id"] for r in rows)
    findings = []
    for r in rows:
        source = sources[r["source_id"]]
        figures = {**r, "share": _share(r["with_incident"], r["events"])}
        findings.append(Finding(ReviewTopic.NOISY_MONITOR,
                                subject_of(source.name, r["event_type"] or "(no event type)"),
                                figures, source=source))  # fmt: skip
    return findings


def unmatched_events(period: Period) -> list[Finding]:
    """Per source and resource: the events no CI match rule found a CI for."""
    rows = list(
        _period_events(period)
        .filter(handling=Handling.UNMATCHED)
        .values("source_id", "resource")
        .annotate(events=Count("pk"), repeats=Sum("count"), last_seen=Max("last_seen_at"))
        .order_by("-events", "source_id", "resource")[:MAX_ROWS]
    )
    sources = _sources(r["source_id"] for r in rows)
    return [
        Finding(ReviewTopic.UNMATCHED_CI,
                subject_of(sources[r["source_id"]].name, r["resource"] or "(no resource)"),
                r, source=sources[r["source_id"]])
        for r in rows
    ]  # fmt: skip


def missing_instructions(period: Period) -> list[Finding]:
    """Active event types with blank handling instructions, and event type codes seen in
    the period that have no event type at all (a link creates one, the code filled in)."""
    seen = dict(
        _period_events(period)
        .exclude(event_type="")
        .values_list("event_type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    known = dict(EventType.objects.values_list("code", "pk"))
    findings = []
    blank = [
        t for t in EventType.objects.filter(is_active=True) if not t.handling_instructions.strip()
    ]
    for event_type in blank:
        findings.append(Finding(
            ReviewTopic.MISSING_INSTRUCTIONS, subject_of(event_type.code),
            {"code": event_type.code, "name": event_type.name, "events": seen.get(event_type.code, 0),
             "defined": True},
            links={"type": record_url(event_type)},
        ))  # fmt: skip
    for code, count in seen.items():
        if code in known:
            continue
        findings.append(Finding(
            ReviewTopic.MISSING_INSTRUCTIONS, subject_of(code),
            {"code": code, "name": "", "events": count, "defined": False},
            links={"create": url_or_blank("events:type-create", query="?code=" + quote(code, safe=""))},
        ))  # fmt: skip
    findings.sort(key=lambda f: (-f.figures["events"], f.figures["code"]))
    return findings[:MAX_ROWS]


def idle_correlation_rules(period: Period) -> list[Finding]:
    """Active rules that correlated no event first seen in the period, and switched-off
    rules (which correlate nothing while off)."""
    fired = dict(
        _period_events(period)
        .filter(correlation_rule__isnull=False)
        .values_list("correlation_rule_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    findings = []
    for rule in CorrelationRule.objects.order_by("order", "pk"):
        in_period = fired.get(rule.pk, 0)
        if rule.is_active and in_period:
            continue
        findings.append(Finding(
            ReviewTopic.IDLE_CORRELATION, subject_of(rule.name),
            {"kind": rule.kind, "kind_label": rule.get_kind_display(), "name": rule.name,
             "active": rule.is_active, "in_period": in_period, "fired_count": rule.fired_count,
             "last_fired_at": rule.last_fired_at, "window_minutes": rule.window_minutes},
            links={"rule": record_url(rule)},
        ))  # fmt: skip
    return findings


def _with_raised(findings: list[Finding]) -> list[Finding]:
    by_topic: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_topic[finding.topic].append(finding)
    for topic, rows in by_topic.items():
        raised = raised_for(topic, [f.subject for f in rows])
        for finding in rows:
            finding.raised = raised.get(finding.subject)
    return findings


def event_review(actor: Person, period: Period) -> EventReview:
    """Procedure 2's four findings tables for ``period``, each row with the improvement
    request raised for it (if any)."""
    permissions.require(actor, REVIEW)
    review = EventReview(period, noisy_monitors(period), unmatched_events(period),
                         missing_instructions(period), idle_correlation_rules(period))  # fmt: skip
    for rows in review.tables.values():
        _with_raised(rows)
    return review


# --- Outage review ----------------------------------------------------------------------

LINKED, NEARBY, NONE = "linked", "nearby", "none"
GENERATED_LABELS = {
    LINKED: "Yes: the event that registered or joined the request",
    NEARBY: "Yes: an event on its CIs before or during the outage",
    NONE: "No event",
}
NO_EVENT, NOT_FOLLOWED, FOLLOWED, REVIEWED = "no-event", "not-followed", "followed", "reviewed"
TABLE_NAMES = (NO_EVENT, NOT_FOLLOWED, FOLLOWED, REVIEWED)


@dataclass(frozen=True)
class Hint:
    """A reason to think the handling instructions were not followed."""

    code: str
    text: str


@dataclass
class Outage:
    """One high-impact incident request of the outage review and what notified of it."""

    incident: IncidentRequest
    events: list[Event]
    suppressed: list[Event]
    how: str
    hints: list[Hint]
    review: OutageReview | None

    @property
    def generated(self) -> bool:
        return self.how != NONE

    @property
    def generated_label(self) -> str:
        return GENERATED_LABELS[self.how]

    @property
    def table(self) -> str:
        if self.review is not None:
            return REVIEWED
        if not self.generated:
            return NO_EVENT
        return NOT_FOLLOWED if self.hints else FOLLOWED


@dataclass
class OutageReviewData:
    period: Period
    outages: list[Outage]
    more: bool

    def table(self, name: str) -> list[Outage]:
        return [o for o in self.outages if o.table == name]

    @property
    def tables(self) -> dict[str, list[Outage]]:
        return {name: self.table(name) for name in TABLE_NAMES}


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _needs_operator(event: Event) -> bool:
    """Events procedure 1 left to the operator (no CI, no automatic registration)."""
    return event.handling in (Handling.UNMATCHED, Handling.FOR_OPERATOR, Handling.PENDING)


def instruction_hints(incident: IncidentRequest, events: list[Event]) -> list[Hint]:
    """Why the handling instructions were possibly not followed for this outage, from its
    notifying events (each rule one reason; none: nothing suggests it):

    - an event was closed without an incident request while correlation, clearing or
      attaching did not explain it;
    - an event left to the operator was acknowledged (or closed) later than
      ``ACT_WITHIN`` after it arrived, or never before the request was resolved;
    - the request was registered by hand (not from an event) more than
      ``REGISTER_WITHIN`` after the first event.
    """
    hints: list[Hint] = []
    for event in events:
        if (event.status == EventStatus.CLOSED and event.incident_id is None
                and event.handling not in CLOSED_BY_RULE):  # fmt: skip
            hints.append(Hint("closed_without_incident",
                              f"{event.number} was closed without an incident request."))  # fmt: skip
        if not _needs_operator(event):
            continue
        acted = event.acknowledged_at or event.closed_at
        if acted is None or (incident.resolved_at and acted > incident.resolved_at):
            hints.append(Hint("not_acknowledged", f"{event.number} needed the operator and was "
                              "not acknowledged before the request was resolved."))  # fmt: skip
        elif acted - event.first_seen_at > ACT_WITHIN:
            late = _minutes(acted - event.first_seen_at)
            hints.append(Hint("acknowledged_late", f"{event.number} was acknowledged {late} "
                              "minutes after it arrived."))  # fmt: skip
    if events and incident.channel != "event":
        first = min(events, key=lambda e: e.first_seen_at)
        if incident.created_at - first.first_seen_at > REGISTER_WITHIN:
            late = _minutes(incident.created_at - first.first_seen_at)
            hints.append(Hint("registered_late", f"The request was registered by hand {late} "
                              f"minutes after the first event ({first.number})."))  # fmt: skip
    return hints


class CiReach:
    """The CIs whose events may have announced an outage: the request's CIs, its service's
    CI, and every CI they run on or depend on (the service infrastructure), cached per CI
    for one review."""

    def __init__(self) -> None:
        self._below: dict[int, set[int]] = {}
        self._service_cis: dict[int, list[int]] = {}

    def below(self, ci_id: int) -> set[int]:
        if ci_id not in self._below:
            self._below[ci_id] = {ci_id, *supporting_ci_ids(ci_id)}
        return self._below[ci_id]

    def service_cis(self, service_id: int | None) -> list[int]:
        if service_id is None:
            return []
        if service_id not in self._service_cis:
            self._service_cis[service_id] = list(
                ConfigurationItem.objects.filter(service_id=service_id).values_list("pk", flat=True)
            )
        return self._service_cis[service_id]

    def of(self, incident: IncidentRequest) -> set[int]:
        roots = [ci.pk for ci in incident.cis.all()] + self.service_cis(incident.service_id)
        return set().union(*(self.below(pk) for pk in roots)) if roots else set()


EVENTS_PER_OUTAGE = 50
EVENT_RELATED = ("type", "source", "ci", "correlation_rule", "cause")


def _window_events(incident: IncidentRequest, ci_ids: set[int]) -> list[Event]:
    if not ci_ids:
        return []
    end = incident.resolved_at or incident.created_at
    qs = Event.objects.filter(
        ci_id__in=ci_ids,
        first_seen_at__gte=incident.created_at - BEFORE_REGISTRATION,
        first_seen_at__lte=end,
    ).exclude(incident_id=incident.pk)
    return list(
        qs.select_related(*EVENT_RELATED).order_by("first_seen_at", "pk")[:EVENTS_PER_OUTAGE]
    )


def outage_of(incident: IncidentRequest, linked: list[Event], reach: CiReach) -> Outage:
    """Whether an event was generated for ``incident`` (``linked``: its own events) and
    how: its own events first, else the events on its CIs from ``BEFORE_REGISTRATION``
    before registration to resolution that correlation did not suppress; the suppressed
    ones are kept apart (the "prevented by the correlation rules" of proc. 3)."""
    nearby = _window_events(incident, reach.of(incident))
    suppressed = [e for e in nearby if e.handling in SUPPRESSED]
    notifying = [e for e in nearby if e.handling not in SUPPRESSED]
    how = LINKED if linked else NEARBY if notifying else NONE
    events = linked or notifying
    for event in [*events, *suppressed]:
        event.page_url = record_url(event)  # the console topic's page, once it exists
    review = getattr(incident, "outage_review", None)
    return Outage(incident, events, suppressed, how, instruction_hints(incident, events), review)


def high_impact_incidents(actor: Person, period: Period) -> Any:
    """The outages of proc. 3: impact 1 or 2, an outage service type, resolved in the
    period (closed ones too), oldest resolution first."""
    return (
        incidents_for(actor)
        .filter(impact__in=HIGH_IMPACT, service_type__in=OUTAGE_TYPES, status__in=RESOLVED,
                resolved_at__gte=period.start, resolved_at__lt=period.end)
        .select_related("outage_review__reviewed_by", "outage_review__follow_up")
        .prefetch_related("cis")
        .order_by("resolved_at", "pk")
    )  # fmt: skip


def is_reviewable(incident: IncidentRequest) -> bool:
    return (incident.impact in HIGH_IMPACT and incident.service_type in OUTAGE_TYPES
            and incident.status in RESOLVED and incident.resolved_at is not None)  # fmt: skip


def outage_review(actor: Person, period: Period) -> OutageReviewData:
    """Procedure 3 for ``period``: each high-impact request with its events, hints and
    recorded finding, at most ``MAX_INCIDENTS``."""
    permissions.require(actor, REVIEW)
    incidents = list(high_impact_incidents(actor, period)[: MAX_INCIDENTS + 1])
    more = len(incidents) > MAX_INCIDENTS
    incidents = incidents[:MAX_INCIDENTS]
    linked: dict[int, list[Event]] = defaultdict(list)
    qs = Event.objects.filter(incident_id__in=[i.pk for i in incidents])
    for event in qs.select_related(*EVENT_RELATED).order_by("first_seen_at", "pk"):
        linked[event.incident_id].append(event)
    reach = CiReach()
    outages = [outage_of(i, linked[i.pk][:EVENTS_PER_OUTAGE], reach) for i in incidents]
    return OutageReviewData(period, outages, more)


def one_outage(actor: Person, incident: IncidentRequest) -> Outage:
    """The outage review's row of one request (its record form shows it)."""
    permissions.require(actor, REVIEW)
    linked = list(
        Event.objects.filter(incident_id=incident.pk)
        .select_related(*EVENT_RELATED)
        .order_by("first_seen_at", "pk")[:EVENTS_PER_OUTAGE]
    )
    return outage_of(incident, linked, CiReach())


def instructions_of(event: Event) -> str:
    """The handling instructions of the event's type ("" when it has none)."""
    return event.type.handling_instructions.strip() if event.type_id and event.type else ""


def monitoring_groups(incident: IncidentRequest) -> list[Any]:
    """The groups maintaining the monitoring of the request's CIs: the support groups of
    the sources that sent events on them (the proc. 3 follow-up goes to them)."""
    ci_ids = CiReach().of(incident)
    ids = (
        Event.objects.filter(Q(incident_id=incident.pk) | Q(ci_id__in=ci_ids))
        .exclude(source__support_group__isnull=True)
        .values_list("source__support_group", flat=True)
        .distinct()
    )
    return list(SupportGroup.objects.filter(pk__in=list(ids), is_active=True).order_by("name"))
