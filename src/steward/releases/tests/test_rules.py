"""Every branch of Release Management's decision rules (seed 003 ch. 10), table by table;
the two-thirds rule exhaustively for CABs of 1 to 12 members."""

from decimal import Decimal
from fractions import Fraction

import pytest

from steward.changes.choices import RfcSource
from steward.releases import rules
from steward.releases.choices import CabOutcome
from steward.releases.rules import (
    ChangeFollowUp,
    HandlingDecision,
    JustificationDecision,
    RejectedCaseDecision,
)

S = RfcSource


@pytest.mark.parametrize(
    "source, fix, single, functional, funding, expected",
    [
        # Not a problem fix: Release Management handles it; the CAB reviews it.
        (S.REQUEST_FORM, False, True, False, False, HandlingDecision.CAB),
        (S.INCIDENT, None, None, None, None, HandlingDecision.CAB),
        # A problem fix meeting all three provisos: passed back.
        (S.KNOWN_ERROR, True, True, False, False, HandlingDecision.PASS_BACK),
        # A problem fix failing one proviso stays; without a functional change, no CAB.
        (S.KNOWN_ERROR, True, False, False, False, HandlingDecision.NO_CAB),
        (S.KNOWN_ERROR, True, True, False, True, HandlingDecision.NO_CAB),
        (S.KNOWN_ERROR, True, None, False, False, HandlingDecision.NO_CAB),
        # ... and with a functional change (or not known), the CAB reviews it.
        (S.KNOWN_ERROR, True, True, True, False, HandlingDecision.CAB),
        (S.KNOWN_ERROR, True, True, None, False, HandlingDecision.CAB),
        # From Release or Continuity Management: never Release Management's again.
        (S.RELEASE, False, False, True, True, HandlingDecision.PASS_BACK),
        (S.CONTINUITY, None, None, None, None, HandlingDecision.PASS_BACK),
    ],
)
def test_handling_decision(source, fix, single, functional, funding, expected) -> None:
    decided = rules.handling_decision(
        source=source, problem_fix=fix, single_coordinator=single,
        functionality_changes=functional, extra_funding=funding,
    )  # fmt: skip
    assert decided == expected


@pytest.mark.parametrize(
    "fix, functional, expected",
    [
        (True, False, False),  # a problem fix without a functional change: no CAB
        (True, True, True),
        (True, None, True),  # not known to keep the functionality: the CAB decides
        (False, False, True),
        (None, False, True),
    ],
)
def test_needs_cab_review(fix, functional, expected) -> None:
    assert rules.needs_cab_review(problem_fix=fix, functionality_changes=functional) is expected


def _expected(members: int, rejects: int, includes: int) -> CabOutcome:
    # The seed's words as fractions: "at least two-thirds of the CAB members".
    if Fraction(rejects, members) >= Fraction(2, 3):
        return CabOutcome.REJECTED
    if Fraction(includes, members) >= Fraction(2, 3):
        return CabOutcome.INCLUDED
    return CabOutcome.BACKLOG


@pytest.mark.parametrize("members", range(1, 13))
def test_two_thirds_rule_every_split(members: int) -> None:
    """Every split of a CAB of ``members`` into reject / include / no opinion or not
    voted: the denominator is all the members."""
    seen = set()
    for rejects in range(members + 1):
        for includes in range(members + 1 - rejects):
            outcome = rules.cab_outcome(members=members, rejects=rejects, includes=includes)
            assert outcome == _expected(members, rejects, includes), (members, rejects, includes)
            seen.add(outcome)
    assert seen == {CabOutcome.REJECTED, CabOutcome.INCLUDED, CabOutcome.BACKLOG} or members < 2


@pytest.mark.parametrize(
    "members, rejects, includes, expected",
    [
        (1, 1, 0, CabOutcome.REJECTED),
        (1, 0, 1, CabOutcome.INCLUDED),
        (1, 0, 0, CabOutcome.BACKLOG),  # the only member abstained or did not vote
        (3, 2, 0, CabOutcome.REJECTED),  # 2 of 3 is two-thirds exactly
        (3, 0, 2, CabOutcome.INCLUDED),
        (3, 1, 1, CabOutcome.BACKLOG),
        (4, 2, 0, CabOutcome.BACKLOG),  # half is not two-thirds
        (5, 0, 3, CabOutcome.BACKLOG),  # 3 of 5 = 60 %
        (5, 0, 4, CabOutcome.INCLUDED),
        # Abstentions count in the denominator: 4 include of 6 members, 2 no opinion.
        (6, 0, 4, CabOutcome.INCLUDED),
        # Members who did not vote count too: 6 of 10 voted to include, 4 silent.
        (10, 0, 6, CabOutcome.BACKLOG),
        (12, 8, 0, CabOutcome.REJECTED),
        (12, 7, 5, CabOutcome.BACKLOG),
    ],
)
def test_two_thirds_rule_named_cases(members, rejects, includes, expected) -> None:
    assert rules.cab_outcome(members=members, rejects=rejects, includes=includes) == expected


