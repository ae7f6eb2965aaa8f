"""The service desk's pages (seed 003 ch. 8, procedures 1-6; IRP SG1): the queues, the
registration form with the requester lookup, the record page with every step of the
process as a form, and the small htmx endpoints those pages use."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views import View

from steward.core import clocks, permissions
from steward.core import queries as core_queries
from steward.core.choices import ClockState, Priority
from steward.core.ids import parse_id
from steward.core.models import Person, SlaClock, SupportGroup, SupportGroupMembership
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ServiceFormView,
    StewardPageMixin,
    apply_errors,
    redirect_back,
)
from steward.incidents import forms as f
from steward.incidents.choices import (
    OPEN_ACTION_STATUSES,
    OPEN_STATUSES,
    Escalation,
    IncidentStatus,
)
from steward.incidents.filters.incidents import IncidentFilterSet
from steward.incidents.models import IncidentRequest
from steward.incidents.queries import incidents as queries
from steward.incidents.services import actions as action_svc
from steward.incidents.services import incidents as svc

S = IncidentStatus
VIEW = "incidents.incident.view"
WORK = "incidents.incident.work"
ASSIGN = "incidents.incident.assign"
ESCALATE = "incidents.incident.escalate"
CLOSE = "incidents.incident.close"
VERIFY = "incidents.incident.verify"

# Priority pills: "p1" .. "p4" so they never collide with another area's status values.
TONES.update({"p1": "red", "p2": "amber", "p3": "blue", "p4": "grey", "breached": "red"})
PRIORITY_SHORT = {
    Priority.CRITICAL: "Critical",
    Priority.HIGH: "High",
    Priority.MEDIUM: "Medium",
    Priority.LOW: "Low",
}

ALWAYS_SHOWN = {"Requester", "Service", "Category", "Impact", "Urgency", "Group", "Assignee"}
ACTIVE = (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING)
WORKING = (S.ASSIGNED, S.IN_PROGRESS)


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


def with_due(qs: QuerySet[IncidentRequest]) -> QuerySet[IncidentRequest]:
    """Annotate each request with its nearest running SLA breach time (one subquery)."""
    ct = ContentType.objects.get_for_model(IncidentRequest)
    nearest = (
        SlaClock.objects.filter(record_type=ct, record_id=OuterRef("pk"), state=ClockState.RUNNING)
        .order_by("breach_at")
        .values("breach_at")[:1]
    )
    return qs.annotate(due=Subquery(nearest))


# --- Queues ------------------------------------------------------------------------------

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
    Column(
        "status",
        "Status",
        value="status",
        sort="status",
        badge=True,
        csv=lambda i: i.get_status_display(),
    ),
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

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if permissions.is_customer_side(self.actor):
            return HttpResponseRedirect(reverse("incidents:portal-home"))
        return super().get(request, *args, **kwargs)

    def base(self) -> QuerySet[IncidentRequest]:
        return queries.incidents_for(self.actor).filter(status__in=ACTIVE)

    def restrict(self, qs: QuerySet[IncidentRequest]) -> QuerySet[IncidentRequest]:
        return qs

    def get_queryset(self) -> QuerySet[IncidentRequest]:
        qs = self.restrict(self.base()).select_related(
            "requester", "service", "support_group", "assignee"
        )
        return with_due(qs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["queues"] = [
            {
                "key": view.queue,
                "label": view.title,
                "url": reverse(f"incidents:{name}"),
                "count": view(request=self.request).restrict(self.base()).count(),
                "active": view.queue == self.queue,
            }
            for name, view in QUEUES
        ]
        return context


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
        first = Case(
            When(assignee__isnull=True, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return qs.annotate(unassigned_first=first).order_by(
            "unassigned_first", "priority", "created_at", "pk"
        )


QUEUES: list[tuple[str, type[QueueView]]] = [
    ("incident-mine", IncidentMineView),
    ("incident-groups", IncidentGroupsView),
    ("incident-list", IncidentListView),
]


# --- Record page -------------------------------------------------------------------------


@dataclass
class Step:
    """One step of the process offered on the record page, posted to its own URL."""

    key: str
    label: str
    service: str  # the name of the function in services.incidents
    permission: str
    statuses: tuple[str, ...]
    form_class: type[forms.Form] | None = None
    style: str = ""
    done: str = "Saved."
    help: str = ""
    when: Callable[[Any, IncidentRequest], bool] = field(default=lambda actor, obj: True)
    actor_form: bool = False  # the form takes ``actor=``

    @property
    def url_name(self) -> str:
        return f"incidents:incident-{self.key}"


def _works(actor: Any, obj: IncidentRequest) -> bool:
    return svc.may_work(actor, obj)


def _may_take(actor: Any, obj: IncidentRequest) -> bool:
    if not svc.may_work(actor, obj):
        return False
    if obj.assignee_id in (None, actor.pk):
        return True
    return svc.is_desk(actor) or svc.is_coordinator(actor, obj.support_group)


def _may_assign(actor: Any, obj: IncidentRequest) -> bool:
    return svc.is_desk(actor) or svc.is_coordinator(actor, obj.support_group)


def _coordinates(actor: Any, obj: IncidentRequest) -> bool:
    return svc.is_coordinator(actor, obj.support_group)


def _escalated(actor: Any, obj: IncidentRequest) -> bool:
    return obj.escalation == Escalation.SERVICE_OWNER


def _may_escalate(actor: Any, obj: IncidentRequest) -> bool:
    return svc.may_work(actor, obj) and obj.escalation not in (
        Escalation.SERVICE_OWNER,
        Escalation.ON_DUTY_MANAGER,
        Escalation.EMERGENCY_CHANGE,
    )


def _may_verify(actor: Any, obj: IncidentRequest) -> bool:
    return obj.requester_id == actor.pk or svc.is_desk(actor)


def _may_inform(actor: Any, obj: IncidentRequest) -> bool:
    return svc.may_work(actor, obj) and obj.problem_coordinator_informed_at is None


# fmt: off
STEPS: list[Step] = [
    Step("take", "Take it", "incident_take", WORK, (S.NEW, S.ASSIGNED),
         style="primary", done="It is yours now.", when=_may_take),
    Step("assign", "Assign", "incident_assign", ASSIGN, ACTIVE, f.AssignForm,
         done="Assigned.", actor_form=True, when=_may_assign,
         help="Choose the group and, as its coordinator, the specialist with the skills, "
              "availability and access rights."),
    Step("send-back", "Send back to the desk", "incident_send_back", ASSIGN, WORKING,
         f.SendBackForm, done="Sent back to the service desk.", when=_coordinates,
         help="Procedure 2: information is missing, or it reached the wrong group."),
    Step("assess-change", "Assess for Change Management", "incident_assess_change", WORK,
         (S.ASSIGNED, S.IN_PROGRESS, S.PENDING), f.AssessChangeForm, when=_works,
         done="Assessment recorded.",
         help="An incident may not be resolved without Change Management when any answer "
              "is yes: the coordinator hands it to the service's change coordinator, a "
              "specialist escalates it to the service owner."),
    Step("pending", "Set pending", "incident_set_pending", WORK, WORKING, f.PendingForm,
         done="Pending.", when=_works,
         help="Waiting on the requester or a supplier pauses the SLA clocks. A note to the "
              "requester is sent as a public reply."),
    Step("resume", "Resume", "incident_resume", WORK, (S.PENDING,), style="primary",
         done="Resumed.", when=_works),
    Step("escalate", "Escalate to the service owner", "incident_escalate", WORK, ACTIVE,
         f.NoteOnlyForm, done="Escalated to the service owner.", when=_may_escalate,
         help="Procedures 3 and 4: a service outage past its resolution threshold, or a "
              "resolution that needs Change Management."),
    Step("handle-escalation", "Decide on the escalation", "incident_handle_escalation",
         ESCALATE, ACTIVE, f.HandleEscalationForm, done="Decision recorded.",
         when=_escalated, help="Procedure 5: talk to the specialists first."),
    Step("resolve", "Resolve", "incident_resolve", WORK, ACTIVE, f.ResolveForm,
         style="primary", done="Resolved: the requester has been told.", when=_works,
         actor_form=True),
    Step("accept", "Accept the solution", "incident_accept", VERIFY, (S.RESOLVED,),
         style="primary", done="Closed.", when=_may_verify),
    Step("close", "Close for the requester", "incident_close", CLOSE, (S.RESOLVED,),
         done="Closed on the requester's behalf."),
    Step("reopen", "Reopen", "incident_reopen", VERIFY, (S.RESOLVED,), f.ReopenForm,
         done="Reopened.", actor_form=True, when=_may_verify),
    Step("inform-problem-coordinator", "Inform the problem coordinator",
         "incident_inform_problem_coordinator", WORK,
         (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING, S.RESOLVED, S.CLOSED), f.NoteOnlyForm,
         done="The problem coordinator has been informed.", when=_may_inform,
         help="Procedure 4: a workaround was provided and the incident is likely to recur."),
    Step("cancel", "Cancel the request", "incident_cancel", CLOSE, ACTIVE, f.ReasonForm,
         style="danger", done="Cancelled.",
         help="Registered by mistake: a duplicate, or not an incident."),
]
# fmt: on
STEP_BY_KEY = {step.key: step for step in STEPS}


def step_form(
    step: Step, actor: Any, data: Any = None, record: IncidentRequest | None = None
) -> forms.Form | None:
    if step.form_class is None:
        return None
    # Several step forms share field names on one page: keep their ids apart.
    return step.form_class(data, auto_id=f"{step.key}-%s", actor=actor, record=record)


def allowed_steps(actor: Any, obj: IncidentRequest) -> list[Step]:
    """The steps to offer; the services check everything again."""
    return [
        s
        for s in STEPS
        if obj.status in s.statuses
        and permissions.has(actor, s.permission, obj)
        and s.when(actor, obj)
    ]


def clock_rows(obj: IncidentRequest) -> list[dict[str, Any]]:
    """The record's SLA/OLA clocks with the time left (negative: breached)."""
    rows = []
    for clock in clocks.clocks_for(obj).order_by("kind", "metric", "pk"):
        read = clocks.reading(clock)
        left, breached = read.remaining, read.breached
        if clock.state == ClockState.STOPPED:
            text = "Met" if clock.met else "Missed"
        elif clock.state == ClockState.CANCELLED:
            text = "Not measured"
        elif breached:
            text = f"Breached {duration_words(-left)} ago" if left < 0 else "Breached"
        else:
            text = f"{duration_words(left)} left"
        rows.append(
            {
                "clock": clock,
                "label": clock.name or f"{clock.get_kind_display()} {clock.get_metric_display()}",
                "state": clock.state,
                "text": text,
                "breached": breached,
                "paused": clock.state == ClockState.PAUSED,
                "due": clock.breach_at,
                "percent": _percent_used(clock, left),
            }
        )
    return rows


