"""The service desk's queues (seed 003 ch. 8, procedures 2-3): open requests, mine and my
groups', most urgent and oldest first, with the nearest SLA deadline."""

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Min, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone

from steward.core import permissions
from steward.core.choices import ClockState, Priority
from steward.core.models import SlaClock
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import STATUS_COLUMN, Column, RecordListView
from steward.core.views.patterns.lists import COUNT_CAP, capped_count, count_text
from steward.incidents.choices import IncidentStatus
from steward.incidents.filters.incidents import IncidentFilterSet, is_ranked
from steward.incidents.models import UNASSIGNED_LAST, IncidentRequest
from steward.incidents.queries import incidents as queries

S = IncidentStatus
VIEW = "incidents.incident.view"
WORK = "incidents.incident.work"
# Priority pills: "p1" .. "p4" so they never collide with another area's status values.
TONES.update({"p1": "red", "p2": "amber", "p3": "blue", "p4": "grey", "breached": "red"})


PRIORITY_SHORT = {
    Priority.CRITICAL: "Critical",
    Priority.HIGH: "High",
    Priority.MEDIUM: "Medium",
    Priority.LOW: "Low",
}


ACTIVE = (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING)


def priority_pill(incident: IncidentRequest) -> str:
    return f"P{incident.priority}"


def duration_words(seconds: int) -> str:
    """3 h 20 min, 45 min, 2 d 4 h: short, for clocks and queues."""
    minutes = abs(int(seconds)) // 60
    days, minutes = divmod(minutes, 60 * 24)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def age_words(incident: IncidentRequest, now: datetime | None = None) -> str:
    return duration_words(int(((now or timezone.now()) - incident.created_at).total_seconds()))


def due_words(incident: IncidentRequest, now: datetime | None = None) -> str:
    """The nearest running SLA deadline (annotated as ``due``) in words."""
    due = getattr(incident, "due", None)
    if due is None:
        return ""
    left = int((due - (now or timezone.now())).total_seconds())
    return f"in {duration_words(left)}" if left >= 0 else f"breached {duration_words(left)} ago"


def _running_clocks() -> QuerySet[SlaClock]:
    ct = ContentType.objects.get_for_model(IncidentRequest)
    return SlaClock.objects.filter(record_type=ct, state=ClockState.RUNNING)


def with_due(qs: QuerySet[IncidentRequest]) -> QuerySet[IncidentRequest]:
    """Annotate each request with its nearest running SLA breach time (one subquery): for
    sorting by it and for CSV exports."""
    nearest = (
        _running_clocks()
        .filter(record_id=OuterRef("pk"))
        .order_by("breach_at")
        .values("breach_at")[:1]
    )
    return qs.annotate(due=Subquery(nearest))


def add_due(incidents: list[IncidentRequest]) -> None:
    """``with_due`` for requests already read (a page of them), in one query."""
    nearest = dict(
        _running_clocks()
        .filter(record_id__in=[i.pk for i in incidents])
        .values("record_id")
        .annotate(due=Min("breach_at"))
        .values_list("record_id", "due")
    )
    for incident in incidents:
        incident.due = nearest.get(incident.pk)


QUEUE_COLUMNS = (
    Column("number", "Number", sort="number", link=True, classes="nowrap"),
    Column(
        "priority",
        "Priority",
        value=priority_pill,
        sort=("priority", "created_at"),
        badge=True,
        csv=lambda i: i.get_priority_display(),
        classes="nowrap",
    ),
    Column("title", "Title", sort="title", link=True),
    STATUS_COLUMN,
    Column(
        "requester",
        "Requester",
        value=lambda i: i.requester.display_name,
        sort=("requester__last_name", "requester__first_name"),
    ),
    Column("service", "Service", value="service.name", sort="service__name", classes="hide-sm"),
    Column("support_group", "Group", value="support_group.name", sort="support_group__name"),
    Column(
        "assignee",
        "Assignee",
        value=lambda i: i.assignee.display_name if i.assignee_id else "Unassigned",
        sort=("assignee__last_name", "assignee__first_name"),
    ),
    Column(
        "age",
        "Age",
        value=age_words,
        sort="created_at",
        csv=lambda i: i.created_at,
        classes="nowrap",
    ),
    Column(
        "due",
        "SLA",
        value=due_words,
        sort="due",
        csv=lambda i: getattr(i, "due", None),
        classes="nowrap",
    ),
)


RELEVANCE = "relevance"  # the sort of a search: best match first


