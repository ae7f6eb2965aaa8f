"""Change Approval (proc. 3) when two people act at once (PostgreSQL: real row locks, one
connection per thread). Each write locks the change row: the first wins, the second finds
the state the first left and gets a conflict (409); nothing is lost. The sequential
stale-state cases are in test_approvals.py (they run on SQLite too)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from steward.changes.choices import ApprovalDecision, ChangeStatus
from steward.changes.models import Change
from steward.changes.services import approvals as svc
from steward.changes.tests import test_approvals as flow
from steward.core.errors import DomainError
from steward.core.tests.factories import make_person

cast = flow.cast  # the people of procedure 3 (a fixture)


def race(*calls: Callable[[], Any], hold: Callable[[], None] | None = None) -> list[Any]:
    """Run ``calls`` at the same moment, each in its own thread and connection; their
    results or the exceptions they raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[n] = calls[n]()
        except Exception as exc:  # the assertions read it
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def slow_rule(monkeypatch):
    """The approver rule takes a moment, so the other writer really waits on the lock."""
    rule = svc.approvers_for

    def slow(change: Change) -> list[svc.Approver]:
        threading.Event().wait(0.05)
        return rule(change)

    monkeypatch.setattr(svc, "approvers_for", slow)


def outcomes(results: list[Any]) -> list[str]:
    return sorted("conflict" if isinstance(r, DomainError) else type(r).__name__ for r in results)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_change_managers_at_once_one_wins(
    make_change, change_coordinator, cast, provider, slow_rule
):
    other = make_person("change_manager", organisation=provider, username="mgr2")
    change = flow.to_approval(make_change(), change_coordinator, functionality_changes=True)
    results = race(
        lambda: svc.change_manager_review(
            actor=cast["manager"], change_id=change.pk, review="collect"
        ),
        lambda: svc.change_manager_review(
            actor=other, change_id=change.pk, review="adjust_plan", note="Move the window."
        ),
    )
    assert outcomes(results) == ["Change", "conflict"]
    change.refresh_from_db()
    if change.status == ChangeStatus.APPROVAL:  # the collection won: its round is whole
        assert change.approval_round == 1
        assert change.approvals.filter(round=1).count() == 2
    else:  # the adjustment won: no round was started
        assert change.status == ChangeStatus.PLANNING
        assert change.approval_round == 0 and not change.approvals.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_managers_collecting_at_once_start_one_round(
    make_change, change_coordinator, cast, provider, slow_rule
):
    other = make_person("change_manager", organisation=provider, username="mgr2")
    change = flow.to_approval(make_change(), change_coordinator, functionality_changes=True)
    results = race(
        *(
            (lambda who=who: svc.change_manager_review(
                actor=who, change_id=change.pk, review="collect"))
            for who in (cast["manager"], other)
        )
    )  # fmt: skip
    assert outcomes(results) == ["Change", "conflict"]
    change.refresh_from_db()
    assert change.approval_round == 1
    assert change.approvals.count() == 2  # one per representative, never four


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_approvers_rejecting_at_once_one_decides(make_change, change_coordinator, cast):
    change = flow.to_approval(make_change(), change_coordinator, functionality_changes=True)
    svc.change_manager_review(actor=cast["manager"], change_id=change.pk, review="collect")
    results = race(
        lambda: svc.change_reject(
            actor=cast["acme"], change_id=change.pk, reason="plan", note="Not in March."
        ),
        lambda: svc.change_reject(
            actor=cast["globex"], change_id=change.pk, reason="other", note="Never."
        ),
    )
    assert outcomes(results) == ["Change", "conflict"]
    change.refresh_from_db()
    decisions = sorted(change.approvals.values_list("decision", flat=True))
    assert decisions == [ApprovalDecision.REJECTED, ApprovalDecision.WITHDRAWN]
    winner = change.approvals.get(decision=ApprovalDecision.REJECTED)
    expected = ChangeStatus.PLANNING if winner.reason == "plan" else ChangeStatus.REJECTED
    assert change.status == expected


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_approval_counts_once(make_change, change_coordinator, cast):
    change = flow.to_approval(make_change(), change_coordinator, functionality_changes=True)
    svc.change_manager_review(actor=cast["manager"], change_id=change.pk, review="collect")
    results = race(
        *((lambda: svc.change_approve(actor=cast["acme"], change_id=change.pk)) for _ in "ab")
    )
    assert outcomes(results) == ["Change", "conflict"]
    assert "already approved" in str(next(r for r in results if isinstance(r, DomainError)))
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVAL  # Globex has not decided yet
    assert change.approvals.filter(decision=ApprovalDecision.APPROVED).count() == 1
