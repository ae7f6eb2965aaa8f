"""The decision rules of Release Management (seed 003 ch. 10), one function each, worded
as the seed words them. Services call them with what the records say; each is covered
branch by branch by a table in ``tests/test_rules.py``.

"Does the request need Release Management" is Change Management's own rule (ch. 3 proc. 1
reads it when passing a request on; ch. 10 proc. 1 when passing one back): one function
for both areas, re-exported here."""

from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from steward.changes.rules import needs_release_management
from steward.releases.choices import ENVIRONMENT_ORDER, CabOutcome, Environment

__all__ = [
    "ChangeFollowUp",
    "HandlingDecision",
    "JustificationDecision",
    "RejectedCaseDecision",
    "after_change_completed",
    "back_to_backlog",
    "cab_outcome",
    "handling_decision",
    "justification_decision",
    "needs_cab_review",
    "needs_release_management",
    "next_environment",
    "rejected_case_decision",
    "who_to_tell",
]


def needs_cab_review(*, problem_fix: bool | None, functionality_changes: bool | None) -> bool:
    """Proc. 1: the CAB does not need to review the change if it asks for the
    implementation of a change to prevent or fix a problem and if this change will not
    cause the functionality of a service to become different."""
    return not (problem_fix is True and functionality_changes is False)


class HandlingDecision(StrEnum):
    """What the release coordinator's review of a request for change leads to (proc. 1)."""

    PASS_BACK = "pass_back"  # Release Management is not required
    CAB = "cab"  # estimate effort and cost, add it to the next CAB meeting's list
    NO_CAB = "no_cab"  # straight into a release, without the CAB


def handling_decision(
    *,
    source: str,
    problem_fix: bool | None,
    single_coordinator: bool | None,
    functionality_changes: bool | None,
    extra_funding: bool | None,
) -> HandlingDecision:
    """Proc. 1, in the seed's order: passed back when it does not require Release
    Management; else to the CAB's list when it requires CAB approval; else into a release
    without the CAB."""
    if not needs_release_management(
        source=source,
        problem_fix=problem_fix,
        single_coordinator=single_coordinator,
        functionality_changes=functionality_changes,
        extra_funding=extra_funding,
    ):
        return HandlingDecision.PASS_BACK
    if needs_cab_review(problem_fix=problem_fix, functionality_changes=functionality_changes):
        return HandlingDecision.CAB
    return HandlingDecision.NO_CAB


def cab_outcome(*, members: int, rejects: int, includes: int) -> CabOutcome:
    """Proc. 2: a request for change is rejected when at least two-thirds of the CAB
    members agree that it should be rejected, included in the next release when two-thirds
    or more of the CAB members have asked for it; otherwise it is reviewed again at the
    next meeting (the backlog release).

    The denominator is all the CAB's members at the meeting, as the seed reads ("of the
    CAB members"): a member who says "no opinion" or does not vote counts, and does not
    agree. Integer arithmetic (3 x votes >= 2 x members), so 2 of 3 is two-thirds exactly.
    Both thresholds cannot hold at once (4/3 of the members would have voted)."""
    if members < 1:
        raise ValueError("A CAB meeting without members cannot decide.")
    if rejects < 0 or includes < 0 or rejects + includes > members:
        raise ValueError("More votes than members.")
    if 3 * rejects >= 2 * members:
        return CabOutcome.REJECTED
    if 3 * includes >= 2 * members:
        return CabOutcome.INCLUDED
    return CabOutcome.BACKLOG


class JustificationDecision(StrEnum):
    CANCEL = "cancel"  # no business case: the available budget covers the release
    PREPARE = "prepare"  # prepare a business case and request its approval


def justification_decision(
    *, estimated_cost: Decimal | None, available_budget: Decimal | None
) -> JustificationDecision:
    """Proc. 3: if the next release can be implemented using the budget already available
    to the service owner, the business justification is cancelled; otherwise a business
    case justifies it. A release with no cost estimate cannot be decided (the service
    refuses); an unknown budget covers nothing."""
    if estimated_cost is None:
        raise ValueError("The release has no cost estimate.")
    if available_budget is not None and available_budget >= estimated_cost:
        return JustificationDecision.CANCEL
    return JustificationDecision.PREPARE


class RejectedCaseDecision(StrEnum):
    ADJUST = "adjust"  # adjust the business case and request approval again
    ABANDON = "abandon"  # tell the requesters; CAB-defined: back to backlog, tell the CAB


def rejected_case_decision(*, could_still_be_approved: bool) -> RejectedCaseDecision:
    """Proc. 3: a rejected business case is adjusted if an adjusted case could still get
    the necessary approvals; otherwise the release is abandoned."""
    return RejectedCaseDecision.ADJUST if could_still_be_approved else RejectedCaseDecision.ABANDON


def back_to_backlog(*, cab_defined: bool, requirements_met: bool) -> bool:
    """Proc. 3 and 4: the requests for change of a release defined by the CAB whose
    requirements were not (fully) met, or whose release was abandoned, go back to the
    backlog release for the next CAB meeting; those of a release the CAB did not define
    do not."""
    return cab_defined and not requirements_met


class ChangeFollowUp(StrEnum):
    UPDATE = "update"  # enter a short update in the release
    ADDITIONAL = "additional"  # document additional change(s) and pass them on
    ACCEPT = "accept"  # the failure is accepted: the unmet requirements stay unmet


def after_change_completed(
    *,
    requirements_fulfilled: bool,
    additional_change_possible: bool | None = None,
    blackout_incomplete: bool | None = None,
) -> ChangeFollowUp:
    """Proc. 4: when a change is completed the release coordinator enters an update. If
    its requirements could not all be fulfilled, additional changes are documented and
    passed on when they can still fulfil all or most requirements, or when they are needed
    to complete the black-out of the release; otherwise the failure is accepted."""
    if requirements_fulfilled:
        return ChangeFollowUp.UPDATE
    if additional_change_possible or blackout_incomplete:
        return ChangeFollowUp.ADDITIONAL
    return ChangeFollowUp.ACCEPT


def who_to_tell(*, cab_defined: bool, business_case: bool) -> tuple[str, ...]:
    """Proc. 4: after the last change the requesters are told whether their requirements
    were fulfilled; the CAB members if the CAB defined the release; the approvers of the
    business case if one had to be prepared."""
    told = ["requesters"]
    if cab_defined:
        told.append("cab_members")
    if business_case:
        told.append("business_case_approvers")
    return tuple(told)


def next_environment(path: Iterable[str], transferred: Iterable[str]) -> str | None:
    """Seed 004: a release moves through its environments in order (the policy's path, or
    all four); the next is the first of the path not yet transferred to, or None when it
    is in production."""
    done = set(transferred)
    ordered = [e for e in ENVIRONMENT_ORDER if e in set(path or ENVIRONMENT_ORDER)]
    if Environment.PRODUCTION not in ordered:
        ordered.append(Environment.PRODUCTION)
    for environment in ordered:
        if environment not in done:
            return environment
    return None
