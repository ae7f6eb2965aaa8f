"""The decision rules of seed 003 ch. 9, branch by branch, as the seed words them."""

import pytest

from steward.problems import rules
from steward.problems.choices import AnalysisOutcome as A
from steward.problems.choices import ClosureDecision as C
from steward.problems.choices import ReviewDecision as R


@pytest.mark.parametrize(
    ("linked", "expected"),
    [
        (0, False),  # identified before it caused incidents: no workaround needed yet
        (1, True),  # "after one or more incidents were already caused by it"
        (7, True),
    ],
)
def test_workaround_expected_once_incidents_were_caused(linked, expected):
    assert rules.workaround_expected(linked_incidents=linked) is expected


@pytest.mark.parametrize(
    ("root_cause", "solution", "change_required", "expected"),
    [
        # Not able to find the root cause: says why (whatever else).
        (False, False, False, A.NO_ROOT_CAUSE),
        (False, True, True, A.NO_ROOT_CAUSE),
        # Root cause, but no structural solution to propose.
        (True, False, False, A.NO_SOLUTION),
        (True, False, True, A.NO_SOLUTION),
        # A solution that needs Change Management is proposed, not implemented.
        (True, True, True, A.PROPOSED),
        # Change Management not required: the specialist implements the solution.
        (True, True, False, A.FIXED),
    ],
)
def test_root_cause_analysis_outcome(root_cause, solution, change_required, expected):
    got = rules.analysis_outcome(
        root_cause_found=root_cause,
        solution_proposed=solution,
        change_management_required=change_required,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("acceptable", "outcome", "needs_change", "expected"),
    [
        # The analysis is not acceptable: reassign for a better analysis, whatever it says.
        (False, A.FIXED, None, R.REANALYSE),
        (False, A.PROPOSED, True, R.REANALYSE),
        (False, A.NO_SOLUTION, None, R.REANALYSE),
        # Already fixed (Change Management was not required): straight to closure.
        (True, A.FIXED, None, R.CLOSURE),
        # Good analysis without a practical structural solution: closure (impasse candidate).
        (True, A.NO_SOLUTION, None, R.IMPASSE_CANDIDATE),
        (True, A.NO_ROOT_CAUSE, None, R.IMPASSE_CANDIDATE),
        # Proposed but not implemented: is Change Management really needed?
        (True, A.PROPOSED, False, R.FIX),
        (True, A.PROPOSED, True, R.KNOWN_ERROR),
    ],
)
def test_analysis_review(acceptable, outcome, needs_change, expected):
    got = rules.review_decision(
        analysis_acceptable=acceptable, outcome=outcome, needs_change=needs_change
    )
    assert got == expected


def test_analysis_review_asks_the_change_question_before_deciding_a_proposal():
    with pytest.raises(ValueError, match="really needed"):
        rules.review_decision(analysis_acceptable=True, outcome=A.PROPOSED, needs_change=None)


@pytest.mark.parametrize(
    ("outage", "functionality", "cmdb", "expected"),
    [
        (False, False, False, False),
        (True, False, False, True),
        (False, True, False, True),
        (False, False, True, True),
        (None, None, None, False),
    ],
)
def test_change_management_really_needed_is_the_change_rule(outage, functionality, cmdb, expected):
    """Proc. 3 checks the same three conditions as ch. 3 proc. 1 (one function)."""
    from steward.changes import rules as change_rules

    assert rules.needs_change_management is change_rules.needs_change_management
    got = rules.needs_change_management(
        unavailable_in_service_hours=outage, functionality_changes=functionality, cmdb_update=cmdb
    )
    assert got is expected


@pytest.mark.parametrize(
    ("solved", "other_possible", "expected"),
    [
        (True, False, C.CLOSE),
        (True, True, C.CLOSE),
        # Not implemented, or did not fix it: another structural solution -> reassign.
        (False, True, C.REASSIGN),
        # No practical means for now: the impasse.
        (False, False, C.IMPASSE),
    ],
)
def test_problem_closure(solved, other_possible, expected):
    assert rules.closure_decision(solved=solved, other_solution_possible=other_possible) == expected
