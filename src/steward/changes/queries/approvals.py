"""Reads of change approvals (proc. 3), restricted to the actor.

Staff who see changes (``changes.change.view``) see every approval; anyone else (a
customer representative, a service owner without that right) sees the approvals they
were asked for, and nothing else."""

from importlib import import_module
from typing import Any

from django.db.models import F, QuerySet

from steward.changes.choices import ApprovalDecision, ChangeStatus
from steward.changes.models import Change, ChangeApproval
from steward.changes.queries.changes import VIEW
from steward.core import permissions, queries
from steward.core.models import Person


def approvals_for(actor: Person) -> QuerySet[ChangeApproval]:
    qs = ChangeApproval.objects.select_related(
        "change", "change__service", "approver", "organisation"
    )
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return qs.none()
    if not permissions.is_customer_side(actor) and permissions.has(actor, VIEW):
        return qs
    return qs.filter(approver=actor)


def approval_for(actor: Person, pk: Any) -> ChangeApproval:
    return queries.one(approvals_for(actor), pk, "change approval")


def waiting_for(actor: Person) -> QuerySet[ChangeApproval]:
    """The actor's approvals of current rounds still waiting for their decision."""
    if not getattr(actor, "is_authenticated", False):
        return ChangeApproval.objects.none()
    return (
        ChangeApproval.objects.filter(
            approver=actor,
            decision=ApprovalDecision.PENDING,
            change__status=ChangeStatus.APPROVAL,
            round=F("change__approval_round"),
        )
        .select_related("change", "change__service", "organisation")
        .order_by("change__planned_start", "change__number", "pk")
    )


def rounds_of(change: Change) -> list[dict[str, Any]]:
    """The change's approval rounds, newest first: ``{"round", "approvals", "current"}``."""
    rows = list(
        change.approvals.select_related("approver", "organisation").order_by("-round", "pk")
    )
    rounds: dict[int, list[ChangeApproval]] = {}
    for row in rows:
        rounds.setdefault(row.round, []).append(row)
    return [
        {"round": n, "approvals": approvals, "current": n == change.approval_round}
        for n, approvals in rounds.items()
    ]


def conflicts_of(change: Change) -> list[Any]:
    """The calendar conflicts of ``change`` the change manager must see before collecting
    the approvals (proc. 3). The calendar topic provides them as
    ``steward.changes.queries.calendar.conflicts_for_change(change)``; until it exists,
    none are shown. Each conflict is shown by its ``str()`` (and its ``url`` when it has
    one)."""
    calendar = import_module("steward.changes.queries.calendar")
    finder = getattr(calendar, "conflicts_for_change", None)
    if finder is None:
        return []
    return list(finder(change))
