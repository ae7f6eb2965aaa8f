"""Pages: changes (seed 003 ch. 3): the list, the record page (its sections come from each
topic: ``views/sections.py``) and the step URLs of ``actions.CHANGE``."""

from importlib import import_module
from typing import Any

from django.urls import reverse, reverse_lazy

from steward.changes.actions import CHANGE
from steward.changes.choices import ENDED_CHANGE_STATUSES
from steward.changes.filters.changes import ChangeFilterSet
from steward.changes.forms.changes import (
    ChangeEditForm,
    ChangeRegisterForm,
    edit_initial,
)
from steward.changes.models import Change
from steward.changes.queries import changes as queries
from steward.changes.services import changes as svc
from steward.changes.services import impact as impact_of
from steward.changes.views.sections import SECTIONS
from steward.configuration.queries.cis import ci_label, cis_for
from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.actions import ranked
from steward.core.ids import parse_id
from steward.core.models import Person
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
from steward.core.views.patterns.selects import LookupInput, Select
from steward.service_level.queries import services_for

TONES.update(
    {
        "registered": "blue",
        "risk_analysis": "blue",
        "planning": "blue",
        "approval": "amber",
        "implementation": "amber",
        "production_test": "amber",
        "backed_out": "red",
    }
)


def _window(change: Change) -> str:
    if not change.planned_start:
        return ""
    start = change.planned_start.strftime("%Y-%m-%d %H:%M")
    end = change.planned_end.strftime("%Y-%m-%d %H:%M") if change.planned_end else "?"
    return f"{start} - {end}"


class ChangeListView(RecordListView):
    permission = svc.VIEW
    title = "Changes"
    query = queries.changes_for
    filterset_class = ChangeFilterSet
    default_sort = "-number"
    create_url_name = "changes:change-create"
    create_permission = svc.COORDINATE
    create_label = "Register a change"
    primary_filters = ("q", "mine", "status", "change_type", "category", "service")
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("title", "Title", sort="title", link=True),
        Column("type", "Type", value=lambda c: c.get_change_type_display(), sort="change_type"),
        Column("service", "Service", value="service.name", sort="service__name"),
        STATUS_COLUMN,
        Column("window", "Window", value=_window, sort="planned_start", classes="nowrap"),
        Column("coordinator", "Coordinator", value="coordinator.display_name", classes="hide-sm"),
    )

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("coordinator")

    def restrict_filters(self, filterset: Any) -> None:
        """The service and the coordinator from select boxes, the CI from a chooser, where
        the API takes their ids."""
        fields = filterset.form.fields
        services = services_for(self.actor).order_by("name").values_list("pk", "name")
        fields["service"].widget = Select(choices=[("", "Any"), *services])
        fields["service"].label = "Service"
        fields["coordinator"].label = "Change coordinator"
        fields["ci"].label = "Touches CI"
        me = self.actor
        people = Person.objects.filter(pk__in=queries.changes_for(me).values("coordinator_id"))
        fields["coordinator"].widget = Select(
            choices=[("", "Any"), (me.pk, f"Me ({me.display_name})")]
            + [(p.pk, p.display_name) for p in people.order_by("last_name") if p.pk != me.pk]
        )
        fields["ci"].widget = LookupInput(
            reverse("configuration:ci-lookup"), self.ci_label, "CI number or name…"
        )

    def ci_label(self, value: Any) -> str:
        pk = parse_id(str(value))
        ci = cis_for(self.actor).filter(pk=pk).first() if pk is not None else None
        return ci_label(ci) if ci is not None else ""


def person(who: Any) -> str | None:
    return who.display_name if who else None


def _section(spec: str) -> Any:
    module, name = spec.split(":")
    return getattr(import_module(module), name)


# The step a change coordinator takes next in each planning state (proc. 2).
_NEXT = {"registered": "start-analysis", "planning": "submit-plan"}


def primary_step(change: Change, panel: dict[str, list[dict[str, Any]]]) -> str | None:
    """The row shown first: the next planning step, else the first primary row offered
    (another topic's: approve, complete a task...)."""
    wanted = _NEXT.get(change.status)
    if change.status == "risk_analysis":
        wanted = "finish-analysis" if change.analysed_at else "analyse"
    entries = [*panel["buttons"], *panel["steps"]]
    if any(e["action"].key == wanted for e in entries):
        return wanted
    return next((e["action"].key for e in entries if e["action"].style == "primary"), None)


