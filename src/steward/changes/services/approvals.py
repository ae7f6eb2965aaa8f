"""Seed 003 ch. 3, procedure 3, Change Approval.

After the change coordinator has asked for approval (the change is in ``approval``), the
change manager reviews it (``change_manager_review``): a conflict with an internal standard
or policy means it cannot be implemented; insufficient risk and impact analysis goes back
for more analysis; a plan that does not address the risk, the impact or a calendar
conflict goes back to planning; otherwise the approvals are collected from the approvers
the seed's rule names (``approvers_for``): the representatives of every affected customer
when the implementation makes a service unavailable or degraded during its service hours
or changes its functionality, else the service owner.

Each approver approves or rejects (``change_approve``, ``change_reject``), from the change
page, the API or the signed link in the email (``approval_token``). All approvals move the
change to implementation; one rejection closes the round and its reason decides: more
analysis, an adjusted plan, or "cannot be implemented" (the coordinator and the requester
are told). Every write locks the change row, so two people acting at once are serialised:
the second finds the state the first left and gets a conflict (409) when it no longer
fits; nothing is lost.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from steward.changes import inputs, rules, workflows
from steward.changes.choices import (
    ApprovalBasis,
    ApprovalDecision,
    ChangeStatus,
    ManagerReview,
    RejectionReason,
)
from steward.changes.models import Change, ChangeApproval, ChangePolicy
from steward.changes.services.tasks import change_start_implementation
from steward.core import journal, notify, permissions, roles, transitions
from steward.core.calendars import business_time_between
from steward.core.choices import Role
from steward.core.errors import DomainError
from steward.core.fields import given
from steward.core.models import Notification, Organisation, Person
from steward.service_level.choices import AgreementKind, AgreementStatus
from steward.service_level.models import Agreement

MANAGE = "changes.change.manage"
APPROVE = "changes.change.approve"
TOKEN_SALT = "steward.changes.approval-link"
TOKEN_MAX_AGE = timedelta(days=14)
NOTE_MAX = 4000

A = ApprovalDecision


# --- Who approves (the seed's approver rule) ------------------------------------------------


@dataclass(frozen=True)
class Approver:
    """One person the approver rule names, why, and for which customer."""

    person: Person
    basis: ApprovalBasis
    organisation: Organisation | None = None


def affected_customers(change: Change) -> list[Organisation]:
    """The customers the change affects: those recorded on it (from the CMDB impact), else
    the customers with an active SLA on its service or the services it touches."""
    recorded = list(change.customers.order_by("name", "pk"))
    if recorded:
        return recorded
    service_ids = {change.service_id, *change.services.values_list("pk", flat=True)}
    customer_ids = Agreement.objects.filter(
        service_id__in=service_ids,
        kind=AgreementKind.SLA,
        status=AgreementStatus.ACTIVE,
        customer__isnull=False,
    ).values_list("customer_id", flat=True)
    return list(Organisation.objects.filter(pk__in=customer_ids).order_by("name", "pk"))


def _service_owners(change: Change) -> list[Person]:
    owner = change.service.owner
    if owner is not None and owner.is_active:
        return [owner]
    return roles.holders(Role.SERVICE_OWNER, change.service)


def overlaps_service_hours(change: Change) -> bool | None:
    """Whether the implementation window falls (partly) inside the service hours of the
    change's service or a service it touches (one without service hours is always on);
    None while the window is not planned."""
    if change.planned_start is None or change.planned_end is None:
        return None
    services = [change.service, *change.services.select_related("service_hours")]
    return any(
        s.service_hours_id is None
        or business_time_between(change.planned_start, change.planned_end, s.service_hours)
        > timedelta(0)
        for s in services
    )


def unavailable_in_service_hours(change: Change) -> bool | None:
    """Proc. 3's first condition: as assessed on the change, else computed from the
    questionnaire's "causes an outage" and the services' calendars
    (``rules.unavailable_in_service_hours``); None while neither is known."""
    if change.unavailable_in_service_hours is not None:
        return change.unavailable_in_service_hours
    if change.causes_outage is None:
        return None
    if change.causes_outage is False:
        return False
    overlaps = overlaps_service_hours(change)
    if overlaps is None:
        return None
    return rules.unavailable_in_service_hours(causes_outage=True, overlaps_service_hours=overlaps)


def approvers_for(change: Change) -> list[Approver]:
    """Proc. 3's approver rule (``rules.approver_basis``): the representatives of every
    affected customer when the change makes a service unavailable or degraded during its
    service hours (``unavailable_in_service_hours``) or changes its functionality;
    otherwise the service owner (a condition not assessed counts as not met). Raises a
    ValidationError (400) when someone the rule needs is missing: an affected customer
    without a representative, no affected customer at all, a service without an owner."""
    basis = rules.approver_basis(
        unavailable_in_service_hours=unavailable_in_service_hours(change),
        functionality_changes=change.functionality_changes,
    )
    if basis == ApprovalBasis.SERVICE_OWNER:
        owners = _service_owners(change)
        if not owners:
            raise ValidationError(
                {"approvers": [f"{change.service} has no service owner to approve the change."]}
            )
        return [Approver(p, basis) for p in owners]
    customers = affected_customers(change)
    if not customers:
        raise ValidationError(
            {
                "approvers": [
                    "The change needs the approval of the affected customers' representatives, "
                    "but no affected customer is known: record the customers it affects."
                ]
            }
        )
    found: list[Approver] = []
    missing: list[str] = []
    seen: set[int] = set()
    for customer in customers:
        representatives = roles.holders(Role.CUSTOMER_REPRESENTATIVE, customer)
        if not representatives:
            missing.append(customer.name)
        for person in representatives:
            if person.pk not in seen:
                seen.add(person.pk)
                found.append(Approver(person, basis, customer))
    if missing:
        raise ValidationError(
            {
                "approvers": [
                    "Every affected customer must approve, but these have no customer "
                    f"representative: {', '.join(missing)}."
                ]
            }
        )
    return found


# --- The signed link -------------------------------------------------------------------------


def approval_token(approval: ChangeApproval) -> str:
    """The signed part of an approval's link: its id and round (``TOKEN_MAX_AGE``)."""
    return signing.dumps({"a": approval.pk, "r": approval.round}, salt=TOKEN_SALT, compress=True)


