"""Pages of the knowledge base (seed 003 ch. 8 procedures 4, 6, 7; IRP SG2-SG3): the list of
solutions with full-text search, a solution's page (where its group coordinator activates it,
after improving it, or rejects it), the proposal form, and the suggestions partial the
request registration form asks for while the analyst types."""

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.views import View

from steward.configuration.queries.cis import cis_for
from steward.core import permissions
from steward.core.ids import parse_id
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordListView,
    RecordObjectMixin,
    Related,
    ServiceFormView,
    ServicePostView,
    StewardPageMixin,
    action_urls,
    header_buttons,
    redirect_back,
)
from steward.incidents import search
from steward.incidents.actions import SOLUTION
from steward.incidents.choices import SolutionStatus
from steward.incidents.filters.solutions import SolutionFilterSet
from steward.incidents.forms import ActivateForm, RejectForm, SolutionForm, SolutionUseForm
from steward.incidents.models import Solution
from steward.incidents.queries import solutions as queries
from steward.incidents.queries.incidents import incidents_for
from steward.incidents.services import solutions as svc
from steward.service_level.queries import services_for

S = SolutionStatus
VIEW = queries.VIEW
PROPOSE = svc.PROPOSE
TONES.setdefault("proposed", "amber")

TEXT_NAMES = ("title", "symptoms", "body", "is_workaround")


# --- List ------------------------------------------------------------------------------------


class SolutionListView(RecordListView):
    permission = VIEW
    title = "Solutions"
    query = queries.solutions_for
    filterset_class = SolutionFilterSet
    default_sort = "-updated"
    create_url_name = "incidents:solution-create"
    create_permission = PROPOSE
    create_label = "Propose a solution"
    empty_text = "No solution matches."
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("title", "Title", sort="title", link=True),
        Column("kind", "Kind", value=lambda s: "Workaround" if s.is_workaround else "Solution"),
        Column("service", "Service", value="service.name", sort="service__name", classes="hide-sm"),
        Column("group", "Group", value="support_group.name", classes="hide-sm"),
        STATUS_COLUMN,
        Column("use_count", "Used", sort="use_count", classes="num"),
        Column("updated", "Updated", value="updated_at", sort="updated_at", classes="hide-sm"),
    )

    def apply_sort(self, qs: QuerySet, sort: str) -> QuerySet:
        # A search keeps its relevance order unless a column was asked for.
        searching = (self.request.GET.get("q") or "").strip()
        if searching and not self.request.GET.get("sort"):
            return qs
        return super().apply_sort(qs, sort)


# --- Record page ---------------------------------------------------------------------------


class SolutionDetailView(RecordDetailView):
    permission = VIEW
    template_name = "incidents/solution_detail.html"
    query_one = queries.solution_for
    status_field = "status"
    list_url_name = "incidents:solution-list"
    kind_label = "Solution"

    def get_fields(self, obj: Solution) -> list[Field]:
        internal = not permissions.is_customer_side(self.actor)
        fields = [
            Field("Kind", "Known workaround" if obj.is_workaround else "Solution"),
            Field("Service", obj.service.name if obj.service_id else None),
            Field("CI class", obj.ci_class.name if obj.ci_class_id else None),
            Field("Category", str(obj.category) if obj.category_id else None),
            Field("Used", obj.use_count),
        ]
        if internal:
            fields += [
                Field("Solved before registering", queries.deflection_count(obj)),
                Field("Approving group", obj.support_group.name if obj.support_group_id else None),
                Field("Proposed by", obj.proposed_by.display_name if obj.proposed_by_id else None),
                Field(
                    "From request",
                    obj.from_incident.number if obj.from_incident_id else None,
                    url=_url(obj.from_incident),
                ),
                Field("Decided by", obj.decided_by.display_name if obj.decided_by_id else None),
                Field("Decided", obj.decided_at),
                Field("Decision note", obj.decision_note, wide=True),
            ]
        return fields

    def get_related(self, obj: Solution) -> list[Related]:
        if permissions.is_customer_side(self.actor):
            return []
        return [
            Related(
                "Used on",
                queries.uses_of(self.actor, obj)[:50],
                [
                    Column(
                        "incident",
                        "Request",
                        value="incident.number",
                        url=lambda u: _url(u.incident),
                    ),
                    Column("title", "Title", value="incident.title"),
                    Column("used_by", "By", value="used_by.display_name"),
                    Column("used_at", "When", value="used_at"),
                ],
                empty_text="Not used on a request yet.",
            )
        ]

    def get_actions(self, obj: Solution) -> list[Action]:
        actions: list[Action] = []
        proposer = obj.proposed_by_id == self.actor.pk
        if queries.may_approve(self.actor, obj) or (
            proposer and obj.status in (S.PROPOSED, S.REJECTED)
        ):
            actions.append(Action("Edit", reverse("incidents:solution-edit", args=[obj.pk])))
        return actions + header_buttons(SOLUTION, self.actor, obj)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        obj = context["record"]
        deciding = obj.status == S.PROPOSED and queries.may_approve(self.actor, obj)
        initial = {name: getattr(obj, name) for name in TEXT_NAMES}
        context.update(
            deciding=deciding,
            activate_form=self.failed_form("activate", kwargs)
            or (ActivateForm(initial=initial, actor=self.actor) if deciding else None),
            reject_form=self.failed_form("reject", kwargs)
            or (RejectForm(actor=self.actor) if deciding else None),
        )
        return context


# --- Forms ----------------------------------------------------------------------------------