class ChangeDetailView(RecordDetailView):
    permission = svc.VIEW
    template_name = "changes/change_detail.html"
    query_one = queries.change_for
    status_field = "status"
    list_url_name = "changes:change-list"
    note_permission = svc.COORDINATE
    accepts_attachments = True

    def get_title(self, obj: Change) -> str:
        return obj.title

    def get_fields(self, obj: Change) -> list[Field]:
        return [
            Field("Type", obj.get_change_type_display()),
            Field("Category", obj.get_category_display()),
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field("Change coordinator", person(obj.coordinator)),
            Field("Requested by", person(obj.requested_by)),
            Field("Template", obj.template.name if obj.template_id else None),
            Field("Implementation window", _window(obj) or None),
            Field("Risk", obj.get_risk_level_display() or None),
            Field(
                "Configuration items",
                ", ".join(f"{ci.number} {ci.name}" for ci in obj.cis.order_by("number")) or None,
            ),
            Field(
                "Linked incident requests",
                ", ".join(i.number for i in obj.incidents.order_by("number")) or None,
            ),
            Field("Description", obj.description, wide=True),
            Field("Implementation plan", obj.plan, wide=True),
            Field("Backout plan", obj.backout_plan, wide=True),
            Field("Production test plan", obj.test_plan, wide=True),
        ]

    def get_actions(self, obj: Change) -> list[Any]:
        edit = []
        if obj.status not in ENDED_CHANGE_STATUSES:
            url = reverse("changes:change-edit", args=[obj.pk])
            edit = [Action("Edit", url, svc.COORDINATE)]
        # The buttons are in the "Next steps" panel; the header links the form pages only.
        pages = [b for b in header_buttons(CHANGE, self.actor, obj) if b.method != "post"]
        return edit + pages

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        change = context["record"]
        panel = CHANGE.panel(
            self.actor,
            change,
            failed=kwargs.get("failed_action", ""),
            form=kwargs.get("failed_form"),
        )
        context["panel"] = panel
        context.update(ranked(panel, primary_step(change, panel)))
        sections = []
        for template, spec in SECTIONS:
            part = _section(spec)(self.request, change)
            context.update(part)
            sections.append(template)
        context["change_sections"] = sections
        return context


class ChangeRegisterView(ServiceFormView):
    """Proc. 1's last step: register a change (from a template and/or task templates)."""

    permission = svc.COORDINATE
    form_class = ChangeRegisterForm
    title = "Register a change"
    submit_label = "Register"
    success_message = "Change registered: start its risk and impact analysis."
    cancel_url = reverse_lazy("changes:change-list")

    def perform(self, form: ChangeRegisterForm) -> Any:
        return svc.change_register(actor=self.actor, **form.service_kwargs())


class ChangeEditView(RecordEditView):
    """Proc. 2: what the change coordinator completes while analysing and planning."""

    permission = svc.COORDINATE
    query_one = queries.change_for
    form_class = ChangeEditForm
    title_format = "Edit {obj.number} {obj.title}"
    success_message = "Change saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return edit_initial(self.get_object())

    def perform(self, form: ChangeEditForm) -> Any:
        return self.update_record(form, svc.change_update, "change_id", data=form.service_data())


urlpatterns = [
    *record_paths(
        "changes",
        "change",
        list=ChangeListView,
        create=ChangeRegisterView,
        detail=ChangeDetailView,
        edit=ChangeEditView,
    ),
    *action_urls(CHANGE, page=ChangeDetailView),
]


YES_NO_TEXT = {True: "Yes", False: "No", None: "Not answered"}


def impact_section(request: Any, change: Change) -> dict[str, Any]:
    """The risk and impact part of the change page's context (views/sections.py): the
    questionnaire's answers, the risk level, the services, SLAs and customers the CMDB says
    the change touches, and whether a service becomes unavailable in its service hours."""
    stored = change.impact or {}
    answers = change.risk_answers or {}
    questions = [
        {"question": question, "answer": YES_NO_TEXT.get(answers.get(key), "Not answered")}
        for key, question in impact_of.QUESTIONS
    ]
    users = dict(impact_of.USERS_AFFECTED).get(answers.get("users_affected"), "Not answered")
    questions.append({"question": impact_of.USERS_AFFECTED_QUESTION, "answer": users})
    hours = stored.get("service_hours") or {}
    return {
        "change_impact": {
            "analysed": change.analysed_at is not None,
            "analysed_at": change.analysed_at,
            "risk": change.get_risk_level_display() or "",
            "risk_level": change.risk_level,
            "points": stored.get("risk_points"),
            "questions": questions,
            "unavailable": YES_NO_TEXT[change.unavailable_in_service_hours],
            "why": _why(change, hours),
            "services": stored.get("services") or [],
            "agreements": stored.get("agreements") or [],
            "customers": stored.get("customers") or [],
            "cis": stored.get("affected_cis") or [],
            "affected_count": stored.get("affected_count", 0),
            "help_requested_at": change.availability_help_requested_at,
            "can_analyse": permissions.has(request.user, svc.COORDINATE, change),
        }
    }


def _why(change: Change, hours: dict[str, Any]) -> str:
    if change.causes_outage is False:
        return "The implementation does not make the service unavailable or degraded."
    if change.causes_outage is None:
        return "Not analysed yet."
    return str(hours.get("why", ""))