def approval_link(approval: ChangeApproval) -> str:
    return reverse("changes:approval-link", args=[approval_token(approval)])


def read_token(token: str, *, max_age: timedelta = TOKEN_MAX_AGE) -> tuple[int, int]:
    """(approval id, round) of a link; ``signing.SignatureExpired`` for an old one,
    ``signing.BadSignature`` for one we did not sign."""
    data = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        raise signing.BadSignature("Not an approval link.")
    round_ = data.get("r")
    return data["a"], round_ if isinstance(round_, int) else -1


# --- Helpers ------------------------------------------------------------------------------------


def _locked(change_id: Any) -> Change:
    return transitions.lock(Change, change_id, related=["service", "coordinator", "requested_by"])


def _in_approval(change: Change) -> None:
    if change.status != ChangeStatus.APPROVAL:
        raise DomainError(
            f"{change.number} is {ChangeStatus(change.status).label.lower()}: "
            "it no longer waits for approval."
        )


def current_round(change: Change) -> list[ChangeApproval]:
    """The approval rows of the change's current round."""
    if not change.approval_round:
        return []
    return list(
        change.approvals.filter(round=change.approval_round).select_related(
            "approver", "organisation"
        )
    )


def is_pending_approver(actor: Any, change: Change) -> bool:
    """Whether ``actor`` is asked to decide on ``change`` now (offered approve/reject)."""
    if not getattr(actor, "is_authenticated", False) or change.status != ChangeStatus.APPROVAL:
        return False
    return change.approvals.filter(
        round=change.approval_round, approver=actor, decision=A.PENDING
    ).exists()


def collecting(change: Change) -> bool:
    """Approvals of the current round are still being collected."""
    return (
        bool(change.approval_round)
        and change.approvals.filter(round=change.approval_round, decision=A.PENDING).exists()
    )


def _move(change: Change, to: str, *, actor: Person, reason: str, also: Iterable[str] = ()) -> None:
    transitions.transition(
        change,
        to,
        actor=actor,
        workflow=workflows.for_change(change.change_type),
        reason=reason,
        also=list(also),
        event=f"changes.change.{to}",
        data={"round": change.approval_round},
    )


def _note(note: str, field: str = "note", *, required: str = "") -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({field: [required]})
    if len(note) > NOTE_MAX:
        raise ValidationError({field: [f"Keep it under {NOTE_MAX} characters."]})
    return note


# --- The change manager's review ----------------------------------------------------------------


