"""The "Closure" section of a problem's record page (seed 003 ch. 9 proc. 4): what the
coordinator verifies before deciding: the change (status, when implemented), the incident
requests of the problem's kinds registered since, and an impasse's re-check."""

from typing import Any

from steward.problems.choices import ProblemStatus
from steward.problems.models import ProblemInvestigation
from steward.problems.services import closure as svc


def closure_section(request: Any, problem: ProblemInvestigation) -> dict[str, Any]:
    """The evidence at the closure point, in an impasse and once closed; nothing before."""
    shown = svc.at_closure_point(problem) or problem.status in (
        ProblemStatus.IMPASSE,
        ProblemStatus.CLOSED,
    )
    if not shown:
        return {"closure": None}
    evidence = svc.recurrence_evidence(problem)
    evidence["more"] = evidence["count"] - len(evidence["incidents"])
    return {"closure": evidence}
