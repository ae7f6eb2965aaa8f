"""Seed 003 ch. 3 procedure 3, Change Approval, through the services: the approver rule,
every branch of the change manager's review and of the rejection reasons, the denials and
a stale decision (the PostgreSQL race is in test_approvals_concurrency.py)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from steward.changes import workflows
from steward.changes.choices import ApprovalBasis, ApprovalDecision, ChangeStatus
from steward.changes.models import Change, ChangePolicy
from steward.changes.services import approvals as svc
from steward.core import transitions
from steward.core.errors import DomainError
from steward.core.models import Notification
from steward.core.testing.journal import journal_of
from steward.core.tests.factories import customer_fixture

AMS = ZoneInfo("Europe/Amsterdam")
# Monday 10:00-11:00 (inside E-mail's office hours) and Saturday 02:00-04:00 (outside).
IN_HOURS = (dt.datetime(2026, 1, 5, 10, tzinfo=AMS), dt.datetime(2026, 1, 5, 11, tzinfo=AMS))
OUT_OF_HOURS = (dt.datetime(2026, 1, 10, 2, tzinfo=AMS), dt.datetime(2026, 1, 10, 4, tzinfo=AMS))

second_representative = customer_fixture(
    "second_representative", "customer_org", "customer_representative", "rep2"
)


def to_approval(change: Change, actor, **fields) -> Change:
    """The change as the changes topic leaves it: analysed, planned, waiting for the change
    manager (registered -> risk_analysis -> planning -> approval through the primitive)."""
    if fields:
        Change.objects.filter(pk=change.pk).update(**fields)
    with transaction.atomic():
        locked = transitions.lock(Change, change.pk)
        for state in (ChangeStatus.RISK_ANALYSIS, ChangeStatus.PLANNING, ChangeStatus.APPROVAL):
            transitions.transition(locked, state, actor=actor, workflow=workflows.CHANGE)
    return Change.objects.get(pk=change.pk)


@pytest.fixture
def cast(service_owner, change_manager, representative, other_representative, sla, other_sla):
    """Everyone procedure 3 needs: E-mail's owner, the change manager, Acme's and Globex's
    representatives (both have an active SLA on E-mail)."""
    return {
        "owner": service_owner,
        "manager": change_manager,
        "acme": representative,
        "globex": other_representative,
    }


@pytest.fixture
def waiting(make_change, change_coordinator, cast):
    """A change in approval that needs only the service owner's approval."""

    def make(**fields) -> Change:
        fields.setdefault("unavailable_in_service_hours", False)
        fields.setdefault("functionality_changes", False)
        return to_approval(make_change(), change_coordinator, **fields)

    return make


def collect(change: Change, manager) -> Change:
    return svc.change_manager_review(actor=manager, change_id=change.pk, review="collect")


def approvers(change: Change) -> list[tuple[str, str]]:
    rows = change.approvals.filter(round=change.approval_round).order_by("approver__username")
    return [(r.approver.username, r.basis) for r in rows]


# --- The approver rule --------------------------------------------------------------------------

REPS = [("globex-rep", ApprovalBasis.CUSTOMER_REPRESENTATIVE),
        ("rep", ApprovalBasis.CUSTOMER_REPRESENTATIVE)]  # fmt: skip
OWNER = [("owner", ApprovalBasis.SERVICE_OWNER)]


@pytest.mark.parametrize(
    ("seed_words", "fields", "expected"),
    [
        ("unavailable or degraded during service hours (as assessed)",
         {"unavailable_in_service_hours": True, "functionality_changes": False}, REPS),
        ("the functionality of the service becomes different",
         {"unavailable_in_service_hours": False, "functionality_changes": True}, REPS),
        ("both conditions", {"unavailable_in_service_hours": True, "functionality_changes": True},
         REPS),
        ("neither condition: the service owner's approval is sufficient",
         {"unavailable_in_service_hours": False, "functionality_changes": False}, OWNER),
        ("not assessed counts as not met", {}, OWNER),
        ("an outage whose window falls inside the service hours",
         {"causes_outage": True, "planned_start": IN_HOURS[0], "planned_end": IN_HOURS[1]}, REPS),
        ("an outage whose window falls outside the service hours",
         {"causes_outage": True, "planned_start": OUT_OF_HOURS[0],
          "planned_end": OUT_OF_HOURS[1]}, OWNER),
        ("no outage at all, inside the service hours",
         {"causes_outage": False, "planned_start": IN_HOURS[0], "planned_end": IN_HOURS[1]},
         OWNER),
    ],
)  # fmt: skip
def test_the_approver_rule(seed_words, fields, expected, make_change, change_coordinator, cast):
    change = to_approval(make_change(), change_coordinator, **fields)
    assert [(a.person.username, a.basis) for a in sorted(
        svc.approvers_for(change), key=lambda a: a.person.username)] == expected  # fmt: skip
    # Through the change manager's review: one approval row each, in round 1.
    change = collect(change, cast["manager"])
    assert change.approval_round == 1
    assert approvers(change) == expected