@pytest.mark.parametrize("members, rejects, includes", [(0, 0, 0), (3, 2, 2), (2, -1, 0)])
def test_two_thirds_rule_refuses_impossible_counts(members, rejects, includes) -> None:
    with pytest.raises(ValueError):
        rules.cab_outcome(members=members, rejects=rejects, includes=includes)


@pytest.mark.parametrize(
    "cost, budget, expected",
    [
        (Decimal("1000"), Decimal("1000"), JustificationDecision.CANCEL),  # covered exactly
        (Decimal("1000"), Decimal("5000"), JustificationDecision.CANCEL),
        (Decimal("1000"), Decimal("999.99"), JustificationDecision.PREPARE),
        (Decimal("1000"), None, JustificationDecision.PREPARE),  # no budget known
        (Decimal("0"), Decimal("0"), JustificationDecision.CANCEL),
    ],
)
def test_justification_decision(cost, budget, expected) -> None:
    assert rules.justification_decision(estimated_cost=cost, available_budget=budget) == expected


def test_justification_needs_a_cost_estimate() -> None:
    with pytest.raises(ValueError):
        rules.justification_decision(estimated_cost=None, available_budget=Decimal("10"))


@pytest.mark.parametrize(
    "could, expected",
    [(True, RejectedCaseDecision.ADJUST), (False, RejectedCaseDecision.ABANDON)],
)
def test_rejected_case_decision(could, expected) -> None:
    assert rules.rejected_case_decision(could_still_be_approved=could) == expected


@pytest.mark.parametrize(
    "cab_defined, met, expected",
    [(True, False, True), (True, True, False), (False, False, False), (False, True, False)],
)
def test_back_to_backlog(cab_defined, met, expected) -> None:
    assert rules.back_to_backlog(cab_defined=cab_defined, requirements_met=met) is expected


@pytest.mark.parametrize(
    "fulfilled, possible, blackout, expected",
    [
        (True, None, None, ChangeFollowUp.UPDATE),
        (True, True, True, ChangeFollowUp.UPDATE),
        (False, True, False, ChangeFollowUp.ADDITIONAL),  # most requirements still reachable
        (False, False, True, ChangeFollowUp.ADDITIONAL),  # the black-out must be completed
        (False, False, False, ChangeFollowUp.ACCEPT),
        (False, None, None, ChangeFollowUp.ACCEPT),
    ],
)
def test_after_change_completed(fulfilled, possible, blackout, expected) -> None:
    decided = rules.after_change_completed(
        requirements_fulfilled=fulfilled, additional_change_possible=possible,
        blackout_incomplete=blackout,
    )  # fmt: skip
    assert decided == expected


@pytest.mark.parametrize(
    "cab_defined, case, expected",
    [
        (False, False, ("requesters",)),
        (True, False, ("requesters", "cab_members")),
        (False, True, ("requesters", "business_case_approvers")),
        (True, True, ("requesters", "cab_members", "business_case_approvers")),
    ],
)
def test_who_to_tell(cab_defined, case, expected) -> None:
    assert rules.who_to_tell(cab_defined=cab_defined, business_case=case) == expected


@pytest.mark.parametrize(
    "path, done, expected",
    [
        ([], [], "development"),
        ([], ["development"], "test"),
        ([], ["development", "test"], "acceptance"),
        ([], ["development", "test", "acceptance"], "production"),
        ([], ["development", "test", "acceptance", "production"], None),
        (["test", "production"], [], "test"),  # a policy with fewer environments
        (["test", "production"], ["test"], "production"),
        (["production", "test"], [], "test"),  # the order is the seed's, not the list's
        (["test"], ["test"], "production"),  # production is always the end
    ],
)
def test_next_environment(path, done, expected) -> None:
    assert rules.next_environment(path, done) == expected
