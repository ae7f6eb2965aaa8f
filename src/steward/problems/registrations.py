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
# The review page, the specialists' hints in "My work" and the incident page's "Problem"
# card (Incident Management's hook: it may not import this later area).
from steward.incidents import hooks as incident_hooks  # noqa: E402
from steward.problems.queries import review as review_queries  # noqa: E402
from steward.problems.views.review import incident_problem_section  # noqa: E402

registry.nav(AREA, "Incident review", "problems:review", COORDINATE, 20)


def _hints(actor: Any) -> list[dict[str, Any]]:
    """Unlinked requests of the actor's services whose resolver informed the problem
    coordinator (ch. 8) in the review's default period."""
    services = review_queries.review_services(actor)
    since = review_queries.since_days(review_queries.DEFAULT_DAYS)
    return [
        {
            "number": i.number,
            "title": i.title,
            "service": i.service.name,
            "informed": i.problem_coordinator_informed_at.strftime("%Y-%m-%d"),
            "url": i.get_absolute_url(),
        }
        for i in review_queries.hints(actor, services, since)[:WORK_LIMIT]
    ]


REVIEW_WORK = [
    WorkList(COORDINATE, "Specialists' hints to review", _hints,
             ("number", "title", "service", "informed"), "problems:review", "#hints",
             "No specialist's hint waits for review."),
]  # fmt: skip


@registry.work_provider
def review_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, REVIEW_WORK)


incident_hooks.record_section("problems/partials/review_incident.html", incident_problem_section)


# --- candidates: problem candidates -------------------------------------------------
# (section owned by the candidates topic)
registry.nav(AREA, "Problem candidates", "problems:candidate-list", "problems.candidate.view", 15)


# --- analysis: root cause analysis (proc. 2) ----------------------------------------
# (section owned by the analysis topic)


# --- known_errors: analysis review and known errors (proc. 3) -----------------------
# (section owned by the known_errors topic)
registry.nav(AREA, "Known errors", "problems:known-error-list", VIEW, 40)


@registry.search_provider
def search_known_errors(actor: Any, text: str) -> list[SearchHit]:
    """Known errors by number, title, root cause and workaround."""
    from steward.problems.queries.known_errors import known_errors_for

    qs = registry.found(actor, text, VIEW, known_errors_for, ["title", "root_cause", "workaround"],
                        exact=["number"], order=("-number", "pk"))  # fmt: skip
    return [
        SearchHit.of("Known errors", k, k.title, f"{k.service.name} · {k.get_status_display()}")
        for k in qs
    ]


# --- closure: problem closure and impasse (proc. 4) ---------------------------------
# (section owned by the closure topic)
from django.utils import timezone  # noqa: E402

from steward.core import permissions  # noqa: E402
from steward.problems.services import closure as _closure  # noqa: E402


def _coordinates(actor: Any, qs: Any) -> list[dict[str, Any]]:
    """Rows of ``qs`` on services the actor coordinates problems for."""
    rows = []
    for problem in qs[: WORK_LIMIT * 4]:
        if permissions.has(actor, COORDINATE, problem):
            rows.append(_row(problem))
        if len(rows) == WORK_LIMIT:
            break
    return rows


def _to_verify(actor: Any) -> list[dict[str, Any]]:
    """Proc. 4: known errors whose changes are implemented, and fixes, to verify."""
    qs = problem_queries.problems_for(actor).filter(_closure.verifiable())
    return _coordinates(actor, qs.order_by("updated_at", "pk"))


def _rechecks(actor: Any) -> list[dict[str, Any]]:
    """Proc. 4: impasses whose re-check date has come."""
    due = _closure.rechecks_due(timezone.localdate()).values("pk")
    qs = problem_queries.problems_for(actor).filter(pk__in=due)
    return _coordinates(actor, qs.order_by("recheck_on", "pk"))


CLOSURE_WORK = [
    WorkList(COORDINATE, "Problems to verify", _to_verify,
             ("number", "title", "status", "service"), "problems:problem-list",
             "?status=known_error", "No problem waits for its verification.", hide_empty=True),
    WorkList(COORDINATE, "Impasses to re-check", _rechecks,
             ("number", "title", "status", "service"), "problems:problem-list",
             "?status=impasse", "No impasse is due for its re-check.", hide_empty=True),
]  # fmt: skip


@registry.work_provider
def closure_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, CLOSURE_WORK)


# --- kpis: reports and KPIs ---------------------------------------------------------
# (section owned by the kpis topic)
registry.nav(AREA, "Problem KPIs", "problems:kpis", "problems.kpi.view", 90)
