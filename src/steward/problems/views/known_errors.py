"""Pages: known errors (seed 003 ch. 9 proc. 3): the list, the record page (root cause,
workaround, solution, the problem, the request for change and its change) and the
workaround edit; and the problem page's "Analysis review" section."""

from typing import Any

from django.urls import reverse

from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
)
from steward.core.views.patterns.selects import Select
from steward.problems.choices import OPEN_KNOWN_ERROR_STATUSES, ProblemStatus, ReviewDecision
from steward.problems.filters.known_errors import KnownErrorFilterSet
from steward.problems.forms.known_errors import KnownErrorEditForm, known_error_initial
from steward.problems.models import KnownError, ProblemInvestigation
from steward.problems.queries import known_errors as queries
from steward.problems.services import known_errors as svc
from steward.problems.services.problems import COORDINATE, VIEW
from steward.service_level.queries import services_for

TONES.setdefault("change_requested", "amber")


def _linked(record: Any) -> tuple[str | None, str]:
    if record is None:
        return None, ""
    return f"{record.number} · {record.get_status_display()}", record.get_absolute_url()


class KnownErrorListView(RecordListView):
    permission = VIEW
    title = "Known errors"
    query = queries.known_errors_for
    filterset_class = KnownErrorFilterSet
    default_sort = "-number"
    primary_filters = ("q", "show", "status", "service")
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("title", "Title", sort="title", link=True),
        Column("service", "Service", value="service.name", sort="service__name"),
        STATUS_COLUMN,
        Column("problem", "Problem", value="problem.number", classes="nowrap"),
        Column(
            "rfc",
            "Request for change",
            value=lambda k: k.rfc.number if k.rfc_id else "",
            classes="nowrap hide-sm",
        ),
        Column(
            "created",
            "Raised",
            value=lambda k: k.created_at.strftime("%Y-%m-%d"),
            sort="created_at",
            classes="nowrap hide-sm",
        ),
    )

    def restrict_filters(self, filterset: Any) -> None:
        fields = filterset.form.fields
        services = services_for(self.actor).order_by("name").values_list("pk", "name")
        fields["service"].widget = Select(choices=[("", "Any"), *services])
        fields["service"].label = "Service"
        fields.pop("problem", None)


class KnownErrorDetailView(RecordDetailView):
    permission = VIEW
    query_one = queries.known_error_for
    status_field = "status"
    kind_label = "Known error"
    list_url_name = "problems:known-error-list"
    note_permission = VIEW

    def get_title(self, obj: KnownError) -> str:
        return obj.title

    def get_fields(self, obj: KnownError) -> list[Field]:
        rfc_text, rfc_url = _linked(obj.rfc)
        change_text, change_url = _linked(obj.change)
        solution = obj.workaround_solution
        return [
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field(
                "Problem",
                f"{obj.problem.number} {obj.problem.title}",
                url=obj.problem.get_absolute_url(),
            ),
            Field("Category", obj.category.name if obj.category_id else None),
            Field("Request for change", rfc_text, url=rfc_url),
            Field("Change", change_text, url=change_url),
            Field(
                "Known workaround",
                f"{solution.number} · {solution.get_status_display()} · used "
                f"{solution.use_count} times"
                if solution
                else None,
                url=solution.get_absolute_url() if solution else "",
            ),
            Field("Root cause", obj.root_cause, wide=True),
            Field("Workaround", obj.workaround, wide=True),
            Field("How to apply the workaround", obj.workaround_steps, wide=True),
            Field("Recommended structural solution", obj.solution, wide=True),
        ]

    def get_actions(self, obj: KnownError) -> list[Any]:
        if obj.status not in OPEN_KNOWN_ERROR_STATUSES:
            return []
        url = reverse("problems:known-error-edit", args=[obj.pk])
        return [Action("Edit the workaround", url, COORDINATE)]


class KnownErrorEditView(RecordEditView):
    permission = COORDINATE
    query_one = queries.known_error_for
    form_class = KnownErrorEditForm
    title_format = "Workaround of {obj.number} {obj.title}"
    success_message = "Workaround saved: registration offers it as it now reads."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return known_error_initial(self.get_object())

    def perform(self, form: KnownErrorEditForm) -> Any:
        return self.update_record(form, svc.known_error_update, "known_error_id",
                                  data=form.service_data())  # fmt: skip


def review_section(request: Any, problem: ProblemInvestigation) -> dict[str, Any]:
    """Proc. 3: what the coordinator's review decided, and the known errors raised."""
    answers = [
        (text, getattr(problem, name))
        for name, text in svc.QUESTIONS.items()
        if getattr(problem, name) is not None
    ]
    return {
        "review_shown": bool(problem.review_decision)
        or problem.status == ProblemStatus.ANALYSIS_REVIEW,
        "review_answers": answers,
        "review_to_closure": problem.status == ProblemStatus.ANALYSIS_REVIEW
        and problem.review_decision in (ReviewDecision.CLOSURE, ReviewDecision.IMPASSE_CANDIDATE),
        "review_may": permissions.has(request.user, COORDINATE, problem),
        "review_known_errors": list(
            problem.known_errors.select_related("rfc", "rfc__change").order_by("-pk")
        ),
    }


urlpatterns = [
    *record_paths(
        "known-errors",
        "known-error",
        list=KnownErrorListView,
        detail=KnownErrorDetailView,
        edit=KnownErrorEditView,
    ),
]