def _policy(policy_id: Any) -> ChangePolicy:
    if policy_id in (None, ""):
        raise ValidationError({"policy": ["Name the policy the change conflicts with."]})
    policy = ChangePolicy.objects.filter(pk=policy_id, is_active=True).first()
    if policy is None:
        raise ValidationError({"policy": ["No active change policy with this id."]})
    return policy


def change_manager_review(
    *,
    actor: Person,
    change_id: int,
    review: str,
    note: str = "",
    policy_id: int | None = None,
) -> Change:
    """Proc. 3, the change manager's review of a change ready for approval: a policy
    conflict rejects it (the coordinator is told which policy); insufficient analysis goes
    back to risk and impact analysis, a plan to adjust back to planning (the coordinator is
    told why); otherwise the approvals are collected: a new round, one approval per
    approver the rule names, each told by email with a signed link."""
    if review not in ManagerReview.values:
        raise ValidationError({"review": ["Select a valid choice."]})
    with transaction.atomic():
        change = _locked(change_id)
        permissions.require(actor, MANAGE, change)
        inputs.CHANGE_REVIEW.check(actor, given(review=review, note=note, policy=policy_id), change)
        _in_approval(change)
        if collecting(change):
            raise DomainError(
                f"The approvals of {change.number} (round {change.approval_round}) are being "
                "collected already: the approvers decide now."
            )
        if review == ManagerReview.COLLECT:
            return _collect(change, actor=actor, note=_note(note))
        if review == ManagerReview.POLICY_CONFLICT:
            policy = _policy(policy_id)
            note = _note(note)
            _policy_conflict(change, actor=actor, policy=policy, note=note)
            return change
        why = (
            "Say what the analysis lacks."
            if review == ManagerReview.MORE_ANALYSIS
            else "Say what the plan must address."
        )
        note = _note(note, required=why)
        target = rules.after_manager_review(review)
        _move(change, target, actor=actor, reason=note)
        asked = (
            "additional risk and impact analysis"
            if review == ManagerReview.MORE_ANALYSIS
            else "an adjustment of the implementation plan"
        )
        notify.send(
            recipients=[change.coordinator],
            event="change.review",
            title=f"{change.number}: the change manager requests {asked}",
            body=f"{actor}: {note}",
            record=change,
        )
    return change


def _policy_conflict(change: Change, *, actor: Person, policy: ChangePolicy, note: str) -> None:
    reason = f"Conflicts with the policy {policy.name}." + (f" {note}" if note else "")
    transitions.transition(
        change,
        rules.after_manager_review(ManagerReview.POLICY_CONFLICT),
        actor=actor,
        workflow=workflows.for_change(change.change_type),
        reason=reason,
        event="changes.change.rejected",
        data={"policy": policy.pk, "review": ManagerReview.POLICY_CONFLICT},
    )
    notify.send(
        recipients=[change.coordinator],
        event="change.rejected",
        title=f"{change.number} cannot be implemented: it conflicts with {policy.name}",
        body=f"{policy.statement}\n\n{note}".strip(),
        record=change,
    )


def _collect(change: Change, *, actor: Person, note: str) -> Change:
    approvers = approvers_for(change)
    change.approval_round += 1
    change.save(update_fields=["approval_round", "updated_at"])
    rows = ChangeApproval.objects.bulk_create(
        ChangeApproval(
            change=change,
            round=change.approval_round,
            approver=a.person,
            basis=a.basis,
            organisation=a.organisation,
        )
        for a in approvers
    )
    if not all(r.pk for r in rows):  # backends without RETURNING: read them back
        rows = current_round(change)
    names = ", ".join(str(a.person) for a in approvers)
    journal.system(
        change,
        text=f"{actor} collects the approvals (round {change.approval_round}): {names}."
        + (f" {note}" if note else ""),
        data={"round": change.approval_round, "approvers": [a.person.pk for a in approvers]},
    )
    notify.record_event(
        record=change,
        event="changes.change.approval_requested",
        actor=actor,
        data={"round": change.approval_round, "approvers": [a.person.pk for a in approvers]},
    )
    basis = ApprovalBasis(approvers[0].basis).label.lower()
    notify.send_many(
        notify.Message(
            recipients=[row.approver],
            event="change.approval_requested",
            title=f"Please approve change {change.number}: {change.title}",
            body=(
                f"{actor} asks for your approval as {basis}.\n"
                f"Service: {change.service}. Window: {window_text(change)}.\n"
                f"{note}\n\nOpen the link to approve or reject (valid for "
                f"{TOKEN_MAX_AGE.days} days; sign in as yourself)."
            ),
            record=change,
            url=approval_link(row),
        )
        for row in rows
    )
    return change


