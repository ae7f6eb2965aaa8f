"""Proc. 4 and 5 through the services: the first tasks of each category in order, the
dependencies, the release administrators' transfers, customer testing that fails and the
additional tasks after it, a moved production transfer asking for approval again, and
who may work a task."""

import itertools
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steward.changes import rules
from steward.changes.choices import ChangeStatus, TaskKind, TaskStatus
from steward.changes.services import tasks as svc
from steward.changes.tests.tasks_flow import (
    complete_open,
    kinds,
    statuses,
    task,
    to_implementation,
    told,
)
from steward.core.errors import DomainError
from steward.core.tests.factories import SupportGroupFactory, group_member

K, T, C = TaskKind, TaskStatus, ChangeStatus


@pytest.fixture
def planned(make_change, change_coordinator, server_group):
    """A change with one task of the server team added while registered (its group is
    the group of the change's other tasks)."""

    def make(category="infrastructure", **fields):
        change = make_change(category=category, **fields)
        first = K.PREPARATION if category == "infrastructure" else K.DEVELOP
        svc.task_add(
            actor=change_coordinator,
            change_id=change.pk,
            title="Prepare",
            kind=first,
            support_group_id=server_group.pk,
        )
        return change

    return make


@pytest.mark.parametrize("category", ["infrastructure", "application"])
def test_implementation_starts_with_the_first_tasks_of_its_category_in_order(
    planned, change_coordinator, category
):
    """Proc. 4: preparation, then the implementation; proc. 5: develop, test, transfer to
    test, customer testing, operational readiness, transfer to production."""
    change = to_implementation(planned(category), change_coordinator)
    assert kinds(change) == list(rules.first_tasks(category))
    tasks = list(change.tasks.order_by("position"))
    assert [t.status for t in tasks] == [T.OPEN] + [T.WAITING] * (len(tasks) - 1)
    for before, after in itertools.pairwise(tasks):
        assert list(after.depends_on.all()) == [before]


def test_starting_twice_adds_nothing(planned, change_coordinator):
    change = to_implementation(planned(), change_coordinator)
    assert svc.change_start_implementation(change, actor=change_coordinator) == []
    assert change.tasks.count() == 2


def test_only_a_change_in_implementation_starts(make_change):
    with pytest.raises(DomainError):
        svc.change_start_implementation(make_change())


def test_infrastructure_change_preparation_then_implementation_then_production_test(
    planned, change_coordinator, specialist
):
    change = to_implementation(planned(), change_coordinator)
    assert told(specialist, "change_task.open")
    svc.task_complete(actor=specialist, task_id=task(change, K.PREPARATION).pk, result="Ready")
    assert statuses(change)[K.IMPLEMENTATION] == T.OPEN
    svc.task_complete(actor=specialist, task_id=task(change, K.IMPLEMENTATION).pk, result="")
    change.refresh_from_db()
    assert change.status == C.PRODUCTION_TEST
    assert change.actual_start and change.actual_end
    assert task(change, K.PRODUCTION_TEST).status == T.OPEN


def test_application_change_transfers_go_to_release_administrators_and_customers_test(
    planned, change_coordinator, specialist, release_administrator, representative, sla
):
    change = to_implementation(planned("application"), change_coordinator)
    complete_open(change, specialist, until=K.TRANSFER_TO_TEST)
    transfer = task(change, K.TRANSFER_TO_TEST)
    assert transfer.status == T.OPEN and transfer.support_group is None
    assert told(release_administrator, "change_task.open")
    assert svc.may_work(release_administrator, transfer)
    svc.task_complete(actor=release_administrator, task_id=transfer.pk, result="In test")
    assert statuses(change)[K.CUSTOMER_TEST] == T.OPEN
    assert told(representative, "change.customer_test")
    svc.task_complete(
        actor=change_coordinator, task_id=task(change, K.CUSTOMER_TEST).pk, result="Passed"
    )
    complete_open(change, specialist, until=K.TRANSFER_TO_PRODUCTION)
    svc.task_complete(
        actor=release_administrator, task_id=task(change, K.TRANSFER_TO_PRODUCTION).pk
    )
    change.refresh_from_db()
    assert change.status == C.PRODUCTION_TEST


