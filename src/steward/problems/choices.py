"""Choices of Problem Management (seed 003 ch. 9)."""

from django.db import models


class ProblemStatus(models.TextChoices):
    """The phases of a problem investigation (proc. 1-4)."""

    REGISTERED = "registered", "Registered"
    ASSIGNED = "assigned", "Assigned"
    ROOT_CAUSE_ANALYSIS = "root_cause_analysis", "Root cause analysis"
    ANALYSIS_REVIEW = "analysis_review", "Analysis review"
    FIX_IN_PROGRESS = "fix_in_progress", "Fix in progress"
    KNOWN_ERROR = "known_error", "Known error"
    CLOSED = "closed", "Closed"
    IMPASSE = "impasse", "Impasse"


OPEN_PROBLEM_STATUSES = (
    ProblemStatus.REGISTERED,
    ProblemStatus.ASSIGNED,
    ProblemStatus.ROOT_CAUSE_ANALYSIS,
    ProblemStatus.ANALYSIS_REVIEW,
    ProblemStatus.FIX_IN_PROGRESS,
    ProblemStatus.KNOWN_ERROR,
)
# Where the specialist works on it (proc. 2, and a fix after the review).
SPECIALIST_STATUSES = (
    ProblemStatus.ASSIGNED,
    ProblemStatus.ROOT_CAUSE_ANALYSIS,
    ProblemStatus.FIX_IN_PROGRESS,
)


class ProblemSource(models.TextChoices):
    """How the problem coordinator came to identify the problem (proc. 1)."""

    INCIDENT_REVIEW = "incident_review", "Incident request review"
    SPECIALIST_HINT = "specialist_hint", "A specialist's hint"
    CANDIDATE = "candidate", "A cluster the system found"
    AVAILABILITY = "availability", "Availability tracking"
    CAPACITY = "capacity", "Capacity tracking"


class AnalysisOutcome(models.TextChoices):
    """What the specialist's root cause analysis ended with (proc. 2)."""

    FIXED = "fixed", "Fixed: Change Management was not needed"
    PROPOSED = "proposed", "Structural solution proposed: Change Management needed"
    NO_ROOT_CAUSE = "no_root_cause", "No root cause found"
    NO_SOLUTION = "no_solution", "No practical structural solution"


class ReviewDecision(models.TextChoices):
    """Where the problem coordinator's analysis review leads (proc. 3)."""

    CLOSURE = "closure", "Fixed: go to problem closure"
    IMPASSE_CANDIDATE = "impasse_candidate", "Good analysis, no practical solution: closure"
    FIX = "fix", "Change Management not needed: assign a specialist to fix it"
    KNOWN_ERROR = "known_error", "Change Management needed: raise a known error"
    REANALYSE = "reanalyse", "Analysis not acceptable: assign for a better analysis"


class ClosureDecision(models.TextChoices):
    """What the problem coordinator's verification after the change leads to (proc. 4)."""

    CLOSE = "close", "Solved: close the problem"
    REASSIGN = "reassign", "Another structural solution may be possible: reassign"
    IMPASSE = "impasse", "No practical solution for now: impasse"


class KnownErrorStatus(models.TextChoices):
    OPEN = "open", "Open"
    CHANGE_REQUESTED = "change_requested", "Change requested"
    RESOLVED = "resolved", "Resolved"
    RETIRED = "retired", "Retired"


OPEN_KNOWN_ERROR_STATUSES = (KnownErrorStatus.OPEN, KnownErrorStatus.CHANGE_REQUESTED)


class CandidateStatus(models.TextChoices):
    OPEN = "open", "Open"
    REGISTERED = "registered", "Registered as a problem"
    DISMISSED = "dismissed", "Dismissed"