def test_the_affected_customers_recorded_on_the_change_win_over_the_slas(waiting, cast):
    change = waiting(functionality_changes=True)
    change.customers.set([cast["globex"].memberships.get().organisation])
    assert [a.person for a in svc.approvers_for(change)] == [cast["globex"]]


def test_every_representative_of_an_affected_customer_is_asked(
    waiting, cast, second_representative
):
    change = collect(waiting(functionality_changes=True), cast["manager"])
    assert [u for u, _ in approvers(change)] == ["globex-rep", "rep", "rep2"]


def test_an_affected_customer_without_a_representative_is_a_clear_400(waiting, cast):
    cast["globex"].role_assignments.all().delete()
    change = waiting(unavailable_in_service_hours=True)
    with pytest.raises(ValidationError) as refused:
        collect(change, cast["manager"])
    assert "Globex" in str(refused.value.message_dict["approvers"])
    change.refresh_from_db()
    assert (change.approval_round, change.approvals.count()) == (0, 0)


def test_a_service_without_an_owner_is_a_clear_400(waiting, cast, service):
    type(service).objects.filter(pk=service.pk).update(owner=None)
    cast["owner"].role_assignments.all().delete()
    with pytest.raises(ValidationError) as refused:
        collect(waiting(), cast["manager"])
    assert "no service owner" in str(refused.value.message_dict["approvers"])


# --- The change manager's review -------------------------------------------------------------