class QueueView(RecordListView):
    """A queue of open requests, most urgent (priority) and oldest first. Customer-side
    people have the portal instead."""

    permission = VIEW
    template_name = "incidents/incident_list.html"
    filterset_class = IncidentFilterSet
    columns = QUEUE_COLUMNS
    default_sort = "priority"
    create_url_name = "incidents:incident-create"
    create_permission = WORK
    create_label = "New incident request"
    queue = ""
    empty_text = "Nothing waiting here."
    keys_first = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if permissions.is_customer_side(self.actor):
            return HttpResponseRedirect(reverse("incidents:portal-home"))
        return super().get(request, *args, **kwargs)

    def base(self) -> QuerySet[IncidentRequest]:
        visible = queries.incidents_for(self.actor)
        return visible if self.any_status() else visible.filter(status__in=ACTIVE)

    def any_status(self) -> bool:
        """Asked for by status (``status=closed``) or for every status (``open=all``, a
        report's link to what it counted): the open ones are then not the limit."""
        asked = self.request.GET
        return bool(asked.getlist("status")) or asked.get("open") in ("all", "false")

    def restrict(self, qs: QuerySet[IncidentRequest]) -> QuerySet[IncidentRequest]:
        return qs

    def current_sort(self) -> str:
        # A search lists the best matches first unless a column was clicked.
        if self.request.GET.get("q", "").strip() and not self.request.GET.get("sort"):
            return RELEVANCE
        return super().current_sort()

    def apply_sort(self, qs: QuerySet, sort: str) -> QuerySet:
        if sort == RELEVANCE:
            return qs if is_ranked(qs) else self.apply_sort(qs, self.default_sort)
        return super().apply_sort(qs, sort)

    def get_queryset(self) -> QuerySet[IncidentRequest]:
        # Only the columns' relations: every further join of the visibility query costs
        # PostgreSQL more planning than the queue's index scan takes to run.
        qs = (
            self.restrict(self.base())
            .select_related(None)
            .select_related("requester", "service", "support_group", "assignee")
        )
        if self.current_sort().lstrip("-") == "due" or self.request.GET.get("format") == "csv":
            return with_due(qs)
        return qs

    def prepare_page(self, objects: list[IncidentRequest]) -> list[IncidentRequest]:
        # The SLA column for the page's rows only (one query), not for every open request
        # the sort reads: computed per row inside the sorted query, it made PostgreSQL
        # evaluate the clock subquery for all of them before sorting.
        if objects and not hasattr(objects[0], "due"):
            add_due(objects)
        return objects

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["queues"] = [self.tab(name, view, kwargs) for name, view in QUEUES]
        return context

    def tab(self, name: str, view: type["QueueView"], page: dict[str, Any]) -> dict[str, Any]:
        """A queue tab with its count (at most ``COUNT_CAP``): this queue's own count is the
        paginator's when no filter narrows the page."""
        paginator = page.get("paginator")
        if view is type(self) and paginator is not None and not page.get("filters_active"):
            count = paginator.counted
        else:
            count = capped_count(view(request=self.request).restrict(self.base()))
        return {
            "key": view.queue,
            "label": view.title,
            "url": reverse(f"incidents:{name}"),
            "count": min(count, COUNT_CAP),
            "count_text": count_text(count),
            "active": view.queue == self.queue,
        }


class IncidentListView(QueueView):
    """All open requests the actor may see."""

    title = "All open requests"
    queue = "all"


class IncidentMineView(QueueView):
    title = "Assigned to me"
    queue = "mine"
    empty_text = "Nothing is assigned to you. Take one from your groups' queue."

    def restrict(self, qs: QuerySet[IncidentRequest]) -> QuerySet[IncidentRequest]:
        return qs.filter(assignee_id=self.actor.pk)


class IncidentGroupsView(QueueView):
    """Open requests of my groups, the unassigned ones first (procedure 2)."""

    title = "My groups"
    queue = "groups"
    default_sort = "unassigned"
    empty_text = "Your groups have no open requests."

    def restrict(self, qs: QuerySet[IncidentRequest]) -> QuerySet[IncidentRequest]:
        return qs.filter(support_group_id__in=queries.my_group_ids(self.actor))

    def apply_sort(self, qs: QuerySet, sort: str) -> QuerySet:
        if sort != "unassigned":
            return super().apply_sort(qs, sort)
        # The expression of the partial index incident_open_unassigned_idx, so the queue of
        # several groups is read in this order from the index instead of sorted.
        return qs.alias(unassigned_last=UNASSIGNED_LAST).order_by(
            "unassigned_last", "priority", "created_at", "pk"
        )


QUEUES: list[tuple[str, type[QueueView]]] = [
    ("incident-mine", IncidentMineView),
    ("incident-groups", IncidentGroupsView),
    ("incident-list", IncidentListView),
]


urlpatterns = [
    path("incidents/", IncidentListView.as_view(), name="incident-list"),
    path("incidents/mine/", IncidentMineView.as_view(), name="incident-mine"),
    path("incidents/groups/", IncidentGroupsView.as_view(), name="incident-groups"),
]
