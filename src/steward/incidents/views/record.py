"""The record page of an incident request (seed 003 ch. 8, procedures 2-6; IRP SG1): the
header with its SLA clocks, every step of the process as a form (the ``STEPS`` table: one
declaration gives the button, the form and the URL), actions, links and the timeline, and
the htmx list of a group's members for the assign form."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.views import View

from steward.core import clocks, permissions
from steward.core import queries as core_queries
from steward.core.choices import ClockState
from steward.core.ids import parse_id
from steward.core.models import Person, SlaClock, SupportGroup, SupportGroupMembership
from steward.core.roles import is_desk
from steward.core.views.patterns import (
    Field,
    RecordDetailView,
    RecordEditView,
    StewardPageMixin,
    apply_errors,
    redirect_back,
)
from steward.incidents import forms as f
from steward.incidents import workflows
from steward.incidents.choices import (
    OPEN_ACTION_STATUSES,
    OPEN_STATUSES,
    Escalation,
)
from steward.incidents.models import IncidentRequest
from steward.incidents.queries import incidents as queries
from steward.incidents.services import actions as action_svc
from steward.incidents.services import incidents as svc
from steward.incidents.services.people import is_coordinator, may_work
from steward.incidents.views.queues import ACTIVE, PRIORITY_SHORT, VIEW, WORK, S, duration_words

ASSIGN = "incidents.incident.assign"
ESCALATE = "incidents.incident.escalate"
CLOSE = "incidents.incident.close"
VERIFY = "incidents.incident.verify"
ALWAYS_SHOWN = {"Requester", "Service", "Category", "Impact", "Urgency", "Group", "Assignee"}
WORKING = (S.ASSIGNED, S.IN_PROGRESS)


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
    return may_work(actor, obj)


def _may_take(actor: Any, obj: IncidentRequest) -> bool:
    if not may_work(actor, obj):
        return False
    if obj.assignee_id in (None, actor.pk):
        return True
    return is_desk(actor) or is_coordinator(actor, obj.support_group)


def _may_assign(actor: Any, obj: IncidentRequest) -> bool:
    return is_desk(actor) or is_coordinator(actor, obj.support_group)


def _coordinates(actor: Any, obj: IncidentRequest) -> bool:
    return is_coordinator(actor, obj.support_group)


def _escalated(actor: Any, obj: IncidentRequest) -> bool:
    return obj.escalation == Escalation.SERVICE_OWNER


def _may_escalate(actor: Any, obj: IncidentRequest) -> bool:
    allowed = workflows.ESCALATION.allowed(obj.escalation)
    return may_work(actor, obj) and Escalation.SERVICE_OWNER in allowed


def _may_verify(actor: Any, obj: IncidentRequest) -> bool:
    return obj.requester_id == actor.pk or is_desk(actor)


def _may_inform(actor: Any, obj: IncidentRequest) -> bool:
    return may_work(actor, obj) and obj.problem_coordinator_informed_at is None


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
        can_work = may_work(actor, obj)
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
