"""Reads of the Incident Request Review (seed 003 ch. 9 proc. 1): the incident requests of
a period not yet linked to any problem, grouped by what they share, and the specialists'
hints (ch. 8: the resolver informed the problem coordinator that a request is likely to
recur).

Bounded for big queues: the period filter rides ``incident_service_idx`` (service,
created_at), "not linked" is one ``NOT EXISTS`` on the unique ``ProblemIncident.incident``,
at most ``MAX_GROUPS`` groups are read and at most ``PER_GROUP`` requests of each (one
window query), the rest counted.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.html import strip_tags

from steward.configuration.models import ConfigurationItem
from steward.core import permissions
from steward.core.choices import JournalKind
from steward.core.models import JournalEntry, Person
from steward.incidents.models import Category, IncidentRequest
from steward.incidents.queries.incidents import incidents_for
from steward.problems.choices import OPEN_PROBLEM_STATUSES
from steward.problems.models import ProblemIncident, ProblemInvestigation
from steward.service_level.models import Service
from steward.service_level.queries import services_for

COORDINATE = "problems.problem.coordinate"
DEFAULT_DAYS = 90
MAX_DAYS = 365
MAX_GROUPS = 50
PER_GROUP = 20
MAX_HINTS = 50


@dataclass
class Group:
    """Unlinked incident requests sharing service, category and (first) CI."""

    service: Service
    category: Category | None
    ci: ConfigurationItem | None
    count: int
    incidents: list[IncidentRequest] = field(default_factory=list)
    open_problems: list[ProblemInvestigation] = field(default_factory=list)

    @property
    def ci_class(self) -> Any:
        return self.ci.ci_class if self.ci is not None else None

    @property
    def more(self) -> int:
        """How many of the group are not listed."""
        return self.count - len(self.incidents)


@dataclass
class Review:
    services: list[Service]
    since: datetime
    days: int
    groups: list[Group]
    more_groups: bool
    hints: list[IncidentRequest]


def unlinked(qs: QuerySet[IncidentRequest]) -> QuerySet[IncidentRequest]:
    """The requests of ``qs`` no problem explains yet."""
    return qs.filter(~Exists(ProblemIncident.objects.filter(incident_id=OuterRef("pk"))))


def review_services(actor: Person, service_id: int | None = None) -> list[Service]:
    """The services whose incidents the actor reviews: those they coordinate problems for
    (a coordinator limited to a service: that one), or only ``service_id`` among them
    (400 when it is not one of them)."""
    active = services_for(actor).filter(status="active").order_by("name")
    services = [s for s in active if permissions.has(actor, COORDINATE, s)]
    if service_id is None:
        return services
    chosen = [s for s in services if s.pk == service_id]
    if not chosen:
        raise ValidationError(
            {"service": ["No service with this id whose problems you coordinate."]}
        )
    return chosen


def _first_ci() -> Subquery:
    through = IncidentRequest.cis.through
    return Subquery(
        through.objects.filter(incidentrequest_id=OuterRef("pk"))
        .order_by("configurationitem_id")
        .values("configurationitem_id")[:1]
    )


def _candidates(actor: Person, services: list[Service], since: datetime) -> QuerySet:
    qs = incidents_for(actor).filter(service__in=services, created_at__gte=since)
    return unlinked(qs).annotate(first_ci=_first_ci())


def _key_q(row: dict[str, Any]) -> Q:
    q = Q(service_id=row["service_id"])
    for name, value in (("category_id", row["category_id"]), ("first_ci", row["first_ci"])):
        q &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
    return q


def groups(actor: Person, services: list[Service], since: datetime) -> tuple[list[Group], bool]:
    """The groups, largest first, each with its newest ``PER_GROUP`` requests; and whether
    more than ``MAX_GROUPS`` groups exist."""
    if not services:
        return [], False
    base = _candidates(actor, services, since)
    keys = list(
        base.values("service_id", "category_id", "first_ci")
        .annotate(count=Count("pk"), newest=Max("created_at"))
        .order_by("-count", "-newest", "service_id")[: MAX_GROUPS + 1]
    )
    more = len(keys) > MAX_GROUPS
    keys = keys[:MAX_GROUPS]
    if not keys:
        return [], False
    wanted = Q()
    for row in keys:
        wanted |= _key_q(row)
    rank = Window(
        RowNumber(),
        partition_by=[F("service_id"), F("category_id"), F("first_ci")],
        order_by=[F("created_at").desc(), F("pk").desc()],
    )
    rows = list(base.filter(wanted).annotate(rank=rank).filter(rank__lte=PER_GROUP))
    by_key: dict[tuple, list[IncidentRequest]] = {}
    for incident in sorted(rows, key=lambda i: (i.created_at, i.pk), reverse=True):
        key = (incident.service_id, incident.category_id, incident.first_ci)
        by_key.setdefault(key, []).append(incident)
    services_by_id = {s.pk: s for s in services}
    categories = Category.objects.in_bulk([r["category_id"] for r in keys if r["category_id"]])
    cis = ConfigurationItem.objects.select_related("ci_class").in_bulk(
        [r["first_ci"] for r in keys if r["first_ci"]]
    )
    found = [
        Group(
            service=services_by_id[r["service_id"]],
            category=categories.get(r["category_id"]),
            ci=cis.get(r["first_ci"]),
            count=r["count"],
            incidents=by_key.get((r["service_id"], r["category_id"], r["first_ci"]), []),
        )
        for r in keys
    ]
    return found, more


def hints(actor: Person, services: list[Service], since: datetime) -> list[IncidentRequest]:
    """Unlinked requests whose resolver informed the problem coordinator (ch. 8 proc. 4)
    since ``since``, newest hint first."""
    if not services:
        return []
    qs = incidents_for(actor).filter(
        service__in=services, problem_coordinator_informed_at__gte=since
    )
    qs = unlinked(qs).select_related("resolved_by", "assignee")
    return list(qs.order_by("-problem_coordinator_informed_at", "-pk")[:MAX_HINTS])


def hint_notes(incidents: list[IncidentRequest]) -> dict[int, str]:
    """What each hint said, by incident id: the journal line the resolver's "inform the
    problem coordinator" wrote (who informed, whom, and their note); the latest one."""
    if not incidents:
        return {}
    entries = JournalEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(IncidentRequest),
        record_id__in=[i.pk for i in incidents],
        kind=JournalKind.SYSTEM,
        data__has_key="problem_coordinators",
    ).order_by("record_id", "-id")
    notes: dict[int, str] = {}
    for entry in entries.only("record_id", "body"):
        notes.setdefault(entry.record_id, strip_tags(entry.body))
    return notes


def informed_by(incident: IncidentRequest) -> Person | None:
    """Who gave the hint: the resolver, else the assignee."""
    return incident.resolved_by or incident.assignee


def since_days(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def review(actor: Person, *, service_id: int | None = None, days: int = DEFAULT_DAYS) -> Review:
    """The whole review of the actor's services (or one) over the last ``days`` days."""
    services = review_services(actor, service_id)
    since = since_days(days)
    found, more = groups(actor, services, since)
    return Review(services, since, days, found, more, hints(actor, services, since))


def open_problems(actor: Person, services: list[Service]) -> QuerySet[ProblemInvestigation]:
    """The open problems of ``services`` the actor may link requests to, newest first."""
    ids = [s.pk for s in services if permissions.has(actor, COORDINATE, s)]
    return ProblemInvestigation.objects.filter(
        service_id__in=ids, status__in=OPEN_PROBLEM_STATUSES
    ).order_by("-number")
