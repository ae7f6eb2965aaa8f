"""The service desk's queues (seed 003 ch. 8, procedures 2-3): open requests, mine and my
groups', most urgent and oldest first, with the nearest SLA deadline."""

from datetime import datetime
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Min, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from steward.configuration.queries import cis as ci_queries
from steward.core import permissions
from steward.core import queries as core_queries
from steward.core.choices import ClockState, Priority
from steward.core.ids import parse_id
from steward.core.models import Person, SlaClock
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import STATUS_COLUMN, Column, RecordListView, StewardPageMixin
from steward.core.views.patterns.lists import COUNT_CAP, capped_count, count_text
from steward.core.views.patterns.live import is_poll
from steward.core.views.patterns.selects import LookupInput, Select, speed_up
from steward.incidents.choices import IncidentStatus
from steward.incidents.filters.incidents import IncidentFilterSet, is_ranked
from steward.incidents.forms import IncidentBulkForm, staff_of
from steward.incidents.models import UNASSIGNED_LAST, IncidentRequest
from steward.incidents.queries import incidents as queries
from steward.incidents.services.bulk import incidents_bulk

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
LAST_QUEUE = "incidents-last-queue"


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
    primary_filters = ("q", "status", "priority", "support_group", "assignee", "service")
    live = True  # reloads the results when they change (core.live)

    def bulk_allowed(self) -> bool:
        return permissions.has(self.actor, WORK)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if permissions.is_customer_side(self.actor):
            return HttpResponseRedirect(reverse("incidents:portal-home"))
        return super().get(request, *args, **kwargs)

    def base(self) -> QuerySet[IncidentRequest]:
        """The open requests (read from the partial indexes over them), unless the filters
        ask for a status or for closed requests too ("Open only": No): then every request,
        which the filter set narrows."""
        if self.any_status():
            return queries.incidents_for(self.actor)
        return self.open_base()

    def open_base(self) -> QuerySet[IncidentRequest]:
        return queries.incidents_for(self.actor).filter(status__in=ACTIVE)

    def any_status(self) -> bool:
        """Whether the filters choose the statuses themselves (``status``, or ``open``
        set to anything but "unknown"), so the queue must not keep only the open ones."""
        params = self.request.GET
        statuses = [value for value in params.getlist("status") if value]
        return bool(statuses) or params.get("open", "") not in ("", "unknown")

    def restrict(self, qs: QuerySet[IncidentRequest]) -> QuerySet[IncidentRequest]:
        return qs

    def restrict_filters(self, filterset: Any) -> None:
        """The assignee from the people who can be assigned ("Me" first) and the CI from a
        chooser, where the API takes their ids."""
        fields = filterset.form.fields
        fields["assignee"].widget = Select(choices=self.assignee_choices())
        fields["ci"].widget = LookupInput(
            reverse("configuration:ci-lookup"),
            label_for=self.ci_label,
            placeholder="CI number or name…",
        )

    @cached_property
    def staff(self) -> list[Person]:
        """Who may be assigned work: read once for the assignee filter and the bulk form."""
        return list(staff_of(self.actor))

    def assignee_choices(self) -> list[tuple[Any, str]]:
        me = self.actor
        choices: list[tuple[Any, str]] = [("", "Any"), (me.pk, f"Me ({me.display_name})")]
        choices += [(p.pk, p.display_name) for p in self.staff if p.pk != me.pk]
        chosen = parse_id(self.request.GET.get("assignee"))
        if chosen is not None and all(value != chosen for value, _ in choices):
            # Someone no longer in a group, still assigned to requests: keep them shown.
            person = core_queries.people_for(me).filter(pk=chosen).first()
            choices.append((chosen, person.display_name if person else f"Person {chosen}"))
        return choices

    def ci_label(self, value: Any) -> str:
        pk = parse_id(str(value))
        ci = ci_queries.cis_for(self.actor).filter(pk=pk).first() if pk is not None else None
        return ci_queries.ci_label(ci) if ci is not None else ""

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
        if self.any_status() and self.queue == "all":
            context["title"] = "All requests"
        if kwargs.get("bulk"):
            form = IncidentBulkForm(actor=self.actor)
            for field in form.fields.values():
                speed_up(field.widget)  # select boxes built in Python, as the filters'
            assignee = form.fields["assignee"]
            assignee.widget = Select(
                choices=[("", assignee.empty_label), *((p.pk, str(p)) for p in self.staff)]
            )
            context["bulk_form"] = form
            context["bulk_url"] = reverse("incidents:incident-bulk")
        # "Next request" on a record page goes on in the queue the person came from.
        # A live poll (core.live) asks this view with its own parameters: not a place to go.
        here = self.request.get_full_path()
        if not is_poll(self.request) and self.request.session.get(LAST_QUEUE) != here:
            self.request.session[LAST_QUEUE] = here
        return context

    def tab(self, name: str, view: type["QueueView"], page: dict[str, Any]) -> dict[str, Any]:
        """A queue tab with its count (at most ``COUNT_CAP``): this queue's own count is the
        paginator's when no filter narrows the page."""
        paginator = page.get("paginator")
        own = view is type(self) and not page.get("filters_active") and not self.any_status()
        if own and paginator is not None:
            count = paginator.counted
        else:
            # The tabs count open requests whatever the filters of this page.
            count = capped_count(view(request=self.request).restrict(self.open_base()))
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


def picked(values: list[str]) -> list[tuple[int, int | None]]:
    """The selected rows, each "id:version" as the list showed it; malformed ones dropped."""
    items = []
    for value in values:
        pk, _, version = value.partition(":")
        number = parse_id(pk)
        if number is not None:
            seen = parse_id(version)
            items.append((number, seen if seen is not None else -1))
    return items


def safe_next(request: HttpRequest, fallback: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    ok = wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if ok else fallback


class IncidentBulkView(StewardPageMixin, View):
    """POST the queue's bulk form: each selected request through its own service
    (``services/bulk.py``); the outcome per request comes back as one message."""

    permission = WORK
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        back = safe_next(request, reverse("incidents:incident-list"))
        form = IncidentBulkForm(request.POST, actor=self.actor)
        items = picked(request.POST.getlist("pick"))
        if not form.is_valid():
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label or 'Bulk change'}: {error}")
            return HttpResponseRedirect(back)
        try:
            result = incidents_bulk(
                actor=self.actor,
                items=items,
                action=form.cleaned_data["action"],
                fields=form.fields_for_service(),
            )
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
            return HttpResponseRedirect(back)
        (messages.warning if result.refused else messages.success)(request, result.summary())
        return HttpResponseRedirect(back)


QUEUES: list[tuple[str, type[QueueView]]] = [
    ("incident-mine", IncidentMineView),
    ("incident-groups", IncidentGroupsView),
    ("incident-list", IncidentListView),
]


urlpatterns = [
    path("incidents/", IncidentListView.as_view(), name="incident-list"),
    path("incidents/mine/", IncidentMineView.as_view(), name="incident-mine"),
    path("incidents/groups/", IncidentGroupsView.as_view(), name="incident-groups"),
    path("incidents/bulk/", IncidentBulkView.as_view(), name="incident-bulk"),
]