def _percent_used(clock: SlaClock, left: int) -> int:
    if not clock.target_seconds:
        return 100
    used = clock.target_seconds - left
    return max(0, min(100, round(100 * used / clock.target_seconds)))


def group_availability(groups: list[SupportGroup]) -> list[dict[str, Any]]:
    """Members of the groups with their skills, availability and open-request load."""
    memberships = list(
        SupportGroupMembership.objects.filter(group__in=groups, person__is_active=True)
        .select_related("person", "group")
        .order_by("group__name", "person__last_name", "person__first_name")
    )
    load = dict(
        IncidentRequest.objects.filter(
            assignee_id__in=[m.person_id for m in memberships], status__in=OPEN_STATUSES
        )
        .values_list("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    result: dict[int, dict[str, Any]] = {}
    for membership in memberships:
        entry = result.setdefault(
            membership.group_id,
            {"group": membership.group, "skills": membership.group.skills, "members": []},
        )
        entry["members"].append(
            {
                "person": membership.person,
                "skills": membership.skills,
                "available": membership.is_available,
                "open": load.get(membership.person_id, 0),
            }
        )
    for entry in result.values():
        entry["members"].sort(key=lambda m: (not m["available"], m["open"]))
    return [result[g.pk] for g in groups if g.pk in result]


def linked_records(obj: IncidentRequest) -> list[dict[str, Any]]:
    rows = []
    for link in obj.links.select_related("record_type").order_by("pk"):
        model = link.record_type.model_class()
        target = model._default_manager.filter(pk=link.record_id).first() if model else None
        url = ""
        if target is not None and hasattr(target, "get_absolute_url"):
            try:
                url = target.get_absolute_url()
            except NoReverseMatch:
                url = ""
        rows.append(
            {
                "relation": link.relation,
                "kind": link.record_type.name,
                "text": str(target) if target is not None else f"#{link.record_id} (removed)",
                "url": url,
            }
        )
    return rows


def solution_suggest_url() -> str:
    try:
        return reverse("incidents:solution-suggest")
    except NoReverseMatch:
        return ""


def _propose_url(actor: Person, incident: IncidentRequest) -> str:
    """Procedures 4 and 6: once resolved, the resolver may propose the solution for general
    use; the form is filled from the request."""
    if incident.status not in (S.RESOLVED, S.CLOSED) or incident.solution_id:
        return ""
    if not permissions.has(actor, "incidents.solution.propose"):
        return ""
    try:
        return reverse("incidents:solution-create") + f"?from_incident={incident.pk}"
    except NoReverseMatch:
        return ""


class IncidentDetailView(RecordDetailView):
    """The record page: header with SLA clocks, the next steps, actions, links, timeline."""

    permission = VIEW
    template_name = "incidents/incident_detail.html"
    query_one = queries.incident_for
    status_field = "status"
    kind_label = "Incident request"
    list_url_name = "incidents:incident-list"
    note_permission = WORK
    public_replies = True
    accepts_attachments = True
    form_class = f.ReplyForm  # a work note or public reply (post below)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if permissions.is_customer_side(self.actor):
            # Customer-side people follow their requests in the portal.
            obj = self.get_object()
            return HttpResponseRedirect(reverse("incidents:portal-detail", args=[obj.pk]))
        return super().get(request, *args, **kwargs)

    def get_object(self) -> IncidentRequest:
        if not hasattr(self, "_object"):
            self._object = queries.incident_for(self.actor, self.kwargs["pk"])
        return self._object

    def get_fields(self, obj: IncidentRequest) -> list[Field]:
        """The request's fields; the ones that only sometimes apply are left out when empty."""
        requester = obj.requester
        fields = [
            Field("Requester", requester.display_name, url=requester.get_absolute_url()),
            Field("Contact", " · ".join(x for x in (requester.email, requester.phone) if x)),
            Field("Customer", obj.customer.name if obj.customer_id else None),
            Field(
                "Service",
                obj.service.name if obj.service_id else None,
                url=obj.service.get_absolute_url() if obj.service_id else "",
            ),
            Field("Category", str(obj.category) if obj.category_id else None),
            Field("Service type", obj.get_service_type_display()),
            Field("Impact", obj.get_impact_display()),
            Field("Urgency", obj.get_urgency_display()),
            Field("Channel", obj.get_channel_display()),
            Field(
                "Group",
                obj.support_group.name if obj.support_group_id else None,
                url=obj.support_group.get_absolute_url() if obj.support_group_id else "",
            ),
            Field("Assignee", obj.assignee.display_name if obj.assignee_id else None),
            Field("Routed by", obj.routed_by.name if obj.routed_by_id else None),
            Field("Pending because", obj.get_pending_reason_display() or None),
            Field("Sent back because", obj.get_sent_back_reason_display() or None),
            Field("Escalation", obj.get_escalation_display() if obj.escalation else None),
            Field("Escalated to", obj.escalated_to.display_name if obj.escalated_to_id else None),
            Field("Needs Change Management", _needs_change_words(obj)),
            Field(
                "Registered by", obj.registered_by.display_name if obj.registered_by_id else None
            ),
            Field("Resolved", obj.resolved_at),
            Field("Resolved by", obj.resolved_by.display_name if obj.resolved_by_id else None),
            Field("Closed", obj.closed_at),
            Field("Reopened", f"{obj.reopen_count} time(s)" if obj.reopen_count else None),
            Field("Problem coordinator informed", obj.problem_coordinator_informed_at),
        ]
        return [f for f in fields if f.label in ALWAYS_SHOWN or f.value not in (None, "")]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        obj: IncidentRequest = context["record"]
        actor = self.actor
        failed: str = kwargs.get("failed_step", "")
        steps = []
        for step in allowed_steps(actor, obj):
            form = kwargs.get("step_form") if step.key == failed else step_form(step, actor)
            if step.key == "assign" and form is not None and not form.is_bound:
                form.initial = {"support_group": obj.support_group_id}
            if step.key == "resolve" and form is not None and not form.is_bound:
                form.initial = {"solution": obj.solution_id}
            steps.append(
                {
                    "step": step,
                    "form": form,
                    "url": reverse(step.url_name, args=[obj.pk]),
                    "open": step.key == failed,
                }
            )
        can_work = svc.may_work(actor, obj)
        actions = list(obj.actions.select_related("support_group", "assignee").order_by("position"))
        groups = (
            list(SupportGroup.objects.filter(is_active=True, pk=obj.support_group_id))
            if obj.support_group_id
            else []
        )
        context.update(
            incident=obj,
            priority_key=f"p{obj.priority}",
            priority_label=f"P{obj.priority} {PRIORITY_SHORT.get(obj.priority, '')}".strip(),
            clocks=clock_rows(obj),
            steps=[s for s in steps if s["form"] is not None],
            buttons=[s for s in steps if s["form"] is None],
            incident_actions=actions,
            open_actions=sum(1 for a in actions if a.status in OPEN_ACTION_STATUSES),
            action_form=kwargs.get("action_form")
            or (f.ActionForm(actor=actor, auto_id="action-%s") if can_work else None),
            action_add_url=reverse("incidents:incident-action-add", args=[obj.pk]),
            can_work=can_work,
            propose_url=_propose_url(actor, obj),
            links=linked_records(obj),
            cis=list(obj.cis.select_related("ci_class").order_by("number")),
            availability=group_availability(groups),
            assigning=any(s["step"].key == "assign" for s in steps),
            edit_url=reverse("incidents:incident-edit", args=[obj.pk]) if can_work else "",
            portal_url=reverse("incidents:portal-detail", args=[obj.pk]),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """A work note or public reply, through the service (a requester's reply resumes)."""
        obj = self.get_object()
        form = f.ReplyForm(request.POST, actor=self.actor, record=obj)
        if form.is_valid():
            try:
                svc.incident_add_reply(
                    actor=self.actor,
                    incident_id=obj.pk,
                    body=form.cleaned_data["body"],
                    public=bool(form.cleaned_data["public"]),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
        if form.is_valid():
            obj = queries.incident_for(self.actor, obj.pk)
            self._object = obj
            if request.htmx:
                return render(request, self.timeline_template_name, self.timeline_context(obj))
            messages.success(
                request, "Reply sent." if form.cleaned_data["public"] else "Note added."
            )
            return HttpResponseRedirect(obj.get_absolute_url() + "#timeline")
        if request.htmx:
            return render(
                request, self.timeline_template_name, self.timeline_context(obj, form), status=400
            )
        return self.render_to_response(self.get_context_data(note_form=form), status=400)


def _needs_change_words(obj: IncidentRequest) -> str | None:
    needed = obj.needs_change_management
    if needed is None:
        return None
    return "Yes" if needed else "No"


class IncidentStepView(IncidentDetailView):
    """POST one step of the process to its service; a refusal shows the record page with
    the step's form and its errors (400)."""

    http_method_names = ["post"]
    step: Step

    @classmethod
    def for_step(cls, step: Step) -> Callable:
        return type(
            f"Incident{step.key.title().replace('-', '')}View",
            (cls,),
            {"step": step, "permission": step.permission},
        ).as_view()

    @property
    def posted_form(self) -> type[forms.Form] | None:
        return self.step.form_class

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        step = self.step
        form = step_form(step, self.actor, request.POST, record=obj)
        data: dict[str, Any] = {}
        if form is not None:
            if not form.is_valid():
                return self.refused(form)
            data = dict(form.cleaned_data)
        try:
            getattr(svc, step.service)(actor=self.actor, incident_id=obj.pk, **data)
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return HttpResponseRedirect(obj.get_absolute_url())
            apply_errors(form, exc)
            return self.refused(form)
        messages.success(request, step.done)
        return redirect_back(request, obj.get_absolute_url())

    def refused(self, form: forms.Form) -> HttpResponse:
        context = self.get_context_data(failed_step=self.step.key, step_form=form)
        return self.render_to_response(context, status=400)


class ActionAddView(IncidentDetailView):
    """Add an action (task) to the request; the request stays open while it is open."""

    http_method_names = ["post"]
    permission = WORK
    form_class = f.ActionForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        form = f.ActionForm(request.POST, actor=self.actor, record=obj, auto_id="action-%s")
        if form.is_valid():
            try:
                action_svc.action_add(actor=self.actor, incident_id=obj.pk, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Action added.")
                return HttpResponseRedirect(obj.get_absolute_url() + "#actions")
        return self.render_to_response(self.get_context_data(action_form=form), status=400)


class ActionCompleteView(StewardPageMixin, View):
    permission = WORK
    form_class = f.ActionCompleteForm

    def post(self, request: HttpRequest, pk: int, position: int) -> HttpResponse:
        incident = queries.incident_for(self.actor, pk)
        try:
            action = incident.actions.get(position=position)
        except ObjectDoesNotExist:
            return render(request, "core/conflict.html", {"message": "No such action."}, status=404)
        form = f.ActionCompleteForm(request.POST, actor=self.actor, record=incident)
        try:
            if not form.is_valid():
                raise ValidationError([m for errors in form.errors.values() for m in errors])
            action_svc.action_complete(
                actor=self.actor, action_id=action.pk, result=form.cleaned_data["result"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Action {action.position} done.")
        return HttpResponseRedirect(incident.get_absolute_url() + "#actions")


class IncidentEditView(RecordEditView):
    permission = WORK
    form_class = f.IncidentEditForm
    query_one = queries.incident_for
    template_name = "incidents/incident_form.html"

    @property
    def title(self) -> str:  # type: ignore[override]
        obj = self.get_object()
        return f"Edit {obj.number} {obj.title}"

    def get_form_kwargs(self) -> dict[str, Any]:
        obj = self.get_object()
        return {
            "actor": self.actor,
            "organisation_ids": [obj.customer_id] if obj.customer_id else [],
        }

    def get_initial(self) -> dict[str, Any]:
        obj = self.get_object()
        return {
            "title": obj.title,
            "description": obj.description,
            "service": obj.service_id,
            "cis": list(obj.cis.order_by("number")),
            "category": obj.category_id,
            "service_type": obj.service_type,
            "impact": obj.impact,
            "urgency": obj.urgency,
        }

    def perform(self, form: forms.Form) -> Any:
        return svc.incident_update(
            actor=self.actor,
            incident_id=self.get_object().pk,
            data=form.incident_data(),
            expected_version=self.expected_version(form),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(priority_url=reverse("incidents:priority-preview"), editing=True)
        return context


# --- Registration (procedure 1) ------------------------------------------------------------


class IncidentCreateView(ServiceFormView):
    """The service desk's form: find the requester (and their requests), then register."""

    permission = WORK
    form_class = f.IncidentRegisterForm
    template_name = "incidents/incident_form.html"
    title = "New incident request"
    submit_label = "Register"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.actor}

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        wanted = parse_id(self.request.GET.get("requester"))
        if wanted is not None:
            initial["requester"] = wanted
        return initial

    def get_cancel_url(self) -> str:
        return reverse("incidents:incident-list")

    def perform(self, form: forms.Form) -> Any:
        incident = svc.incident_register(actor=self.actor, **form.register_kwargs())
        if incident.status == S.RESOLVED:
            messages.success(self.request, f"{incident.number} registered and resolved.")
        elif incident.support_group_id:
            messages.success(
                self.request, f"{incident.number} registered for {incident.support_group}."
            )
        else:
            messages.success(self.request, f"{incident.number} registered.")
        return incident

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        person = form.selected_requester() if form is not None else None
        context.update(
            requester=person,
            requester_panel=requester_panel(self.actor, person) if person else None,
            lookup_url=reverse("incidents:requester-lookup"),
            priority_url=reverse("incidents:priority-preview"),
            suggest_url=solution_suggest_url(),
            priority=_preview(form),
        )
        return context


def _preview(form: Any) -> dict[str, str]:
    impact = form["impact"].value() if form is not None else None
    urgency = form["urgency"].value() if form is not None else None
    return priority_preview(str(impact or "4"), str(urgency or "3"))


def priority_preview(impact: str, urgency: str) -> dict[str, str]:
    try:
        value = str(svc.priority_for(impact, urgency))
    except (ValidationError, ValueError, KeyError, LookupError):
        return {}
    return {"key": f"p{value}", "label": f"P{value} {PRIORITY_SHORT.get(value, '')}".strip()}


def requester_panel(actor: Any, person: Person) -> dict[str, Any]:
    """A requester's open requests and their latest closed ones (procedure 1: "if the user
    contacted the service desk about a previously registered incident request ...")."""
    theirs = (
        queries.incidents_for(actor)
        .filter(requester=person)
        .select_related("support_group", "assignee")
    )
    organisations = list(person.organisations.order_by("name"))
    return {
        "person": person,
        "organisations": organisations,
        "open": list(theirs.filter(status__in=ACTIVE).order_by("priority", "created_at")[:20]),
        "recent": list(theirs.exclude(status__in=ACTIVE).order_by("-updated_at", "-pk")[:5]),
    }


class RequesterLookupView(StewardPageMixin, View):
    """htmx: people whose name or email matches what the analyst typed."""

    permission = WORK

    def get(self, request: HttpRequest) -> HttpResponse:
        text = request.GET.get("q", "").strip()[:100]
        people = list(f.person_matches(self.actor, text)[:10]) if len(text) >= 2 else []
        return render(
            request,
            "incidents/partials/requester_matches.html",
            {"people": people, "q": text},
        )


class RequesterRequestsView(StewardPageMixin, View):
    """htmx: the chosen requester, their open and recent requests, and the service list
    with their organisation's services first."""

    permission = WORK

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = core_queries.person_for(self.actor, pk)
        panel = requester_panel(self.actor, person)
        services = f.services_first_for(self.actor, [o.pk for o in panel["organisations"]])
        return render(
            request,
            "incidents/partials/requester_panel.html",
            {"panel": panel, "services": services, "oob": True},
        )


class PriorityPreviewView(StewardPageMixin, View):
    permission = WORK

    def get(self, request: HttpRequest) -> HttpResponse:
        priority = priority_preview(request.GET.get("impact", ""), request.GET.get("urgency", ""))
        return render(request, "incidents/partials/priority_preview.html", {"priority": priority})


class GroupAvailabilityView(StewardPageMixin, View):
    """htmx: the members of a group with their skills and open requests (assign form)."""

    permission = ASSIGN

    def get(self, request: HttpRequest) -> HttpResponse:
        wanted = parse_id(request.GET.get("support_group"))
        group = core_queries.group_for(self.actor, wanted) if wanted is not None else None
        return render(
            request,
            "incidents/partials/availability.html",
            {"availability": group_availability([group]) if group else [], "pick": True},
        )


urlpatterns = [
    path("incidents/", IncidentListView.as_view(), name="incident-list"),
    path("incidents/mine/", IncidentMineView.as_view(), name="incident-mine"),
    path("incidents/groups/", IncidentGroupsView.as_view(), name="incident-groups"),
    path("incidents/new/", IncidentCreateView.as_view(), name="incident-create"),
    path("incidents/requesters/", RequesterLookupView.as_view(), name="requester-lookup"),
    path(
        "incidents/requesters/<int:pk>/requests/",
        RequesterRequestsView.as_view(),
        name="requester-requests",
    ),
    path("incidents/priority/", PriorityPreviewView.as_view(), name="priority-preview"),
    path("incidents/availability/", GroupAvailabilityView.as_view(), name="group-availability"),
    path("incidents/<int:pk>/", IncidentDetailView.as_view(), name="incident-detail"),
    path("incidents/<int:pk>/edit/", IncidentEditView.as_view(), name="incident-edit"),
    path("incidents/<int:pk>/actions/", ActionAddView.as_view(), name="incident-action-add"),
    path(
        "incidents/<int:pk>/actions/<int:position>/complete/",
        ActionCompleteView.as_view(),
        name="incident-action-complete",
    ),
    *[
        path(f"incidents/<int:pk>/{s.key}/", IncidentStepView.for_step(s), name=f"incident-{s.key}")
        for s in STEPS
    ],
]
