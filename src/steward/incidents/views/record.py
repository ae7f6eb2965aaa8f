"""The record page of an incident request (seed 003 ch. 8, procedures 2-6; IRP SG1): the
header with its SLA clocks, every step of the process as a button or a form (the action
table ``steward.incidents.actions.INCIDENT``: one declaration gives the buttons, the forms,
their URLs and the API's endpoints), actions, links and the timeline, and the htmx list of
a group's members for the assign form."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
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
from steward.core.views.patterns import (
    Field,
    RecordDetailView,
    RecordEditView,
    StewardPageMixin,
    action_urls,
    apply_errors,
)
from steward.core.views.patterns.live import is_poll
from steward.incidents import forms as f
from steward.incidents import hooks
from steward.incidents.actions import ASSIGN, INCIDENT
from steward.incidents.choices import (
    OPEN_ACTION_STATUSES,
    OPEN_STATUSES,
)
from steward.incidents.models import IncidentRequest
from steward.incidents.queries import incidents as queries
from steward.incidents.services import incidents as svc
from steward.incidents.services.people import may_work
from steward.incidents.views.links import links_context
from steward.incidents.views.panel import panel_context, ranked_steps
from steward.incidents.views.queues import PRIORITY_SHORT, VIEW, WORK, S, duration_words

# Status, priority, group, assignee and CIs are in the "Handling" panel (views/panel.py).
ALWAYS_SHOWN = {"Requester", "Service", "Category"}


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
    live = True  # presence and the "updated by" notice (core.live)

    def note_form(self, data: Any = None) -> f.ReplyForm:  # type: ignore[override]
        return f.ReplyForm(data, actor=self.actor, record=self.get_object())

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if permissions.is_customer_side(self.actor) and not is_poll(request):
            # Customer-side people follow their requests in the portal.
            obj = self.get_object()
            return HttpResponseRedirect(reverse("incidents:portal-detail", args=[obj.pk]))
        return super().get(request, *args, **kwargs)

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
            Field("Channel", obj.get_channel_display()),
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
        panel = INCIDENT.panel(
            actor, obj, failed=kwargs.get("failed_action", ""), form=kwargs.get("failed_form")
        )
        for step in panel["steps"]:  # a status link of the panel opens its step (no JS)
            step["open"] = step["open"] or step["action"].key == self.request.GET.get("step")
        panel = ranked_steps(actor, obj, panel)
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
            **panel,
            incident_actions=actions,
            open_actions=sum(1 for a in actions if a.status in OPEN_ACTION_STATUSES),
            action_form=self.failed_form("action", kwargs)
            or (f.ActionForm(actor=actor, auto_id="action-%s") if can_work else None),
            action_add_url=reverse("incidents:incident-action-add", args=[obj.pk]),
            can_work=can_work,
            propose_url=_propose_url(actor, obj),
            links=[link for link in linked_records(obj) if link["kind"] != "incident request"],
            **links_context(actor, obj, self.request),
            submission=queries.submission_of(obj),
            **panel_context(actor, obj, self.request.GET.get("edit", "")),
            availability=group_availability(groups),
            assigning=any(s["action"].key == "assign" for s in panel["steps"]),
            edit_url=reverse("incidents:incident-edit", args=[obj.pk]) if can_work else "",
            portal_url=reverse("incidents:portal-detail", args=[obj.pk]),
            # Parts drawn by the areas built on this one (hooks.record_section).
            incident_sections=hooks.record_sections(actor, obj),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """A work note or public reply, through the service (a requester's reply resumes)."""
        obj = self.get_object()
        form = self.note_form(request.POST)
        if form.is_valid():
            try:
                svc.incident_add_reply(
                    actor=self.actor,
                    incident_id=obj.pk,
                    body=form.cleaned_data["body"],
                    public=bool(form.cleaned_data["public"]),
                    time_spent=form.cleaned_data.get("time_spent"),
                    template=form.cleaned_data.get("template"),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
        if form.is_valid():
            obj = queries.incident_for(self.actor, obj.pk)
            self._object = obj
            if request.htmx:
                response = render(request, self.timeline_template_name, self.timeline_context(obj))
                response["HX-Trigger"] = "record-noted"  # the panel's time spent
                return response
            messages.success(
                request, "Reply sent." if form.cleaned_data["public"] else "Note added."
            )
            return HttpResponseRedirect(obj.get_absolute_url() + "#timeline")
        if request.htmx:
            return render(
                request, self.timeline_template_name, self.timeline_context(obj, form), status=400
            )
        if not self.can_note(obj):  # the form is not on their page: say what was refused
            for message in (m for errors in form.errors.values() for m in errors):
                messages.error(request, message)
        return self.render_to_response(self.get_context_data(note_form=form), status=400)


def _needs_change_words(obj: IncidentRequest) -> str | None:
    needed = obj.needs_change_management
    if needed is None:
        return None
    return "Yes" if needed else "No"


class IncidentEditView(RecordEditView):
    permission = WORK
    form_class = f.IncidentEditForm
    query_one = queries.incident_for
    template_name = "incidents/incident_form.html"

    title_format = "Edit {obj.number} {obj.title}"

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
        return self.update_record(
            form, svc.incident_update, "incident_id", data=form.incident_data()
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
    *action_urls(INCIDENT, page=IncidentDetailView),
]