def test_collect_asks_each_approver_by_email_with_a_signed_link(
    waiting, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change = collect(waiting(functionality_changes=True), cast["manager"])
    assert change.status == ChangeStatus.APPROVAL
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {cast["acme"].email, cast["globex"].email}
    approval = change.approvals.get(approver=cast["acme"])
    # The link carries a timestamp: read the token the email holds back.
    prefix = svc.approval_link(approval).rsplit("/", 2)[0] + "/"
    token = sent[cast["acme"].email].body.split(prefix, 1)[1].split("/", 1)[0]
    assert svc.read_token(token) == (approval.pk, approval.round)
    assert journal_of(change, kind="system").exists()


@pytest.mark.parametrize(
    ("review", "status", "told"),
    [
        ("more_analysis", ChangeStatus.RISK_ANALYSIS, "additional risk and impact analysis"),
        ("adjust_plan", ChangeStatus.PLANNING, "an adjustment of the implementation plan"),
    ],
)
def test_the_manager_sends_the_change_back_and_tells_the_coordinator_why(
    waiting, cast, change_coordinator, review, status, told
):
    change = svc.change_manager_review(
        actor=cast["manager"],
        change_id=waiting().pk,
        review=review,
        note="The window collides with the month-end run.",
    )
    assert change.status == status
    notice = Notification.objects.get(recipient=change_coordinator, event="change.review")
    assert told in notice.title
    assert "month-end run" in notice.body
    assert change.approvals.count() == 0


@pytest.mark.parametrize("review", ["more_analysis", "adjust_plan"])
def test_sending_back_needs_a_note(waiting, cast, review):
    with pytest.raises(ValidationError) as refused:
        svc.change_manager_review(
            actor=cast["manager"], change_id=waiting().pk, review=review, note=" "
        )
    assert "note" in refused.value.message_dict


def test_a_policy_conflict_rejects_the_change_naming_the_policy(waiting, cast, change_coordinator):
    policy = ChangePolicy.objects.create(
        name="No changes to payment systems in December", statement="Freeze."
    )
    change = waiting()
    with pytest.raises(ValidationError) as refused:
        svc.change_manager_review(
            actor=cast["manager"], change_id=change.pk, review="policy_conflict"
        )
    assert "policy" in refused.value.message_dict
    change = svc.change_manager_review(
        actor=cast["manager"], change_id=change.pk, review="policy_conflict", policy_id=policy.pk
    )
    assert change.status == ChangeStatus.REJECTED
    notice = Notification.objects.get(recipient=change_coordinator, event="change.rejected")
    assert "cannot be implemented" in notice.title and policy.name in notice.title
    assert policy.name in journal_of(change, kind="work_note").last().body


def test_only_a_change_manager_reviews(waiting, cast, change_coordinator):
    change = waiting()
    for person in (change_coordinator, cast["owner"], cast["acme"]):
        with pytest.raises(PermissionDenied):
            collect(change, person)
    change.refresh_from_db()
    assert change.approval_round == 0


def test_the_review_of_a_change_not_in_approval_is_a_conflict(make_change, cast):
    with pytest.raises(DomainError, match="no longer waits for approval"):
        collect(make_change(), cast["manager"])


def test_a_second_review_while_approvals_are_collected_is_a_conflict(waiting, cast):
    change = collect(waiting(), cast["manager"])
    with pytest.raises(DomainError, match="being collected"):
        svc.change_manager_review(
            actor=cast["manager"], change_id=change.pk, review="adjust_plan", note="x"
        )
    change.refresh_from_db()
    assert (change.status, change.approval_round) == (ChangeStatus.APPROVAL, 1)


# --- The approvers' decisions ----------------------------------------------------------------


def test_all_approvals_move_the_change_to_implementation(waiting, cast, change_coordinator):
    change = collect(waiting(functionality_changes=True), cast["manager"])
    change = svc.change_approve(actor=cast["acme"], change_id=change.pk, note="Fine by us.")
    assert change.status == ChangeStatus.APPROVAL and change.approved_at is None
    change = svc.change_approve(actor=cast["globex"], change_id=change.pk)
    assert change.status == ChangeStatus.IMPLEMENTATION
    assert change.approved_at is not None
    assert Notification.objects.filter(recipient=change_coordinator, event="change.approved")
    assert set(change.approvals.values_list("decision", flat=True)) == {"approved"}


@pytest.mark.parametrize(
    ("reason", "status", "requester_told"),
    [
        ("analysis", ChangeStatus.RISK_ANALYSIS, False),
        ("plan", ChangeStatus.PLANNING, False),
        ("other", ChangeStatus.REJECTED, True),
    ],
)
def test_a_rejection_closes_the_round_and_its_reason_decides(
    waiting, cast, change_coordinator, reason, status, requester_told
):
    change = collect(waiting(functionality_changes=True), cast["manager"])
    change = svc.change_reject(
        actor=cast["acme"], change_id=change.pk, reason=reason, note="Not during our audit."
    )
    assert change.status == status
    decisions = dict(change.approvals.values_list("approver__username", "decision"))
    assert decisions == {"rep": "rejected", "globex-rep": "withdrawn"}
    told = Notification.objects.filter(event="change.rejected")
    assert told.filter(recipient=change_coordinator).exists()
    # The coordinator registered the change, so is its requester too: told once.
    assert told.count() == 1
    assert Notification.objects.filter(
        recipient=cast["globex"], event="change.approval_withdrawn"
    ).exists()
    if requester_told:
        assert "cannot be implemented" in told.get().title


def test_a_rejected_change_is_told_to_its_requester(waiting, cast, change_coordinator, requester):
    change = waiting()
    Change.objects.filter(pk=change.pk).update(requested_by=requester)
    collect(change, cast["manager"])
    svc.change_reject(actor=cast["owner"], change_id=change.pk, reason="other", note="No.")
    assert Notification.objects.filter(recipient=requester, event="change.rejected").exists()


def test_a_rejection_needs_a_reason_and_a_note(waiting, cast):
    change = collect(waiting(), cast["manager"])
    with pytest.raises(ValidationError) as refused:
        svc.change_reject(actor=cast["owner"], change_id=change.pk, reason="bad", note="x")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        svc.change_reject(actor=cast["owner"], change_id=change.pk, reason="plan", note="")
    assert "note" in refused.value.message_dict


def test_only_a_pending_approver_of_the_current_round_decides(
    waiting, cast, change_coordinator, admin_person
):
    change = collect(waiting(), cast["manager"])  # the service owner approves
    for person in (cast["manager"], change_coordinator, cast["acme"], admin_person):
        with pytest.raises(PermissionDenied):
            svc.change_approve(actor=person, change_id=change.pk)
        with pytest.raises(PermissionDenied):
            svc.change_reject(actor=person, change_id=change.pk, reason="other", note="x")
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVAL
    assert change.approvals.get().decision == ApprovalDecision.PENDING


def test_approving_twice_is_a_conflict(waiting, cast):
    change = collect(waiting(functionality_changes=True), cast["manager"])
    svc.change_approve(actor=cast["acme"], change_id=change.pk)
    with pytest.raises(DomainError, match="already approved"):
        svc.change_approve(actor=cast["acme"], change_id=change.pk)
    with pytest.raises(DomainError, match="already approved"):
        svc.change_reject(actor=cast["acme"], change_id=change.pk, reason="plan", note="x")


def test_approving_a_rejected_change_is_a_conflict(waiting, cast):
    change = collect(waiting(functionality_changes=True), cast["manager"])
    svc.change_reject(actor=cast["acme"], change_id=change.pk, reason="other", note="No.")
    with pytest.raises(DomainError, match="rejected: it no longer waits"):
        svc.change_approve(actor=cast["globex"], change_id=change.pk)


def test_a_withdrawn_approval_cannot_be_used_in_the_same_state(waiting, cast):
    """A second approver's approval after another rejected for more analysis: the change
    went back, so the decision is refused with a conflict."""
    change = collect(waiting(functionality_changes=True), cast["manager"])
    svc.change_reject(actor=cast["acme"], change_id=change.pk, reason="analysis", note="More.")
    with pytest.raises(DomainError):
        svc.change_approve(actor=cast["globex"], change_id=change.pk)


def test_an_approval_of_an_earlier_round_is_refused(waiting, cast, change_coordinator):
    change = collect(waiting(), cast["manager"])
    old = change.approvals.get()
    svc.change_reject(actor=cast["owner"], change_id=change.pk, reason="plan", note="Later.")
    # The coordinator re-plans and asks again: round 2.
    with transaction.atomic():
        locked = transitions.lock(Change, change.pk)
        transitions.transition(
            locked, ChangeStatus.APPROVAL, actor=change_coordinator, workflow=workflows.CHANGE
        )
    change = collect(change, cast["manager"])
    assert change.approval_round == 2
    with pytest.raises(DomainError, match="round 2 replaced it"):
        svc.approval_approve(actor=cast["owner"], approval_id=old.pk)
    svc.change_approve(actor=cast["owner"], change_id=change.pk)
    change.refresh_from_db()
    assert change.status == ChangeStatus.IMPLEMENTATION


def test_a_decision_on_a_stale_page_finds_the_state_the_other_left(waiting, cast, change_manager):
    """Two change managers opened the review; the first collects, the second's "adjust the
    plan" then arrives: a conflict, and the first's round stays whole."""
    other_manager = type(change_manager).objects.create(
        username="mgr2", first_name="Other", last_name="Manager", email="mgr2@example.com"
    )
    other_manager.role_assignments.create(role="change_manager")
    change = waiting()
    collect(change, cast["manager"])
    with pytest.raises(DomainError, match="being collected"):
        svc.change_manager_review(
            actor=other_manager, change_id=change.pk, review="adjust_plan", note="x"
        )
    change.refresh_from_db()
    assert change.approval_round == 1 and change.approvals.count() == 1
    # Two approvers on stale pages: the first rejection wins, the second is refused.
    change2 = collect(waiting(functionality_changes=True), cast["manager"])
    svc.change_reject(actor=cast["acme"], change_id=change2.pk, reason="plan", note="a")
    with pytest.raises(DomainError):
        svc.change_reject(actor=cast["globex"], change_id=change2.pk, reason="other", note="b")
    change2.refresh_from_db()
    assert change2.status == ChangeStatus.PLANNING


# --- Reminders --------------------------------------------------------------------------------


def test_approvers_waiting_over_two_business_days_are_reminded_once_a_day(
    waiting, cast, django_capture_on_commit_callbacks
):
    from steward.changes.models import ChangeApproval

    change = collect(waiting(functionality_changes=True), cast["manager"])
    svc.change_approve(actor=cast["acme"], change_id=change.pk)
    asked = dt.datetime(2026, 1, 5, 9, tzinfo=AMS)  # a Monday
    ChangeApproval.objects.filter(change=change).update(created_at=asked)
    # Wednesday: two business days, not more.
    assert svc.approval_reminders(now=asked + dt.timedelta(days=2)) == 0
    mail.outbox.clear()
    thursday = asked + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.approval_reminders(now=thursday) == 1  # Globex only: Acme approved
    assert [m.to for m in mail.outbox] == [[cast["globex"].email]]
    assert svc.approval_link(change.approvals.get(approver=cast["globex"])) in mail.outbox[0].body
    # Again the same day: nobody twice.
    assert svc.approval_reminders(now=thursday) == 0
