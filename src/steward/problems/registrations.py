"""Problem Management in the shell: navigation, global search, "My work" and what the
area adds to Incident Management's pages (``incidents.hooks``).

One module for everything the area plugs into the shell (core.registry); imported by
ProblemsConfig.ready()."""

from typing import Any

from steward.core import registry
from steward.core.registry import SearchHit, WorkList, WorkSection
from steward.problems.choices import OPEN_PROBLEM_STATUSES, SPECIALIST_STATUSES
from steward.problems.queries import problems as problem_queries

AREA = "Problems"
VIEW = "problems.problem.view"
COORDINATE = "problems.problem.coordinate"
ANALYSE = "problems.problem.analyse"
WORK_LIMIT = 50  # rows per "My work" section of this area


# --- problems: registration, linking, assignment (proc. 1) ----------
# (section owned by the problems topic: the foundation)
registry.nav(AREA, "Problems", "problems:problem-list", VIEW, 10)


@registry.search_provider
def search_problems(actor: Any, text: str) -> list[SearchHit]:
    """Problem investigations by number, title and root cause."""
    query, order = problem_queries.problems_for, ("-number", "pk")
    qs = registry.found(actor, text, VIEW, query, ["title", "root_cause"], exact=["number"],
                        order=order)  # fmt: skip
    return [
        SearchHit.of("Problems", p, p.title, f"{p.service.name} · {p.get_status_display()}")
        for p in qs
    ]


def _row(p: Any) -> dict[str, Any]:
    return {
        "number": p.number,
        "title": p.title,
        "status": p.get_status_display(),
        "service": p.service.name,
        "url": p.get_absolute_url(),
    }


def _assigned(actor: Any) -> list[dict[str, Any]]:
    qs = problem_queries.problems_for(actor).filter(
        specialist_id=actor.pk, status__in=SPECIALIST_STATUSES
    )
    return [_row(p) for p in qs.order_by("assigned_at", "pk")[:WORK_LIMIT]]


def _coordinated(actor: Any) -> list[dict[str, Any]]:
    qs = problem_queries.problems_for(actor).filter(
        coordinator_id=actor.pk, status__in=OPEN_PROBLEM_STATUSES
    )
    return [_row(p) for p in qs.order_by("number")[:WORK_LIMIT]]


PROBLEM_WORK = [
    WorkList(ANALYSE, "Problems assigned to me", _assigned,
             ("number", "title", "status", "service"), "problems:problem-list",
             "?mine=assigned", "No problem investigation is assigned to you."),
    WorkList(COORDINATE, "Problems I coordinate", _coordinated,
             ("number", "title", "status", "service"), "problems:problem-list",
             "?mine=coordinated", "You coordinate no open problem."),
]  # fmt: skip


@registry.work_provider
def problem_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, PROBLEM_WORK)


# --- review: incident request review (proc. 1) -------------------------------------
# (section owned by the review topic)


# --- candidates: problem candidates -------------------------------------------------
# (section owned by the candidates topic)
registry.nav(AREA, "Problem candidates", "problems:candidate-list", "problems.candidate.view", 15)


# --- analysis: root cause analysis (proc. 2) ----------------------------------------
# (section owned by the analysis topic)


# --- known_errors: analysis review and known errors (proc. 3) -----------------------
# (section owned by the known_errors topic)


# --- closure: problem closure and impasse (proc. 4) ---------------------------------
# (section owned by the closure topic)


# --- kpis: reports and KPIs ---------------------------------------------------------
# (section owned by the kpis topic)
