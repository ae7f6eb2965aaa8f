"""Pages: problem investigations (seed 003 ch. 9): the list, the record page (its
sections come from each topic: ``views/sections.py``) and the step URLs of
``actions.PROBLEM``."""

from importlib import import_module
from typing import Any

from django.urls import reverse, reverse_lazy

from steward.configuration.queries.cis import cis_for
from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.actions import ranked
from steward.core.ids import parse_id
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ServiceFormView,
    action_urls,
    header_buttons,
)
from steward.core.views.patterns.selects import Select
from steward.incidents.queries.incidents import incidents_for
from steward.problems.actions import PROBLEM
from steward.problems.choices import ProblemSource, ProblemStatus
from steward.problems.filters.problems import ProblemFilterSet
from steward.problems.forms.problems import ProblemEditForm, ProblemRegisterForm, edit_initial
from steward.problems.models import ProblemInvestigation
from steward.problems.queries import problems as queries
from steward.problems.services import problems as svc
from steward.problems.services.closure import recurrence_evidence
from steward.problems.views.sections import SECTIONS
from steward.service_level.queries import services_for

TONES.update(
    {
        "root_cause_analysis": "blue",
        "analysis_review": "amber",
        "fix_in_progress": "amber",
        "known_error": "amber",
        "impasse": "red",
    }
)


def person(who: Any) -> str | None:
    return who.display_name if who else None


class ProblemListView(RecordListView):
    permission = svc.VIEW
    title = "Problems"
    query = queries.problems_for
    filterset_class = ProblemFilterSet
    default_sort = "-number"
    create_url_name = "problems:problem-create"
    create_permission = svc.COORDINATE
    create_label = "Register a problem"
    primary_filters = ("q", "show", "mine", "status", "service")
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("title", "Title", sort="title", link=True),
        Column("service", "Service", value="service.name", sort="service__name"),
        STATUS_COLUMN,
        Column(
            "incidents", "Incidents", value="incident_count", sort="incident_count", classes="num"
        ),
        Column("specialist", "Specialist", value="specialist.display_name", classes="hide-sm"),
        Column(
            "created",
            "Registered",
            value=lambda p: p.created_at.strftime("%Y-%m-%d"),
            sort="created_at",
            classes="nowrap hide-sm",
        ),
    )

    def get_queryset(self) -> Any:
        return queries.with_incident_counts(super().get_queryset())

    def restrict_filters(self, filterset: Any) -> None:
        fields = filterset.form.fields
        services = services_for(self.actor).order_by("name").values_list("pk", "name")
        fields["service"].widget = Select(choices=[("", "Any"), *services])
        fields["service"].label = "Service"


class ProblemDetailView(RecordDetailView):
    permission = svc.VIEW
    template_name = "problems/problem_detail.html"
    query_one = queries.problem_for
    status_field = "status"
    list_url_name = "problems:problem-list"
    note_permission = svc.VIEW
    accepts_attachments = True

    def get_title(self, obj: ProblemInvestigation) -> str:
        return obj.title

    def get_fields(self, obj: ProblemInvestigation) -> list[Field]:
        return [
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field("Identified from", obj.get_source_display()),
            Field("Category", obj.category.name if obj.category_id else None),
            Field("Problem coordinator", person(obj.coordinator)),
            Field("Group", obj.support_group.name if obj.support_group_id else None),
            Field("Specialist", person(obj.specialist)),
            Field(
                "Configuration items",
                ", ".join(f"{ci.number} {ci.name}" for ci in obj.cis.order_by("number")) or None,
            ),
            Field("Description", obj.description, wide=True),
        ]

    def get_actions(self, obj: ProblemInvestigation) -> list[Any]:
        edit = []
        if obj.status != ProblemStatus.CLOSED:
            url = reverse("problems:problem-edit", args=[obj.pk])
            edit = [Action("Edit", url, svc.COORDINATE)]
        pages = [b for b in header_buttons(PROBLEM, self.actor, obj) if b.method != "post"]
        return edit + pages

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        problem = context["record"]
        panel = PROBLEM.panel(
            self.actor,
            problem,
            failed=kwargs.get("failed_action", ""),
            form=kwargs.get("failed_form"),
        )
        context["panel"] = panel
        context.update(ranked(panel, primary_step(problem, panel)))
        sections = []
        for template, spec in SECTIONS:
            module, name = spec.split(":")
            context.update(getattr(import_module(module), name)(self.request, problem))
            sections.append(template)
        context["problem_sections"] = sections
        return context


