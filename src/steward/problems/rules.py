"""The decision rules of Problem Management (seed 003 ch. 9), one function each, worded as
the seed words them. Services call them with what the problem investigation says; each is
covered branch by branch by a table in ``tests/test_rules.py``.

Whether Change Management is needed is Change Management's one rule
(``steward.changes.rules.needs_change_management``: unavailable or degraded in service
hours, different functionality, a CMDB update); it is re-exported here so every area reads
the same function."""

from steward.changes.rules import needs_change_management
from steward.problems.choices import AnalysisOutcome, ClosureDecision, ReviewDecision

__all__ = [
    "analysis_outcome",
    "closure_decision",
    "needs_change_management",
    "review_decision",
    "workaround_expected",
]


def workaround_expected(*, linked_incidents: int) -> bool:
    """Proc. 2: if the problem was identified after one or more incidents were already
    caused by it, the specialist attempts to provide a temporary workaround."""
    return linked_incidents > 0


def analysis_outcome(
    *,
    root_cause_found: bool,
    solution_proposed: bool,
    change_management_required: bool,
) -> AnalysisOutcome:
    """Proc. 2: the specialist who found the root cause and a structural solution
    implements it when Change Management is not required to (fixed); otherwise proposes
    it. Not able to find the root cause, or to propose a structural solution, the
    specialist says why. Either way the problem coordinator is told the work is done."""
    if not root_cause_found:
        return AnalysisOutcome.NO_ROOT_CAUSE
    if not solution_proposed:
        return AnalysisOutcome.NO_SOLUTION
    if change_management_required:
        return AnalysisOutcome.PROPOSED
    return AnalysisOutcome.FIXED


def review_decision(
    *,
    analysis_acceptable: bool,
    outcome: str,
    needs_change: bool | None,
) -> ReviewDecision:
    """Proc. 3, in the seed's order: an analysis that is not acceptable is reassigned for a
    better analysis; a problem the specialist already fixed goes to closure, as does a good
    analysis without a practical structural solution (an impasse candidate); a proposed
    solution the specialist did not implement is checked: when Change Management is not
    really needed a specialist is assigned to fix it, otherwise a known error goes to the
    change coordinator of the affected service.

    ``needs_change`` is the coordinator's own answer to the three conditions; it is read
    only for a proposed solution (``None`` there is a question the service asks first)."""
    if not analysis_acceptable:
        return ReviewDecision.REANALYSE
    if outcome == AnalysisOutcome.FIXED:
        return ReviewDecision.CLOSURE
    if outcome in (AnalysisOutcome.NO_ROOT_CAUSE, AnalysisOutcome.NO_SOLUTION):
        return ReviewDecision.IMPASSE_CANDIDATE
    if outcome != AnalysisOutcome.PROPOSED:
        raise ValueError(f"unknown analysis outcome {outcome!r}")
    if needs_change is None:
        raise ValueError("answer whether Change Management is really needed first")
    return ReviewDecision.KNOWN_ERROR if needs_change else ReviewDecision.FIX


def closure_decision(
    *,
    solved: bool,
    other_solution_possible: bool,
) -> ClosureDecision:
    """Proc. 4: when the implementation appears to have solved the problem the coordinator
    closes it; otherwise (the change was not implemented, or did not fix the problem) a
    different structural solution that might be possible sends it back to a specialist;
    when there is currently no practical means, the problem is an impasse."""
    if solved:
        return ClosureDecision.CLOSE
    if other_solution_possible:
        return ClosureDecision.REASSIGN
    return ClosureDecision.IMPASSE
