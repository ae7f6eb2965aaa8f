"""Reads of solutions (seed 003 ch. 8 procedures 4, 6, 7), restricted to the actor.

Provider people holding ``incidents.solution.view`` see every solution, proposed and
rejected ones included (they propose and review them); customer-side people see only
active solutions, the ones approved for general use.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from steward.core import permissions
from steward.core.models import Person, SupportGroup
from steward.core.queries import one, permitted
from steward.incidents.choices import SolutionStatus
from steward.incidents.models import Category, Deflection, Solution, SolutionUse

VIEW = "incidents.solution.view"
APPROVE = "incidents.solution.approve"


def solutions_for(actor: Person) -> QuerySet[Solution]:
    qs = Solution.objects.select_related(
        "service", "ci_class", "category", "support_group", "proposed_by", "decided_by"
    )
    return permitted(actor, VIEW, qs, lambda qs: qs.filter(status=SolutionStatus.ACTIVE))


def solution_for(actor: Person, pk: Any) -> Solution:
    return one(solutions_for(actor), pk, "solution")


def approvable_condition(actor: Person) -> Q | None:
    """Which solutions the actor approves as group coordinator (procedure 7): all of them
    for a role held everywhere, else those of the groups the role is limited to; None when
    the actor approves none."""
    everywhere, scoped = permissions.scopes_for(actor, APPROVE)
    if everywhere:
        return Q()
    group_ct = ContentType.objects.get_for_model(SupportGroup, for_concrete_model=True)
    groups = scoped.get(group_ct.id, set())
    return Q(support_group_id__in=groups) if groups else None


def awaiting_my_approval(actor: Person) -> QuerySet[Solution]:
    """Proposed solutions waiting for the actor's decision, oldest first."""
    condition = approvable_condition(actor)
    if condition is None:
        return Solution.objects.none()
    return (
        solutions_for(actor)
        .filter(condition, status=SolutionStatus.PROPOSED)
        .order_by("created_at", "pk")
    )


def may_approve(actor: Person, solution: Solution) -> bool:
    """The group coordinator of the solution's group (or one holding the role everywhere)."""
    return permissions.has(actor, APPROVE, solution.support_group or solution)


def uses_of(actor: Person, solution: Solution) -> QuerySet[SolutionUse]:
    """The recorded uses of ``solution`` on requests the actor may see."""
    from steward.incidents.queries.incidents import incidents_for

    return (
        SolutionUse.objects.filter(
            solution=solution, incident__in=incidents_for(actor).values("pk")
        )
        .select_related("incident", "used_by")
        .order_by("-used_at", "-pk")
    )


def solution_categories_for(actor: Person) -> QuerySet[Category]:
    """The categories a solution may be filed under (those in use)."""
    return permitted(actor, VIEW, Category.objects.filter(is_active=True).select_related("parent"))


def deflection_count(solution: Solution) -> int:
    """How often "This solved it" ended a request with this solution (issue 13)."""
    return Deflection.objects.filter(solution_id=solution.pk).count()
