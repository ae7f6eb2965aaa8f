"""Seed 003 ch. 10 proc. 3, Business Justification.

The release coordinator decides whether a registered release needs a business case
(``release_justify``, ``rules.justification_decision``): when the service owner's
available budget covers its estimated cost the business justification is cancelled and
the release goes to coordination; otherwise the coordinator prepares a business case
(``business_case_prepare``, ``business_case_update`` while a draft) and requests its
approval (``business_case_submit``). An approver (``releases.business_case.approve`` on
the release's service: its service owner, the IT director, a financial manager; never the
release's own coordinator) approves it, and the release goes to coordination, or rejects
it with a reason (``business_case_decide``).

A rejected case is adjusted when an adjusted case could still get the approvals
(``business_case_adjust``: a new round, a new business case row, so every round keeps its
figures and decision), or the release is abandoned (``release_abandon``,
``rules.rejected_case_decision``): the requesters are told; the requests for change of a
release the CAB defined go back to the backlog release and the CAB members are told, with
the next CAB meeting named so they may bring it forward; those of a release the CAB did
not define end unmet (``rules.back_to_backlog``)."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import NoReverseMatch
from django.utils import timezone

from steward.core import journal, notify, numbering, permissions, roles, transitions
from steward.core.choices import Role
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.errors import DomainError
from steward.core.models import Person
from steward.releases import inputs, rules, workflows
from steward.releases.choices import (
    BusinessCaseStatus,
    HandlingStatus,
    Justification,
    MeetingStatus,
    ReleaseStatus,
)
from steward.releases.models import BusinessCase, CabMeeting, Release
from steward.releases.services import releases as svc

B, S = BusinessCaseStatus, ReleaseStatus
COORDINATE = svc.COORDINATE
APPROVE = svc.APPROVE
OPEN_CASE = (B.DRAFT, B.SUBMITTED)
CASE_FIELDS = ("costs", "benefits", "budget_requested", "budget_reference")
UPCOMING_MEETINGS = (MeetingStatus.SCHEDULED, MeetingStatus.INVITED, MeetingStatus.AGENDA_FINAL)


def fmt(amount: Decimal | None) -> str:
    return "unknown" if amount is None else f"{amount:,.2f}"


# --- who -------------------------------------------------------------------------------


def approvers(release: Release) -> list[Person]:
    """Who approves the business case of ``release``: the service owners of its service,
    the IT directors and the financial managers."""
    people = svc.service_owners(release.service) + roles.holders(
        [Role.IT_DIRECTOR, Role.FINANCIAL_MANAGER]
    )
    return list(dict.fromkeys(people))


def may_decide(actor: Any, case: BusinessCase) -> bool:
    """Whether ``actor`` may approve or reject ``case``: the permission on the release's
    service, and not the release coordinator who prepared it."""
    release = case.release
    return permissions.has(actor, APPROVE, case) and getattr(actor, "pk", None) not in (
        release.coordinator_id,
    )


def latest_case(release: Release) -> BusinessCase | None:
    return release.business_cases.order_by("-round", "-pk").first()


def is_latest(case: BusinessCase) -> bool:
    latest = latest_case(case.release)
    return latest is not None and latest.pk == case.pk


def next_meeting(release: Release) -> CabMeeting | None:
    """The next meeting of the service's CAB not yet held (the CAB may bring it forward)."""
    return (
        CabMeeting.objects.filter(
            cab__service_id=release.service_id,
            status__in=UPCOMING_MEETINGS,
            starts_at__gte=timezone.now(),
        )
        .order_by("starts_at", "pk")
        .first()
    )


def meeting_url(meeting: CabMeeting | None) -> str:
    if meeting is None:
        return ""
    try:
        return meeting.get_absolute_url()
    except NoReverseMatch:  # the cabs topic's pages are not there
        return ""


# --- helpers ---------------------------------------------------------------------------


def _lock_release(actor: Person, release_id: Any, expected_version: int | None) -> Release:
    return lock_to_edit(actor, COORDINATE, Release, release_id, expected_version,
                        related=["service", "coordinator"])  # fmt: skip


def _lock_case(
    actor: Person, permission: str, case_id: Any, expected_version: int | None
) -> BusinessCase:
    return lock_to_edit(actor, permission, BusinessCase, case_id, expected_version,
                        related=["release", "release__service"])  # fmt: skip