def test_a_task_opens_only_when_all_it_depends_on_are_done(
    planned, change_coordinator, specialist, server_group
):
    change = planned()
    prep = task(change, K.PREPARATION)
    other = svc.task_add(
        actor=change_coordinator, change_id=change.pk, title="Order disks",
        kind=K.PREPARATION, support_group_id=server_group.pk,
    )  # fmt: skip
    both = svc.task_add(
        actor=change_coordinator, change_id=change.pk, title="Install disks",
        kind=K.IMPLEMENTATION, support_group_id=server_group.pk,
        depends_on=[prep.pk, other.pk],
    )  # fmt: skip
    change = to_implementation(change, change_coordinator)
    assert {prep.pk, other.pk} == set(
        change.tasks.filter(status=T.OPEN).values_list("pk", flat=True)
    )
    svc.task_complete(actor=specialist, task_id=prep.pk)
    both.refresh_from_db()
    assert both.status == T.WAITING
    svc.task_complete(actor=specialist, task_id=other.pk)
    both.refresh_from_db()
    assert both.status == T.OPEN


def test_a_waiting_task_cannot_be_completed(planned, change_coordinator, specialist):
    change = to_implementation(planned(), change_coordinator)
    with pytest.raises(DomainError, match="waits"):
        svc.task_complete(actor=specialist, task_id=task(change, K.IMPLEMENTATION).pk)


def _failed_customer_test(planned, coordinator, specialist, release_admin):
    change = planned("application")
    change.planned_end = timezone.now() + timedelta(days=10)
    change.save(update_fields=["planned_end"])
    change = to_implementation(change, coordinator)
    production = task(change, K.TRANSFER_TO_PRODUCTION)
    production.planned_start = timezone.now() + timedelta(days=5)
    production.planned_end = production.planned_start + timedelta(hours=2)
    production.save(update_fields=["planned_start", "planned_end"])
    complete_open(change, specialist, until=K.TRANSFER_TO_TEST)
    svc.task_complete(actor=release_admin, task_id=task(change, K.TRANSFER_TO_TEST).pk)
    svc.task_fail(actor=coordinator, task_id=task(change, K.CUSTOMER_TEST).pk, result="Dates wrong")
    return change


def test_failed_customer_testing_waits_for_the_coordinators_additional_tasks(
    planned, change_coordinator, specialist, release_administrator, server_group
):
    """Proc. 5: the coordinator creates and assigns additional tasks so the release can be
    corrected; readiness and the transfer wait for them."""
    change = _failed_customer_test(planned, change_coordinator, specialist, release_administrator)
    assert told(change_coordinator, "change_task.failed")
    assert statuses(change)[K.READINESS] == T.WAITING
    fix = svc.task_add(
        actor=change_coordinator, change_id=change.pk, title="Fix the dates",
        kind=K.ADDITIONAL, support_group_id=server_group.pk, assignee_id=specialist.pk,
    )  # fmt: skip
    fix.refresh_from_db()
    assert fix.status == T.OPEN
    assert told(specialist, "change_task.assigned")
    production = task(change, K.TRANSFER_TO_PRODUCTION)
    assert fix in production.depends_on.all()
    assert fix.position < production.position
    svc.task_complete(actor=specialist, task_id=fix.pk, result="Fixed")
    assert statuses(change)[K.READINESS] == T.OPEN
    change.refresh_from_db()
    assert change.status == C.IMPLEMENTATION


