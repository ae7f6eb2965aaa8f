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


# --- candidates: problem candidates -------------------------------------------------
# (section owned by the candidates topic)
CANDIDATE_REGISTER = staff_inputs(
    "problem registered from a candidate", "title", "support_group", "specialist",
    description=_TEXT,
)  # fmt: skip
CANDIDATE_DISMISS = staff_inputs("dismissed problem candidate", reason=_TEXT)


# --- analysis: root cause analysis (proc. 2) ----------------------------------------
# (section owned by the analysis topic)


# --- known_errors: analysis review and known errors (proc. 3) -----------------------
# (section owned by the known_errors topic)


# --- closure: problem closure and impasse (proc. 4) ---------------------------------
# (section owned by the closure topic)