# The closure step (proc. 4) that ``rules.closure_decision`` suggests from the evidence.
_CLOSURE_STEP = {"close": "close", "reassign": "reassign-solution", "impasse": "impasse"}


def primary_step(problem: ProblemInvestigation, panel: dict[str, list[dict[str, Any]]]) -> Any:
    """The row shown first: at closure, the decision the evidence suggests (recurring
    incidents or a change not implemented: reassign, not close); else the first primary
    row offered."""
    entries = [*panel["buttons"], *panel["steps"]]
    keys = {e["action"].key for e in entries}
    if "impasse" in keys and problem.review_decision == "impasse_candidate":
        return "impasse"  # a good analysis without a practical solution (proc. 3)
    if "close" in keys:
        suggested = _CLOSURE_STEP.get(str(recurrence_evidence(problem)["suggested"]))
        if suggested in keys:
            return suggested
    return next((e["action"].key for e in entries if e["action"].style == "primary"), None)


class ProblemRegisterView(ServiceFormView):
    """Proc. 1: register a problem investigation with the incident requests it caused."""

    permission = svc.COORDINATE
    form_class = ProblemRegisterForm
    title = "Register a problem"
    submit_label = "Register"
    success_message = "Problem registered: assign it to a specialist."
    cancel_url = reverse_lazy("problems:problem-list")

    def get_initial(self) -> dict[str, Any]:
        return register_initial(self.actor, self.request.GET)

    def perform(self, form: ProblemRegisterForm) -> Any:
        return svc.problem_register(actor=self.actor, **form.service_kwargs())


def register_initial(actor: Any, params: Any) -> dict[str, Any]:
    """The register form prefilled from the query string (the incident review, the
    incident page): ``service``, ``category``, ``source``, ``title``, ``incidents`` and
    ``cis`` (ids, comma-separated); ids naming nothing the actor may see are left out."""
    initial: dict[str, Any] = {}
    for name in ("service", "category"):
        if (pk := parse_id(params.get(name))) is not None:
            initial[name] = pk
    if params.get("source") in ProblemSource.values:
        initial["source"] = params["source"]
    if params.get("title"):
        initial["title"] = params["title"][:200]
    ids = [parse_id(v) for v in ",".join(params.getlist("incidents")).split(",")]
    ids = [i for i in ids if i is not None][: svc.MAX_INCIDENTS]
    if ids:
        initial["incidents"] = list(incidents_for(actor).filter(pk__in=ids).order_by("number"))
    cis = [parse_id(v) for v in ",".join(params.getlist("cis")).split(",")]
    if cis := [c for c in cis if c is not None][:50]:
        initial["cis"] = list(cis_for(actor).filter(pk__in=cis).order_by("number"))
    return initial


class ProblemEditView(RecordEditView):
    permission = svc.COORDINATE
    query_one = queries.problem_for
    form_class = ProblemEditForm
    title_format = "Edit {obj.number} {obj.title}"
    success_message = "Problem saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return edit_initial(self.get_object())

    def perform(self, form: ProblemEditForm) -> Any:
        return self.update_record(form, svc.problem_update, "problem_id", data=form.service_data())


def incidents_section(request: Any, problem: ProblemInvestigation) -> dict[str, Any]:
    """The incident requests the problem caused (proc. 1), newest first."""
    links = problem.incident_links.select_related("incident", "incident__service").order_by(
        "-incident__created_at"
    )
    return {
        "problem_incidents": [link.incident for link in links],
        "problem_may_link": permissions.has(request.user, svc.COORDINATE, problem)
        and problem.status != ProblemStatus.CLOSED,
    }


urlpatterns = [
    *record_paths(
        "problems",
        "problem",
        list=ProblemListView,
        create=ProblemRegisterView,
        detail=ProblemDetailView,
        edit=ProblemEditView,
    ),
    *action_urls(PROBLEM, page=ProblemDetailView),
]
