"""Pages: Business Justification (seed 003 ch. 10 proc. 3): the business case list, a
case's page with the steps of ``actions.BUSINESS_CASE`` (request approval, approve,
reject, adjust, abandon), the edit page of a draft, and the release page's "Business
justification" section (the decision, the figures, every round with its decision)."""

from typing import Any

from django.urls import reverse

from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.actions import ranked
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    action_urls,
    header_buttons,
)
from steward.core.views.patterns.selects import Select
from steward.releases.actions import BUSINESS_CASE
from steward.releases.choices import BusinessCaseStatus, Justification, ReleaseStatus
from steward.releases.filters.justification import BusinessCaseFilterSet
from steward.releases.forms.justification import (
    BusinessCaseEditForm,
    case_initial,
    decision_preview,
)
from steward.releases.models import BusinessCase, Release
from steward.releases.queries import justification as queries
from steward.releases.services import justification as svc
from steward.releases.services.releases import COORDINATE, VIEW
from steward.service_level.queries import services_for

TONES.update({"draft": "grey", "submitted": "amber", "approved": "green", "rejected": "red"})


def _money(value: Any) -> str:
    return f"{value:,.2f}" if value is not None else "—"


def _when(value: Any) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M") if value else None


class BusinessCaseListView(RecordListView):
    permission = VIEW
    title = "Business cases"
    query = queries.business_cases_for
    filterset_class = BusinessCaseFilterSet
    default_sort = "-number"
    primary_filters = ("q", "show", "mine", "status", "service")
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("release", "Release", value=lambda c: f"{c.release.number} {c.release.title}",
               sort="release__number"),
        Column("service", "Service", value="release.service.name",
               sort="release__service__name"),
        Column("round", "Round", sort="round", classes="num"),
        STATUS_COLUMN,
        Column("requested", "Budget requested", value=lambda c: _money(c.budget_requested),
               sort="budget_requested", classes="num"),
        Column("submitted", "Submitted", value=lambda c: _when(c.submitted_at) or "",
               sort="submitted_at", classes="nowrap hide-sm"),
    )  # fmt: skip

    def restrict_filters(self, filterset: Any) -> None:
        fields = filterset.form.fields
        services = services_for(self.actor).order_by("name").values_list("pk", "name")
        fields["service"].widget = Select(choices=[("", "Any"), *services])
        fields["service"].label = "Service"
        fields.pop("release", None)


class BusinessCaseDetailView(RecordDetailView):
    permission = VIEW
    template_name = "releases/justification_case_detail.html"
    query_one = queries.business_case_for
    status_field = "status"
    kind_label = "Business case"
    list_url_name = "releases:business-case-list"
    note_permission = VIEW
    accepts_attachments = True

    def get_title(self, obj: BusinessCase) -> str:
        return f"{obj.release.title}, round {obj.round}"

    def get_fields(self, obj: BusinessCase) -> list[Field]:
        release = obj.release
        return [
            Field("Release", f"{release.number} {release.title}",
                  url=release.get_absolute_url()),
            Field("Service", release.service.name, url=release.service.get_absolute_url()),
            Field("Release status", release.get_status_display()),
            Field("Round", str(obj.round)),
            Field("Costs", _money(obj.costs)),
            Field("Budget requested", _money(obj.budget_requested)),
            Field("Budget reference", obj.budget_reference or None),
            Field("Release's estimated cost", _money(release.estimated_cost)),
            Field("Service owner's available budget", _money(release.available_budget)),
            Field("Submitted", _when(obj.submitted_at)),
            Field("Decided by", obj.decided_by.display_name if obj.decided_by_id else None),
            Field("Decided", _when(obj.decided_at)),
            Field("Benefits", obj.benefits, wide=True),
            Field("Decision note", obj.decision_note or None, wide=True),
        ]  # fmt: skip

    def get_actions(self, obj: BusinessCase) -> list[Any]:
        edit = []
        if obj.status == BusinessCaseStatus.DRAFT:
            url = reverse("releases:business-case-edit", args=[obj.pk])
            edit = [Action("Edit", url, COORDINATE)]
        return edit + [b for b in header_buttons(BUSINESS_CASE, self.actor, obj)
                       if b.method != "post"]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = context["record"]
        panel = BUSINESS_CASE.panel(
            self.actor, case, failed=kwargs.get("failed_action", ""),
            form=kwargs.get("failed_form"),
        )  # fmt: skip
        context["panel"] = panel
        entries = [*panel["buttons"], *panel["steps"]]
        primary = next((e["action"].key for e in entries if e["action"].style == "primary"), None)
        context.update(ranked(panel, primary))
        context["case_rounds"] = queries.rounds(case.release)
        return context


class BusinessCaseEditView(RecordEditView):
    permission = COORDINATE
    query_one = queries.business_case_for
    form_class = BusinessCaseEditForm
    title_format = "Edit {obj.number}, round {obj.round}"
    success_message = "Business case saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return case_initial(self.get_object())

    def perform(self, form: BusinessCaseEditForm) -> Any:
        return self.update_record(form, svc.business_case_update, "case_id",
                                  data=form.service_data())  # fmt: skip


def justification_section(request: Any, release: Release) -> dict[str, Any]:
    """Proc. 3 on the release page: the decision, the figures, each round's decision."""
    shown = not release.is_backlog
    rounds = queries.rounds(release) if shown else []
    return {
        "justification_shown": shown,
        "justification_rounds": rounds,
        "justification_preview": decision_preview(release)
        if release.status == ReleaseStatus.REGISTERED
        else "",
        "justification_decided": release.justification != Justification.PENDING,
        "justification_may_approve": any(
            c.status == BusinessCaseStatus.SUBMITTED and svc.may_decide(request.user, c)
            for c in rounds
        )
        and permissions.has(request.user, svc.APPROVE),
    }


urlpatterns = [
    *record_paths(
        "business-cases",
        "business-case",
        list=BusinessCaseListView,
        detail=BusinessCaseDetailView,
        edit=BusinessCaseEditView,
    ),
    *action_urls(BUSINESS_CASE, page=BusinessCaseDetailView),
]
