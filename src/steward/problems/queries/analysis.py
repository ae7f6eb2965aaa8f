"""Reads for the root cause analysis (seed 003 ch. 9 proc. 1-2): who could analyse a
problem (the most appropriate specialist: skills, availability, access rights) and the
structural solution options of a problem."""

from typing import Any

from django.db.models import Count, QuerySet

from steward.core import permissions
from steward.core.models import SupportGroup, SupportGroupMembership
from steward.incidents.choices import OPEN_STATUSES as OPEN_INCIDENT_STATUSES
from steward.incidents.models import IncidentRequest
from steward.problems.choices import SPECIALIST_STATUSES
from steward.problems.models import ProblemInvestigation, SolutionOption

ANALYSE = "problems.problem.analyse"


def _counts(qs: QuerySet, field: str, people: list[int]) -> dict[int, int]:
    rows = qs.filter(**{f"{field}__in": people}).values_list(field).annotate(n=Count("pk"))
    return dict(rows.values_list(field, "n"))


def specialist_candidates(
    problem: ProblemInvestigation, group: SupportGroup | None
) -> list[dict[str, Any]]:
    """The members of ``group`` who may analyse ``problem`` (access rights), with their
    skills, availability and open load (problems they work on plus open incident
    requests assigned to them): available first, then the least loaded, then by name."""
    if group is None:
        return []
    members = list(
        SupportGroupMembership.objects.filter(group=group, person__is_active=True)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    permissions.preload(m.person for m in members)  # one query, not one per member
    memberships = [m for m in members if permissions.has(m.person, ANALYSE, problem)]
    people = [m.person_id for m in memberships]
    problems = _counts(
        ProblemInvestigation.objects.filter(status__in=SPECIALIST_STATUSES), "specialist_id", people
    )
    incidents = _counts(
        IncidentRequest.objects.filter(status__in=OPEN_INCIDENT_STATUSES), "assignee_id", people
    )
    rows = [
        {
            "person": m.person,
            "skills": m.skills,
            "available": m.is_available,
            "problems": problems.get(m.person_id, 0),
            "incidents": incidents.get(m.person_id, 0),
            "load": problems.get(m.person_id, 0) + incidents.get(m.person_id, 0),
            "current": m.person_id == problem.specialist_id,
        }
        for m in memberships
    ]
    rows.sort(key=lambda r: (not r["available"], r["load"]))
    return rows


def options_of(problem: ProblemInvestigation) -> QuerySet[SolutionOption]:
    return problem.solution_options.select_related("created_by").order_by("position", "pk")
