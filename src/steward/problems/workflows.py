"""Status transition tables of Problem Management (seed 003 ch. 9)."""

from steward.core.workflows import Workflow
from steward.problems.choices import CandidateStatus, KnownErrorStatus, ProblemStatus

P, K, C = ProblemStatus, KnownErrorStatus, CandidateStatus

# Proc. 1 registers and assigns; proc. 2 is the specialist's analysis (and a fix the review
# asked for); proc. 3 the coordinator's review; proc. 4 the closure after the change (or
# after the specialist's own fix): closed, reassigned for another structural solution, or
# an impasse, which is re-checked and may be assigned for another analysis.
PROBLEM = Workflow.build(
    "problem investigation",
    {
        P.REGISTERED: {P.ASSIGNED},
        P.ASSIGNED: {P.ROOT_CAUSE_ANALYSIS},
        P.ROOT_CAUSE_ANALYSIS: {P.ANALYSIS_REVIEW, P.ASSIGNED},
        P.ANALYSIS_REVIEW: {P.ASSIGNED, P.FIX_IN_PROGRESS, P.KNOWN_ERROR, P.CLOSED, P.IMPASSE},
        P.FIX_IN_PROGRESS: {P.ANALYSIS_REVIEW, P.ASSIGNED},
        P.KNOWN_ERROR: {P.CLOSED, P.ASSIGNED, P.IMPASSE},
        P.IMPASSE: {P.ASSIGNED, P.CLOSED},
        P.CLOSED: set(),
    },
)

# A known error goes to Change Management as a request for change (proc. 3); closing its
# problem resolves it (proc. 4) or, when the coordinator gives up, retires it.
KNOWN_ERROR = Workflow.build(
    "known error",
    {
        K.OPEN: {K.CHANGE_REQUESTED, K.RESOLVED, K.RETIRED},
        K.CHANGE_REQUESTED: {K.RESOLVED, K.RETIRED},
        K.RESOLVED: set(),
        K.RETIRED: set(),
    },
)

# A problem candidate is decided once: registered as a problem, or dismissed.
CANDIDATE = Workflow.build(
    "problem candidate",
    {C.OPEN: {C.REGISTERED, C.DISMISSED}, C.REGISTERED: set(), C.DISMISSED: set()},
)