@pytest.mark.parametrize(
    "ends_in_days, change_type, status",
    [
        (2, "normal", C.IMPLEMENTATION),  # done before the planned transfer: nothing moves
        (7, "normal", C.APPROVAL),  # the transfer is rescheduled: approved again
        (7, "standard", C.IMPLEMENTATION),  # a standard change was pre-approved
    ],
)
def test_moving_the_production_transfer_asks_for_approval_again(
    planned, change_coordinator, specialist, release_administrator, server_group,
    change_manager, ends_in_days, change_type, status,
):  # fmt: skip
    change = _failed_customer_test(
        lambda category: planned(category, change_type=change_type),
        change_coordinator,
        specialist,
        release_administrator,
    )
    planned_transfer = task(change, K.TRANSFER_TO_PRODUCTION).planned_start
    end = timezone.now() + timedelta(days=ends_in_days)
    svc.task_add(
        actor=change_coordinator, change_id=change.pk, title="Rewrite the module",
        kind=K.ADDITIONAL, support_group_id=server_group.pk,
        planned_start=end - timedelta(days=1), planned_end=end,
    )  # fmt: skip
    change.refresh_from_db()
    assert change.status == status
    transfer = task(change, K.TRANSFER_TO_PRODUCTION)
    assert (transfer.planned_start == end) == (ends_in_days == 7)
    assert (transfer.planned_start == planned_transfer) == (ends_in_days == 2)
    assert told(change_manager, "change.reapproval") == (status == C.APPROVAL)


def test_who_works_a_task(planned, change_coordinator, specialist, provider):
    """Only the people of the task's group, its assignee, the coordinator or a change
    manager work a task."""
    change = to_implementation(planned(), change_coordinator)
    prep = task(change, K.PREPARATION)
    stranger = group_member(SupportGroupFactory(organisation=provider), "specialist")
    with pytest.raises(PermissionDenied):
        svc.task_complete(actor=stranger, task_id=prep.pk)
    with pytest.raises(PermissionDenied):
        svc.task_add(
            actor=specialist, change_id=change.pk, title="x", kind=K.ADDITIONAL,
            support_group_id=prep.support_group_id,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        svc.task_cancel(actor=specialist, task_id=prep.pk)
    svc.task_assign(actor=change_coordinator, task_id=prep.pk, assignee_id=specialist.pk)
    with pytest.raises(ValidationError) as refused:
        svc.task_assign(actor=change_coordinator, task_id=prep.pk, assignee_id=stranger.pk)
    assert "assignee" in refused.value.message_dict
    svc.task_complete(actor=specialist, task_id=prep.pk, result="Ready")


def test_bad_task_input_names_the_field(planned, change_coordinator, server_group):
    change = planned()
    now = timezone.now()
    cases = [
        ({"title": " "}, "title"),
        ({"kind": "production_test"}, "kind"),
        ({"support_group_id": None}, "support_group"),
        ({"depends_on": [987654]}, "depends_on"),
        ({"planned_start": now, "planned_end": now - timedelta(hours=1)}, "planned_end"),
    ]
    for given, field in cases:
        arguments = {
            "title": "Task", "kind": K.IMPLEMENTATION, "support_group_id": server_group.pk,
            **given,
        }  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            svc.task_add(actor=change_coordinator, change_id=change.pk, **arguments)
        assert field in refused.value.message_dict, given


def test_cancelled_task_lets_the_next_one_open(planned, change_coordinator):
    change = to_implementation(planned(), change_coordinator)
    svc.task_cancel(actor=change_coordinator, task_id=task(change, K.PREPARATION).pk)
    assert statuses(change)[K.IMPLEMENTATION] == T.OPEN


def test_an_additional_task_comes_before_the_transfer_to_production(
    planned, change_coordinator, specialist, release_administrator, server_group
):
    change = _failed_customer_test(planned, change_coordinator, specialist, release_administrator)
    production = task(change, K.TRANSFER_TO_PRODUCTION)
    with pytest.raises(ValidationError) as refused:
        svc.task_add(
            actor=change_coordinator, change_id=change.pk, title="After the transfer",
            kind=K.ADDITIONAL, support_group_id=server_group.pk, depends_on=[production.pk],
        )  # fmt: skip
    assert "depends_on" in refused.value.message_dict
    assert not change.tasks.filter(title="After the transfer").exists()