def _in_justification(release: Release) -> None:
    if release.status != S.JUSTIFICATION:
        raise DomainError(
            f"{release.number} is {release.get_status_display().lower()}: it is not waiting "
            "for a business case."
        )


def _benefits(value: Any) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({"benefits": ["Say what the release brings for its cost."]})
    return text


def _requested(value: Any) -> Decimal:
    amount = svc.money(value, "budget_requested", required=True)
    if not amount:
        raise ValidationError({"budget_requested": ["Ask for the budget the release needs."]})
    return amount


def _set_justification(release: Release, value: str) -> None:
    release.justification = value
    release.save(update_fields=["justification", "updated_at"])


# --- proc. 3: the decision -------------------------------------------------------------


def release_justify(
    *,
    actor: Person,
    release_id: int,
    estimated_cost: Any = None,
    available_budget: Any = None,
    budget_reference: str | None = None,
    expected_version: int | None = None,
) -> Release:
    """Proc. 3: the release coordinator decides the business justification of a registered
    release. The figures given are stored first; then ``rules.justification_decision``:
    the service owner's budget covers the estimated cost (the justification is cancelled,
    on to coordination), or it does not or is unknown (a business case is required)."""
    given = {"estimated_cost": estimated_cost, "available_budget": available_budget,
             "budget_reference": budget_reference}  # fmt: skip
    with transaction.atomic():
        release = _lock_release(actor, release_id, expected_version)
        inputs.RELEASE_JUSTIFY.check(
            actor, {k: v for k, v in given.items() if v is not None}, release
        )
        if release.status != S.REGISTERED:
            raise DomainError(
                f"{release.number} is {release.get_status_display().lower()}: its business "
                "justification was decided."
            )
        values: dict[str, Any] = {}
        if estimated_cost not in (None, ""):
            values["estimated_cost"] = svc.money(estimated_cost, "estimated_cost")
        if available_budget not in (None, ""):
            values["available_budget"] = svc.money(available_budget, "available_budget")
        if budget_reference is not None:
            values["budget_reference"] = (budget_reference or "").strip()[:60]
        if values.get("estimated_cost", release.estimated_cost) is None:
            raise ValidationError(
                {"estimated_cost": ["Estimate the cost of the release before deciding."]}
            )
        changes = journal.apply_changes(release, values, list(values))
        if changes:
            journal.field_changes(release, actor=actor, changes=changes)
        decision = rules.justification_decision(
            estimated_cost=release.estimated_cost, available_budget=release.available_budget
        )
        cost, budget = fmt(release.estimated_cost), fmt(release.available_budget)
        if decision == rules.JustificationDecision.CANCEL:
            release.justification = Justification.CANCELLED
            reason = (f"No business case: the service owner's budget {budget} covers the "
                      f"cost {cost}.")  # fmt: skip
            to, event = S.COORDINATION, "releases.release.coordination"
        else:
            release.justification = Justification.REQUIRED
            reason = (f"A business case is required: the service owner's budget {budget} "
                      f"does not cover the cost {cost}.")  # fmt: skip
            to, event = S.JUSTIFICATION, "releases.release.justification"
        release.full_clean()
        transitions.transition(
            release, to, actor=actor, workflow=workflows.RELEASE, reason=reason, event=event,
            also=("justification", *values),
        )  # fmt: skip
    return release


# --- proc. 3: the business case --------------------------------------------------------


def business_case_prepare(
    *,
    actor: Person,
    release_id: int,
    costs: Any,
    benefits: str,
    budget_requested: Any,
    budget_reference: str = "",
    expected_version: int | None = None,
) -> BusinessCase:
    """Proc. 3: the release coordinator prepares the business case of a release that needs
    one (a draft: its costs, the benefits and the budget it asks for)."""
    with transaction.atomic():
        release = _lock_release(actor, release_id, expected_version)
        inputs.BUSINESS_CASE_PREPARE.check(
            actor, {"costs": costs, "benefits": benefits, "budget_requested": budget_requested,
                    "budget_reference": budget_reference}, release,
        )  # fmt: skip
        _in_justification(release)
        latest = latest_case(release)
        if latest is not None:
            raise DomainError(
                f"{release.number} has business case {latest.number} "
                f"({latest.get_status_display().lower()}): "
                + ("adjust it or abandon the release." if latest.status == B.REJECTED
                   else "work on that one.")
            )  # fmt: skip
        case = BusinessCase(
            release=release, costs=svc.money(costs, "costs", required=True),
            benefits=_benefits(benefits), budget_requested=_requested(budget_requested),
            budget_reference=(budget_reference or release.budget_reference or "").strip()[:60],
        )  # fmt: skip
        numbering.assign(case)
        case.full_clean()
        case.save()
        journal.created(case, actor=actor)
        journal.system(release, text=f"Business case {case.number} prepared.",
                       data={"business_case": case.pk})  # fmt: skip
        notify.record_event(record=case, event="releases.business_case.created", actor=actor)
    return case