def window_text(change: Change) -> str:
    if not change.planned_start:
        return "not planned yet"
    end = f"{change.planned_end:%Y-%m-%d %H:%M}" if change.planned_end else "?"
    return f"{change.planned_start:%Y-%m-%d %H:%M} - {end}"


# --- The approvers' decisions ---------------------------------------------------------------------


def _my_approval(change: Change, actor: Person, approval_id: int | None) -> ChangeApproval:
    """The actor's pending approval of the current round, or the right refusal: 403 for
    someone who is not an approver of the change; 409 for a change no longer in approval,
    a link of an earlier round, a decision already taken."""
    mine = list(change.approvals.filter(approver_id=getattr(actor, "pk", None)))
    if not mine:
        raise PermissionDenied("You are not an approver of this change.")
    if approval_id is not None:
        chosen = next((r for r in mine if r.pk == approval_id), None)
        if chosen is None:
            raise PermissionDenied("This approval request is not yours.")
        if chosen.round != change.approval_round:
            raise DomainError(
                f"This approval request is from round {chosen.round} of {change.number}; "
                f"round {change.approval_round} replaced it."
            )
    _in_approval(change)
    row = next((r for r in mine if r.round == change.approval_round), None)
    if row is None:
        raise PermissionDenied("You are not an approver of this change's current round.")
    if row.decision != A.PENDING:
        if row.decision == A.WITHDRAWN:
            raise DomainError("Your approval is no longer needed: the round was closed.")
        raise DomainError(
            f"You have already {A(row.decision).label.lower()} {change.number} (round {row.round})."
        )
    return row


def _decided(change: Change, row: ChangeApproval, actor: Person) -> None:
    row.save(update_fields=["decision", "reason", "note", "decided_at", "updated_at"])
    label = A(row.decision).label.lower()
    journal.system(
        change,
        text=f"{actor} {label} the change (round {row.round})."
        + (f" {RejectionReason(row.reason).label}." if row.reason else "")
        + (f" {row.note}" if row.note else ""),
        data={"round": row.round, "decision": row.decision, "reason": row.reason},
    )
    notify.record_event(
        record=change,
        event="changes.change.approval_decided",
        actor=actor,
        data={"round": row.round, "decision": row.decision, "reason": row.reason},
    )


def change_approve(
    *, actor: Person, change_id: int, note: str = "", approval_id: int | None = None
) -> Change:
    """Proc. 3: an approver of the current round approves. When every approver has, the
    change is approved and moves to implementation; the change coordinator is told.
    ``approval_id`` (the signed link, the approval's endpoint) must be the current one."""
    note = _note(note)
    with transaction.atomic():
        change = _locked(change_id)
        inputs.CHANGE_APPROVE.check(actor, given(note=note, approval=approval_id), change)
        row = _my_approval(change, actor, approval_id)
        row.decision, row.note, row.decided_at = A.APPROVED, note, timezone.now()
        _decided(change, row, actor)
        if any(r.decision != A.APPROVED for r in current_round(change)):
            return change
        change.approved_at = row.decided_at
        _move(
            change,
            ChangeStatus.IMPLEMENTATION,
            actor=actor,
            reason=f"Approved by every approver (round {change.approval_round}).",
            also=["approved_at"],
        )
        change_start_implementation(change, actor=actor)  # proc. 4/5: the first tasks open
        notify.send(
            recipients=[change.coordinator],
            event="change.approved",
            title=f"{change.number} is approved: it can be implemented",
            body=change.title,
            record=change,
        )
    return change


