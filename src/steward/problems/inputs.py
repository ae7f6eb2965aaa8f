"""Who may set which field of each Problem Management write (core.fields; issue 10).
Problem Management is the provider's work: staff only. Free text is internal unless its
section says who else reads it (a known error's workaround is published to the staff
who register incidents, still staff)."""

from steward.core.fields import INTERNAL, staff, staff_inputs

_TEXT = staff(audience=INTERNAL)


# --- problems: registration, editing, linking, assignment (proc. 1) ----------------
# (section owned by the problems topic: the foundation)
PROBLEM_REGISTER = staff_inputs(
    "problem investigation", "title", "service", "category", "cis", "source", "incidents",
    "support_group", "specialist", description=_TEXT,
)  # fmt: skip
PROBLEM_UPDATE = staff_inputs(
    "problem investigation", "title", "category", "cis", "support_group", description=_TEXT,
)  # fmt: skip
PROBLEM_LINK = staff_inputs("linked incident requests", "incidents")
PROBLEM_UNLINK = staff_inputs("unlinked incident request", "incident")
PROBLEM_ASSIGN = staff_inputs("problem assignment", "support_group", "specialist", note=_TEXT)


# --- review: incident request review (proc. 1) -------------------------------------
# (section owned by the review topic)
REVIEW_SELECTION = staff_inputs("incident requests chosen in the review", "incidents", "problem",
                                "source")  # fmt: skip
INCIDENT_PROBLEM_LINK = staff_inputs("problem of an incident request", "problem")


# --- candidates: problem candidates -------------------------------------------------
# (section owned by the candidates topic)
CANDIDATE_REGISTER = staff_inputs(
    "problem registered from a candidate", "title", "support_group", "specialist",
    description=_TEXT,
)  # fmt: skip
CANDIDATE_DISMISS = staff_inputs("dismissed problem candidate", reason=_TEXT)


# --- analysis: root cause analysis (proc. 2) ----------------------------------------
# (section owned by the analysis topic)
PROBLEM_WORKAROUND = staff_inputs("problem workaround", workaround=_TEXT, workaround_steps=_TEXT)
PROBLEM_ROOT_CAUSE = staff_inputs("root cause", root_cause=_TEXT)
PROBLEM_OPTION_ADD = staff_inputs("structural solution option", "recommended", description=_TEXT)
PROBLEM_OPTION = staff_inputs("structural solution option", "option")
PROBLEM_COMPLETE_ANALYSIS = staff_inputs(
    "completed analysis", "change_management_required", no_root_cause_reason=_TEXT,
    no_solution_reason=_TEXT, no_workaround_reason=_TEXT,
)  # fmt: skip
PROBLEM_FIX_DONE = staff_inputs("implemented structural solution", note=_TEXT)


# --- known_errors: analysis review and known errors (proc. 3) -----------------------
# (section owned by the known_errors topic)
PROBLEM_REVIEW = staff_inputs(
    "analysis review", "analysis_acceptable", "unavailable_in_service_hours",
    "functionality_changes", "cmdb_update", "specialist", "support_group", "change", note=_TEXT,
)  # fmt: skip
from steward.core.fields import PUBLISHED  # noqa: E402  (this section's own)

# The workaround is published as a known workaround (incidents.Solution): once active,
# registration suggests it and requesters read it as they read any solution.
KNOWN_ERROR_UPDATE = staff_inputs(
    "known error", workaround=staff(audience=PUBLISHED), workaround_steps=staff(audience=PUBLISHED)
)


# --- closure: problem closure and impasse (proc. 4) ---------------------------------
# (section owned by the closure topic)
PROBLEM_CLOSE = staff_inputs("problem closure", note=_TEXT, override_reason=_TEXT)
PROBLEM_REASSIGN = staff_inputs("problem reassignment for another solution", "specialist",
                                note=_TEXT)  # fmt: skip
PROBLEM_IMPASSE = staff_inputs("problem impasse", "recheck_on", reason=_TEXT)
PROBLEM_REOPEN = staff_inputs("another analysis of an impasse", "specialist", note=_TEXT)
