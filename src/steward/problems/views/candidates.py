"""Pages: problem candidates (proc. 1, issue 15): the ranked list of clusters of similar
recent incident requests and a cluster's page with its incidents and the register and
dismiss steps of ``actions.CANDIDATE``."""

from typing import Any

from steward.configuration.views import record_paths
from steward.core.actions import ranked
from steward.core.views.patterns import (
    Column,
    Field,
    RecordDetailView,
    RecordListView,
    action_urls,
    header_buttons,
)
from steward.problems.actions import CANDIDATE
from steward.problems.choices import CandidateStatus
from steward.problems.filters.candidates import CandidateFilterSet
from steward.problems.models import ProblemCandidate
from steward.problems.queries import candidates as queries


def _day(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _concerns(c: ProblemCandidate) -> str:
    parts = [c.category.name if c.category_id else "", c.ci.name if c.ci_id else ""]
    return " · ".join(p for p in parts if p)


class CandidateListView(RecordListView):
    permission = queries.VIEW
    title = "Problem candidates"
    query = queries.candidates_for
    filterset_class = CandidateFilterSet
    default_sort = "-score"
    primary_filters = ("q", "status", "service")
    columns = (
        Column("label", "Shared words", sort="label", link=True),
        Column("size", "Incidents", sort="size", classes="num"),
        Column("impact", "Impact", value=lambda c: f"{c.impact:g}", sort="impact", classes="num"),
        Column("service", "Service", value="service.name", sort="service__name"),
        Column("concerns", "Category / CI", value=_concerns, classes="hide-sm"),
        Column("first", "First seen", value=lambda c: _day(c.first_seen), sort="first_seen",
               classes="nowrap hide-sm"),
        Column("last", "Last seen", value=lambda c: _day(c.last_seen), sort="last_seen",
               classes="nowrap"),
        Column("status", "Status", value=lambda c: c.get_status_display(), sort="status"),
    )  # fmt: skip

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if not self.request.GET.get("status"):
            qs = qs.filter(status=CandidateStatus.OPEN)
        return qs


class CandidateDetailView(RecordDetailView):
    permission = queries.VIEW
    template_name = "problems/candidate_detail.html"
    query_one = queries.candidate_for
    status_field = "status"
    list_url_name = "problems:candidate-list"

    def get_title(self, obj: ProblemCandidate) -> str:
        return obj.label

    def get_fields(self, obj: ProblemCandidate) -> list[Field]:
        problem = obj.problem
        return [
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field("Incident requests", str(obj.size)),
            Field("Impact", f"{obj.impact:g}"),
            Field("Cohesion", f"{obj.cohesion:.2f}"),
            Field("Category", obj.category.name if obj.category_id else None),
            Field("Configuration item", f"{obj.ci.number} {obj.ci.name}" if obj.ci_id else None),
            Field("First seen", _day(obj.first_seen)),
            Field("Last seen", _day(obj.last_seen)),
            Field("Problem", str(problem) if problem else None,
                  url=problem.get_absolute_url() if problem else None),
            Field("Dismissed because", obj.dismissal_reason or None, wide=True),
        ]  # fmt: skip

    def get_actions(self, obj: ProblemCandidate) -> list[Any]:
        return [b for b in header_buttons(CANDIDATE, self.actor, obj) if b.method != "post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        candidate = context["record"]
        panel = CANDIDATE.panel(
            self.actor, candidate, failed=kwargs.get("failed_action", ""),
            form=kwargs.get("failed_form"),
        )  # fmt: skip
        context["panel"] = panel
        context.update(ranked(panel, "register"))
        context["candidate_incidents"] = list(
            candidate.incidents.select_related("problem_link__problem").order_by("-created_at")
        )
        return context


urlpatterns = [
    *record_paths(
        "problem-candidates", "candidate", list=CandidateListView, detail=CandidateDetailView
    ),
    *action_urls(CANDIDATE, page=CandidateDetailView),
]
