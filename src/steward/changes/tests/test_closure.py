"""Proc. 6 through the services: the production test's three outcomes as the seed words
them, who may record it, and closing: only with all requirements met and the updates
done, its requesters and approvers told first."""

import pytest
from django.core.exceptions import PermissionDenied

from steward.changes.choices import ChangeOutcome, ChangeStatus, TaskKind, TaskStatus
from steward.changes.models import ChangeApproval, RequestForChange
from steward.changes.services import closure
from steward.changes.services import tasks as svc
from steward.changes.tests.tasks_flow import complete_open, statuses, task, to_implementation, told
from steward.core import numbering
from steward.core.errors import DomainError
from steward.core.tests.factories import SupportGroupFactory, group_member

K, T, C = TaskKind, TaskStatus, ChangeStatus


@pytest.fixture
def in_test(make_change, change_coordinator, server_group, specialist):
    """An infrastructure change of the server team, implemented: in its production test."""
    change = make_change()
    svc.task_add(
        actor=change_coordinator, change_id=change.pk, title="Prepare",
        kind=K.PREPARATION, support_group_id=server_group.pk,
    )  # fmt: skip
    change = to_implementation(change, change_coordinator)
    complete_open(change, specialist)
    change.refresh_from_db()
    assert change.status == C.PRODUCTION_TEST
    return change


@pytest.mark.parametrize(
    "met, better, risk, status, opened",
    [
        # All requirements met: the CMDB, capacity and continuity information is updated.
        (True, False, False, C.PRODUCTION_TEST, {K.CMDB_UPDATE, K.CAPACITY_UPDATE,
                                                 K.CONTINUITY_UPDATE}),
        # Not met and no improvement over the previous situation: backed out.
        (False, False, False, C.BACKED_OUT, set()),
        # Not met and a security or data integrity risk: backed out.
        (False, True, True, C.BACKED_OUT, set()),
        # Not met, but it can still be made a success: additional tasks.
        (False, True, False, C.IMPLEMENTATION, {K.ADDITIONAL}),
    ],
)  # fmt: skip
def test_the_production_test_decides_what_follows(
    in_test, specialist, met, better, risk, status, opened
):
    closure.change_production_test(
        actor=specialist, change_id=in_test.pk, requirements_met=met,
        improvement_over_before=better, security_or_data_risk=risk, note="Checked",
    )  # fmt: skip
    in_test.refresh_from_db()
    assert in_test.status == status
    now_open = set(in_test.tasks.filter(status=T.OPEN).values_list("kind", flat=True))
    assert now_open == opened
    test = task(in_test, K.PRODUCTION_TEST)
    assert test.status == (T.DONE if met else T.FAILED)
    if status == C.BACKED_OUT:
        assert in_test.outcome == ChangeOutcome.BACKED_OUT


def test_update_tasks_go_to_the_people_of_their_role(in_test, specialist, config_admin):
    closure.change_production_test(
        actor=specialist, change_id=in_test.pk, requirements_met=True, note=""
    )
    cmdb = task(in_test, K.CMDB_UPDATE)
    assert told(config_admin, "change_task.open")
    svc.task_complete(actor=config_admin, task_id=cmdb.pk, result="CIs updated")


def test_a_backed_out_change_tells_its_requesters_and_approvers(
    in_test, specialist, service_owner, requester, service
):
    ChangeApproval.objects.create(
        change=in_test, round=1, approver=service_owner, basis="service_owner",
        decision="approved",
    )  # fmt: skip
    rfc = RequestForChange(title="Faster mail", source="incident", service=service,
                           requested_by=requester, change=in_test)  # fmt: skip
    numbering.assign(rfc)
    rfc.save()
    closure.change_production_test(
        actor=specialist, change_id=in_test.pk, requirements_met=False, note="Worse"
    )
    assert told(service_owner, "change.backed_out")
    assert told(requester, "change.backed_out")


def test_additional_work_leads_to_a_new_production_test(in_test, specialist):
    closure.change_production_test(
        actor=specialist, change_id=in_test.pk, requirements_met=False,
        improvement_over_before=True, note="Half the mailboxes",
    )  # fmt: skip
    complete_open(in_test, specialist)
    in_test.refresh_from_db()
    assert in_test.status == C.PRODUCTION_TEST
    assert task(in_test, K.PRODUCTION_TEST, latest=True).status == T.OPEN
    assert in_test.tasks.filter(kind=K.PRODUCTION_TEST).count() == 2


def test_who_records_the_production_test(in_test, provider, change_coordinator, requester):
    stranger = group_member(SupportGroupFactory(organisation=provider), "specialist")
    for person in (stranger, requester):
        with pytest.raises(PermissionDenied):
            closure.change_production_test(
                actor=person, change_id=in_test.pk, requirements_met=True
            )
    closure.change_production_test(
        actor=change_coordinator, change_id=in_test.pk, requirements_met=True
    )


def test_closing_waits_for_the_updates_and_tells_requesters_and_approvers(
    in_test, specialist, change_coordinator, config_admin, service_owner, requester, service
):
    with pytest.raises(DomainError, match="requirements"):
        closure.change_close(actor=change_coordinator, change_id=in_test.pk)
    closure.change_production_test(
        actor=specialist, change_id=in_test.pk, requirements_met=True, note=""
    )
    with pytest.raises(DomainError, match="update tasks"):
        closure.change_close(actor=change_coordinator, change_id=in_test.pk)
    with pytest.raises(PermissionDenied):
        closure.change_close(actor=specialist, change_id=in_test.pk)
    svc.task_complete(actor=config_admin, task_id=task(in_test, K.CMDB_UPDATE).pk)
    for kind in (K.CAPACITY_UPDATE, K.CONTINUITY_UPDATE):
        svc.task_cancel(actor=change_coordinator, task_id=task(in_test, kind).pk)
    assert told(change_coordinator, "change.ready_to_close")
    ChangeApproval.objects.create(
        change=in_test, round=1, approver=service_owner, basis="service_owner",
        decision="approved",
    )  # fmt: skip
    rfc = RequestForChange(title="Faster mail", source="incident", service=service,
                           requested_by=requester, change=in_test)  # fmt: skip
    numbering.assign(rfc)
    rfc.save()
    closure.change_close(actor=change_coordinator, change_id=in_test.pk, note="Went well")
    in_test.refresh_from_db()
    assert (in_test.status, in_test.outcome) == (C.CLOSED, ChangeOutcome.SUCCESSFUL)
    assert in_test.closed_at is not None
    for person in (service_owner, requester, change_coordinator):
        assert told(person, "change.closed")
    assert statuses(in_test)[K.CMDB_UPDATE] == T.DONE


def test_an_emergency_change_is_not_closed_here(make_change, change_coordinator):
    change = make_change()
    type(change).objects.filter(pk=change.pk).update(change_type="emergency")
    with pytest.raises(DomainError):
        closure.change_close(actor=change_coordinator, change_id=change.pk)