def change_reject(
    *,
    actor: Person,
    change_id: int,
    reason: str,
    note: str,
    approval_id: int | None = None,
) -> Change:
    """Proc. 3: an approver rejects, saying why. The round closes (the other approvals are
    no longer needed) and the reason decides (``rules.after_rejection``): insufficient
    analysis goes back to risk and impact analysis, a plan to adjust back to planning (the
    coordinator told either way); any other reason means the change cannot be
    implemented (the coordinator and the requester are told)."""
    if reason not in RejectionReason.values:
        raise ValidationError({"reason": ["Select a valid choice."]})
    note = _note(note, required="Say why you reject the change.")
    with transaction.atomic():
        change = _locked(change_id)
        inputs.CHANGE_REJECT.check(
            actor, given(reason=reason, note=note, approval=approval_id), change
        )
        row = _my_approval(change, actor, approval_id)
        row.decision, row.reason, row.note = A.REJECTED, reason, note
        row.decided_at = timezone.now()
        _decided(change, row, actor)
        others = [r for r in current_round(change) if r.decision == A.PENDING]
        ChangeApproval.objects.filter(pk__in=[r.pk for r in others]).update(
            decision=A.WITHDRAWN, decided_at=row.decided_at, updated_at=row.decided_at
        )
        target = rules.after_rejection(reason)
        why = RejectionReason(reason).label
        _move(change, target, actor=actor, reason=f"Rejected by {actor}: {why}. {note}")
        told = [change.coordinator]
        if target == ChangeStatus.REJECTED:
            told.append(change.requested_by)
            title = f"{change.number} was rejected by {actor}: it cannot be implemented"
        else:
            title = f"{change.number} was rejected by {actor}: {why.lower()}"
        notify.send_many(
            [
                notify.Message(told, "change.rejected", title, f"{why}.\n\n{note}", change),
                notify.Message(
                    [r.approver for r in others],
                    "change.approval_withdrawn",
                    f"Your approval of {change.number} is no longer needed",
                    f"{actor} rejected the change.",
                    change,
                    email=False,
                ),
            ]
        )
    return change


def _approval_change(approval_id: Any) -> int:
    found = ChangeApproval.objects.filter(pk=approval_id).values_list("change_id", flat=True)
    change_id = next(iter(found), None)
    if change_id is None:
        raise ValidationError({"approval": ["No such approval."]})
    return change_id


def approval_approve(*, actor: Person, approval_id: int, note: str = "") -> Change:
    """``change_approve`` for one approval row (the signed link, the approval's API)."""
    change_id = _approval_change(approval_id)
    return change_approve(actor=actor, change_id=change_id, note=note, approval_id=approval_id)


def approval_reject(*, actor: Person, approval_id: int, reason: str, note: str) -> Change:
    """``change_reject`` for one approval row (the signed link, the approval's API)."""
    change_id = _approval_change(approval_id)
    return change_reject(
        actor=actor, change_id=change_id, reason=reason, note=note, approval_id=approval_id
    )


# --- Reminders --------------------------------------------------------------------------------

REMINDER_AFTER_BUSINESS_DAYS = 2
REMINDER = "change.approval_reminder"


def _business_days(start: datetime, end: datetime) -> int:
    """Working days (Monday to Friday) after ``start``'s day up to ``end``'s."""
    first, last = timezone.localdate(start), timezone.localdate(end)
    days = (last - first).days
    return sum(1 for n in range(1, days + 1) if (first + timedelta(days=n)).weekday() < 5)


def approval_reminders(*, now: datetime | None = None) -> int:
    """Proc. 3 (housekeeping): remind each approver whose approval of a current round has
    waited more than two business days, by email with their signed link; at most once a
    day each. Returns how many were reminded."""
    now = now or timezone.now()
    change_type = ContentType.objects.get_for_model(Change)
    waiting = ChangeApproval.objects.filter(
        decision=A.PENDING,
        change__status=ChangeStatus.APPROVAL,
        round=F("change__approval_round"),
    ).select_related("change", "approver")
    reminded_today = set(
        Notification.objects.filter(
            event=REMINDER, record_type=change_type, created_at__gte=now - timedelta(days=1)
        ).values_list("recipient_id", "record_id")
    )
    messages = [
        notify.Message(
            [a.approver],
            REMINDER,
            f"Reminder: change {a.change.number} waits for your approval",
            f"{a.change.title}\nAsked {a.created_at:%Y-%m-%d}. Window: {window_text(a.change)}.",
            a.change,
            approval_link(a),
        )
        for a in waiting
        if _business_days(a.created_at, now) > REMINDER_AFTER_BUSINESS_DAYS
        and (a.approver_id, a.change_id) not in reminded_today
    ]
    with transaction.atomic():
        notify.send_many(messages)
    return len(messages)


__all__ = [
    "Approver",
    "affected_customers",
    "approval_approve",
    "approval_link",
    "approval_reject",
    "approval_reminders",
    "approval_token",
    "approvers_for",
    "change_approve",
    "change_manager_review",
    "change_reject",
    "is_pending_approver",
    "read_token",
]
