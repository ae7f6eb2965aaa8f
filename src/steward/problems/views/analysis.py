"""Pages of the root cause analysis (seed 003 ch. 9 proc. 2): the record page's
"Analysis" card (workaround, root cause, structural solutions, outcome) and, for the
problem coordinator choosing the specialist (proc. 1), the members of a group who may
analyse the problem with their skills, availability and open load (an htmx partial)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views import View

from steward.core import permissions
from steward.core import queries as core_queries
from steward.core.ids import parse_id
from steward.core.models import SupportGroup
from steward.core.views.patterns.base import StewardPageMixin
from steward.problems.choices import ProblemStatus
from steward.problems.models import ProblemInvestigation
from steward.problems.queries import analysis as analysis_queries
from steward.problems.queries import problems as queries
from steward.problems.services import analysis as svc
from steward.problems.services.problems import COORDINATE

S = ProblemStatus
CHOOSING = (S.REGISTERED, S.ASSIGNED, S.ROOT_CAUSE_ANALYSIS)
# Before the analysis starts there is nothing to show unless something is recorded.
NOT_STARTED = (S.REGISTERED, S.ASSIGNED)


def _has_analysis(problem: ProblemInvestigation, options: list[Any]) -> bool:
    return bool(
        problem.status not in NOT_STARTED
        or problem.workaround
        or problem.root_cause
        or options
        or problem.analysis_outcome
    )


def analysis_section(request: HttpRequest, problem: ProblemInvestigation) -> dict[str, Any]:
    """The "Analysis" card (proc. 2) and the specialist chooser (proc. 1)."""
    actor = request.user
    options = list(analysis_queries.options_of(problem))
    may_record = (
        problem.status == S.ROOT_CAUSE_ANALYSIS
        and svc.is_specialist(actor, problem)
        and permissions.has(actor, svc.ANALYSE, problem)
    )
    choosing = problem.status in CHOOSING and permissions.has(actor, COORDINATE, problem)
    return {
        "analysis_shown": _has_analysis(problem, options),
        "analysis_options": options,
        "analysis_may_record": may_record,
        "analysis_choosing": choosing,
        "analysis_groups": SupportGroup.objects.filter(is_active=True).order_by("name")
        if choosing
        else [],
        "analysis_candidates": analysis_queries.specialist_candidates(
            problem, problem.support_group
        )
        if choosing
        else [],
    }


class SpecialistCandidatesView(StewardPageMixin, View):
    """htmx: the members of a group who may analyse the problem, with their skills,
    availability and open load, available and least loaded first (proc. 1)."""

    permission = COORDINATE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        problem = queries.problem_for(self.actor, pk)
        permissions.require(self.actor, COORDINATE, problem)
        wanted = parse_id(request.GET.get("support_group"))
        group = core_queries.group_for(self.actor, wanted) if wanted is not None else None
        return render(
            request,
            "problems/partials/analysis_specialists.html",
            {"analysis_candidates": analysis_queries.specialist_candidates(problem, group),
             "analysis_group": group},
        )  # fmt: skip


urlpatterns = [
    path(
        "problems/<int:pk>/specialists/",
        SpecialistCandidatesView.as_view(),
        name="problem-specialists",
    ),
]