class SolutionCreateView(ServiceFormView):
    """Propose a solution for general use (procedures 4, 6); ``?from_incident=`` fills it
    from the request's resolution."""

    permission = PROPOSE
    form_class = SolutionForm
    cancel_url = reverse_lazy("incidents:solution-list")
    title = "Propose a solution for general use"
    submit_label = "Propose"
    success_message = "Proposed: the group coordinator is asked to approve it."

    def get_initial(self) -> dict[str, Any]:
        source = parse_id(self.request.GET.get("from_incident"))
        incident = (
            incidents_for(self.actor).filter(pk=source).first() if source is not None else None
        )
        if incident is None:
            return {}
        return {
            "from_incident": incident.pk,
            "title": incident.title,
            "symptoms": incident.description,
            "body": incident.resolution,
            "is_workaround": incident.resolution_code == "workaround",
            "service": incident.service_id,
            "support_group": incident.support_group_id,
        }

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return svc.solution_propose(
            actor=self.actor,
            title=data["title"],
            body=data["body"],
            symptoms=data.get("symptoms") or "",
            is_workaround=bool(data.get("is_workaround")),
            service=data.get("service"),
            ci_class=data.get("ci_class"),
            from_incident=data.get("from_incident"),
            support_group=data.get("support_group"),
        )


class SolutionEditView(RecordObjectMixin, ServiceFormView):
    """Improve a solution: its group coordinator, or the proposer while it is proposed."""

    permission = VIEW
    form_class = SolutionForm
    submit_label = "Save changes"
    success_message = "Changes saved."

    query_one = queries.solution_for

    def _check(self) -> Solution:
        obj = self.get_object()
        proposer = obj.proposed_by_id == self.actor.pk and obj.status in (S.PROPOSED, S.REJECTED)
        if not (proposer or queries.may_approve(self.actor, obj)):
            raise PermissionDenied("Only the group coordinator or the proposer edits this.")
        return obj

    title_format = "Edit {obj}"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._check()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._check()
        return super().post(request, *args, **kwargs)

    def get_form(self, data: Any = None) -> forms.Form:
        form = super().get_form(data)
        for name in ("support_group", "from_incident"):
            form.fields.pop(name)
        return form

    def get_initial(self) -> dict[str, Any]:
        obj = self.get_object()
        initial: dict[str, Any] = {name: getattr(obj, name) for name in TEXT_NAMES}
        initial.update(service=obj.service_id, ci_class=obj.ci_class_id)
        return initial

    def get_cancel_url(self) -> str:
        return self.get_object().get_absolute_url()

    def versioned_object(self) -> Solution:
        return self.get_object()

    def perform(self, form: forms.Form) -> Any:
        names = (*TEXT_NAMES, "service", "ci_class")
        data = {name: form.cleaned_data.get(name) for name in names}
        data["symptoms"] = data["symptoms"] or ""
        data["is_workaround"] = bool(data["is_workaround"])
        return self.update_record(form, svc.solution_update, "solution_id", data=data)


class SolutionUseView(ServicePostView):
    """POST ``incident=<id>``: record that the solution was used on that request, then back
    to the request (or ``next``)."""

    permission = VIEW
    form_class = SolutionUseForm
    split_errors = False

    def perform(self, pk: int) -> str:
        solution = queries.solution_for(self.actor, pk)
        self.back = solution.get_absolute_url()
        form = SolutionUseForm(self.request.POST, actor=self.actor, record=solution)
        if not form.is_valid():
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        incident = form.cleaned_data["incident"]
        self.back = _url(incident) or self.back  # refused or not, back to the request
        svc.solution_use(actor=self.actor, solution_id=solution.pk, incident_id=incident.pk)
        return f"{solution.number} recorded on {incident.number}."

    def get_success_url(self) -> str:
        return redirect_back(self.request, self.back).url


# --- Suggestions partial -----------------------------------------------------------------------


class SolutionSuggestView(StewardPageMixin, View):
    """A small HTML list of active solutions and workarounds for the text being typed
    (``?text=&service=&ci=``), for the registration form to load with htmx."""

    permission = VIEW
    template_name = "incidents/solution_suggestions.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        text = " ".join(
            request.GET.get(name, "") for name in ("text", "title", "description")
        ).strip()
        service = services_for(self.actor).filter(pk=parse_id(request.GET.get("service"))).first()
        ci_ids = [pk for pk in map(parse_id, request.GET.getlist("ci")[:50]) if pk is not None]
        cis = list(cis_for(self.actor).filter(pk__in=ci_ids)) if ci_ids else []
        found = search.suggest_solutions(actor=self.actor, text=text, service=service, cis=cis)
        response = render(
            request,
            self.template_name,
            {
                "suggestions": found,
                "text": text,
                "searched": bool(text or service or cis),
                # The portal's form offers "This solved it" (a deflection).
                "portal": request.GET.get("portal") == "1",
            },
        )
        response["Vary"] = "HX-Request"
        return response


def _url(record: Any) -> str:
    """The record's page, or nothing while that page does not exist."""
    try:
        return record.get_absolute_url() if record is not None else ""
    except NoReverseMatch:
        return ""


urlpatterns = [
    path("solutions/", SolutionListView.as_view(), name="solution-list"),
    path("solutions/new/", SolutionCreateView.as_view(), name="solution-create"),
    path("solutions/suggest/", SolutionSuggestView.as_view(), name="solution-suggest"),
    path("solutions/<int:pk>/", SolutionDetailView.as_view(), name="solution-detail"),
    path("solutions/<int:pk>/edit/", SolutionEditView.as_view(), name="solution-edit"),
    *action_urls(SOLUTION, page=SolutionDetailView),
    path("solutions/<int:pk>/use/", SolutionUseView.as_view(), name="solution-use"),
]