def business_case_update(
    *,
    actor: Person,
    case_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> BusinessCase:
    """Proc. 3: the release coordinator completes a draft business case before requesting
    its approval; each change is journaled. A submitted or decided case is not changed."""
    reject_unknown(data, CASE_FIELDS)
    with transaction.atomic():
        case = _lock_case(actor, COORDINATE, case_id, expected_version)
        inputs.BUSINESS_CASE_UPDATE.check(actor, data, case)
        if case.status != B.DRAFT:
            raise DomainError(
                f"Only a draft business case can be changed; {case.number} is "
                f"{case.get_status_display().lower()}."
            )
        values: dict[str, Any] = {}
        for name in data:
            if name == "costs":
                values[name] = svc.money(data[name], name, required=True)
            elif name == "budget_requested":
                values[name] = _requested(data[name])
            elif name == "benefits":
                values[name] = _benefits(data[name])
            else:
                values[name] = (data[name] or "").strip()[:60]
        changes = journal.apply_changes(case, values, list(values))
        if changes:
            case.full_clean()
            case.save()
            journal.field_changes(case, actor=actor, changes=changes)
    return case


def business_case_submit(
    *, actor: Person, case_id: int, expected_version: int | None = None
) -> BusinessCase:
    """Proc. 3: the release coordinator requests approval of the business case; its
    approvers (service owners of the service, IT directors, financial managers) are told."""
    with transaction.atomic():
        case = _lock_case(actor, COORDINATE, case_id, expected_version)
        release = case.release
        _in_justification(release)
        case.submitted_at = timezone.now()
        transitions.transition(
            case, B.SUBMITTED, actor=actor, workflow=workflows.BUSINESS_CASE,
            event="releases.business_case.submitted", also=("submitted_at",),
        )  # fmt: skip
        body = (f"{release.number} {release.title} ({release.service.name}) asks for a "
                f"budget of {fmt(case.budget_requested)} (costs {fmt(case.costs)}, round "
                f"{case.round}). Approve or reject it.")  # fmt: skip
        svc.tell(approvers(release), case, "releases.business_case.submitted",
                 "business case waiting for your approval", body, actor=actor)  # fmt: skip
    return case


def business_case_decide(
    *,
    actor: Person,
    case_id: int,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
) -> BusinessCase:
    """Proc. 3: an approver approves the business case (the budget will be made available:
    the release goes on to coordination) or rejects it, saying why (the release coordinator
    adjusts it or abandons the release). The release's own coordinator does not decide."""
    note = (note or "").strip()
    with transaction.atomic():
        case = _lock_case(actor, APPROVE, case_id, expected_version)
        inputs.BUSINESS_CASE_DECIDE.check(actor, {"note": note}, case)
        release = Release.objects.select_for_update(of=("self",)).get(pk=case.release_id)
        case.release = release
        if actor.pk == release.coordinator_id:
            raise PermissionDenied("The release coordinator does not decide on their own case.")
        if case.status != B.SUBMITTED:
            raise DomainError(
                f"{case.number} is {case.get_status_display().lower()}: it is not waiting "
                "for approval."
            )
        if not approve and not note:
            raise ValidationError({"note": ["Say why the business case is rejected."]})
        case.decided_by, case.decided_at, case.decision_note = actor, timezone.now(), note
        to = B.APPROVED if approve else B.REJECTED
        transitions.transition(
            case, to, actor=actor, workflow=workflows.BUSINESS_CASE, reason=note,
            event=f"releases.business_case.{to}",
            also=("decided_by", "decided_at", "decision_note"),
        )  # fmt: skip
        coordinator = ([release.coordinator] if release.coordinator_id
                       else svc.release_coordinators(release.service))  # fmt: skip
        if approve:
            release.justification = Justification.APPROVED
            transitions.transition(
                release, S.COORDINATION, actor=actor, workflow=workflows.RELEASE,
                reason=f"Business case {case.number} approved.",
                event="releases.release.coordination", also=("justification",),
            )  # fmt: skip
            svc.tell(coordinator, case, "releases.business_case.approved",
                     "business case approved",
                     f"{actor.display_name} approved the business case of {release.number}: "
                     f"coordinate the release. {note}".strip(), actor=actor)  # fmt: skip
        else:
            _set_justification(release, Justification.REJECTED)
            journal.system(release, text=f"Business case {case.number} rejected: {note}",
                           data={"business_case": case.pk})  # fmt: skip
            svc.tell(coordinator, case, "releases.business_case.rejected",
                     "business case rejected",
                     f"{actor.display_name} rejected the business case of {release.number}: "
                     f"{note} Adjust it if it could still be approved, or abandon the "
                     "release.", actor=actor)  # fmt: skip
    return case


def business_case_adjust(
    *,
    actor: Person,
    case_id: int,
    costs: Any = None,
    benefits: str | None = None,
    budget_requested: Any = None,
    budget_reference: str | None = None,
    expected_version: int | None = None,
) -> BusinessCase:
    """Proc. 3: a rejected business case that could still get the necessary approvals is
    adjusted (``rules.rejected_case_decision``): a new round, a new draft business case
    with the adjusted figures (those not given are copied), the rejected one kept as it
    was decided. The release needs its approval again."""
    with transaction.atomic():
        old = _lock_case(actor, COORDINATE, case_id, expected_version)
        given = {"costs": costs, "benefits": benefits, "budget_requested": budget_requested,
                 "budget_reference": budget_reference}  # fmt: skip
        inputs.BUSINESS_CASE_ADJUST.check(
            actor, {k: v for k, v in given.items() if v is not None}, old
        )
        release = Release.objects.select_for_update(of=("self",)).get(pk=old.release_id)
        _in_justification(release)
        if old.status != B.REJECTED or not is_latest(old):
            raise DomainError(f"Only the last rejected business case is adjusted; {old.number} "
                              f"is {old.get_status_display().lower()}.")  # fmt: skip
        decision = rules.rejected_case_decision(could_still_be_approved=True)
        assert decision == rules.RejectedCaseDecision.ADJUST
        case = BusinessCase(
            release=release, round=old.round + 1,
            costs=old.costs if costs in (None, "") else svc.money(costs, "costs"),
            benefits=old.benefits if benefits is None else _benefits(benefits),
            budget_requested=old.budget_requested if budget_requested in (None, "")
            else _requested(budget_requested),
            budget_reference=old.budget_reference if budget_reference is None
            else (budget_reference or "").strip()[:60],
        )  # fmt: skip
        numbering.assign(case)
        case.full_clean()
        case.save()
        journal.created(case, actor=actor,
                        system_text=f"Round {case.round}: {old.number} adjusted.",
                        system_data={"adjusts": old.pk})  # fmt: skip
        journal.system(old, text=f"Adjusted in {case.number} (round {case.round}).",
                       data={"adjusted_in": case.pk})  # fmt: skip
        _set_justification(release, Justification.REQUIRED)
        journal.system(release, text=f"Business case {old.number} adjusted: {case.number}, "
                       f"round {case.round}.", data={"business_case": case.pk})  # fmt: skip
        notify.record_event(record=case, event="releases.business_case.created", actor=actor)
    return case


def _end_requests(release: Release, *, actor: Person, reason: str) -> tuple[int, str]:
    """The release's requests for change after it is abandoned (``rules.back_to_backlog``):
    back to the backlog release when the CAB defined it, else unmet. (count, where)."""
    handlings = list(
        release.rfc_handlings.select_for_update(of=("self",))
        .select_related("rfc", "service")
        .filter(status=HandlingStatus.IN_RELEASE)
        .order_by("pk")
    )
    if rules.back_to_backlog(cab_defined=release.cab_defined, requirements_met=False):
        return svc.return_to_backlog(handlings, actor=actor, reason=reason), "backlog"
    for handling in handlings:
        handling.outcome_note = reason
        transitions.transition(
            handling, HandlingStatus.UNMET, actor=actor, workflow=workflows.HANDLING,
            reason=reason, event="releases.rfc_handling.unmet", also=("outcome_note",),
        )  # fmt: skip
    return len(handlings), "unmet"


def release_abandon(
    *,
    actor: Person,
    release_id: int,
    reason: str,
    expected_version: int | None = None,
) -> Release:
    """Proc. 3: the business case cannot be approved (``rules.rejected_case_decision``):
    the release is abandoned with its business case. The requesters are told that the
    business case was rejected. A release defined by the CAB puts its requests for change
    back in the backlog release and its CAB members are told, with the next CAB meeting
    named so they may bring it forward; otherwise its requests end unmet."""
    reason = (reason or "").strip()
    with transaction.atomic():
        release = _lock_release(actor, release_id, expected_version)
        inputs.RELEASE_ABANDON.check(actor, {"reason": reason}, release)
        _in_justification(release)
        if not reason:
            raise ValidationError({"reason": ["Say why the release is abandoned."]})
        case = latest_case(release)
        if case is not None and case.status == B.SUBMITTED:
            raise DomainError(f"{case.number} is waiting for approval: wait for the decision.")
        decision = rules.rejected_case_decision(could_still_be_approved=False)
        assert decision == rules.RejectedCaseDecision.ABANDON
        told = svc.requesters(release)
        if case is not None and case.status in (B.DRAFT, B.REJECTED):
            case = BusinessCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
            transitions.transition(
                case, B.ABANDONED, actor=actor, workflow=workflows.BUSINESS_CASE,
                reason=reason, event="releases.business_case.abandoned",
            )  # fmt: skip
        release.closed_at = timezone.now()
        transitions.transition(
            release, S.ABANDONED, actor=actor, workflow=workflows.RELEASE, reason=reason,
            event="releases.release.abandoned", also=("closed_at",),
        )  # fmt: skip
        why = f"Abandoned: {reason}"
        count, where = _end_requests(release, actor=actor, reason=why)
        rejected = "The business case for the release was rejected"
        if where == "backlog":
            fate = "it goes back to the backlog for the next CAB meeting."
        else:
            fate = "its requirements will not be met by this release."
        svc.tell(told, release, "releases.release.abandoned",
                 "business case rejected: release abandoned",
                 f"{rejected}: {release.title} is abandoned ({reason}). Your request for "
                 f"change is not implemented by it; {fate}", actor=actor)  # fmt: skip
        if where == "backlog":
            _tell_cab(release, actor=actor, reason=reason, count=count)
    return release


def _tell_cab(release: Release, *, actor: Person, reason: str, count: int) -> None:
    """Proc. 3: the CAB members learn the business case of their release was rejected,
    with the option to bring the next CAB meeting forward (named and linked)."""
    members = [m for m in svc.cab_members(release.service) if m != actor]
    if not members:
        return
    meeting = next_meeting(release)
    if meeting is not None:
        when = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")
        forward = (f"The next CAB meeting is {meeting.number} on {when}: you may bring it "
                   "forward to review them sooner.")  # fmt: skip
    else:
        forward = "No CAB meeting is scheduled: you may schedule one sooner to review them."
    body = (f"The business case for {release.number} {release.title}, defined by the CAB, "
            f"was rejected and the release abandoned ({reason}). Its {count} request(s) for "
            f"change are back in the backlog release. {forward}")  # fmt: skip
    notify.send(recipients=members, event="releases.release.abandoned",
                title=f"{release.number}: business case rejected, requests back in the backlog",
                body=body, record=release, url=meeting_url(meeting))  # fmt: skip


def business_case_abandon(
    *, actor: Person, case_id: int, reason: str, expected_version: int | None = None
) -> Release:
    """Proc. 3, from the business case's page: abandon its release (``release_abandon``)."""
    with transaction.atomic():
        locked = _lock_case(actor, COORDINATE, case_id, expected_version)
        if not is_latest(locked):
            raise DomainError(f"{locked.number} was adjusted: abandon from the last round.")
        return release_abandon(actor=actor, release_id=locked.release_id, reason=reason)
