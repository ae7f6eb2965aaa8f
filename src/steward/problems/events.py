"""Webhook events of Problem Management (seed 003 ch. 9): the catalog entries.

Names follow ``core.events``: ``<app_label>.<record>.<verb>``; a status change's verb is
the new status.
"""

from steward.core.events import declare_many
from steward.problems.models import KnownError, ProblemCandidate, ProblemInvestigation

declare_many(
    ProblemInvestigation,
    {
        "created": "A problem investigation was registered (proc. 1).",
        "assigned": "A problem investigation was assigned to a specialist.",
        "incidents_linked": "Incident requests were linked to a problem investigation.",
        "root_cause_analysis": "The specialist started the root cause analysis (proc. 2).",
        "analysis_review": "The specialist completed the analysis: it waits for review.",
        "fix_in_progress": "A specialist was asked to implement the structural solution.",
        "known_error": "A known error was raised for the problem (proc. 3).",
        "closed": "A problem investigation was closed (proc. 4).",
        "impasse": "A problem investigation was recorded as an impasse (proc. 4).",
    },
)
declare_many(
    KnownError,
    {
        "created": "A known error was raised and passed to Change Management.",
        "resolved": "A known error was resolved by its change.",
    },
)
declare_many(
    ProblemCandidate,
    {
        "registered": "A problem was registered from a cluster of similar incidents.",
        "dismissed": "A cluster of similar incidents was dismissed.",
    },
)


# --- analysis: root cause analysis (proc. 2) ----------------------------------------
declare_many(
    ProblemInvestigation,
    {
        "workaround_recorded": "The specialist recorded a workaround for a problem (proc. 2).",
        "root_cause_found": "The specialist found the root cause of a problem (proc. 2).",
    },
)


# --- known_errors: analysis review and known errors (proc. 3) -----------------------
# (section owned by the known_errors topic)
declare_many(
    ProblemInvestigation,
    {"reviewed": "The problem coordinator reviewed the specialist's analysis (proc. 3)."},
)
