"""Who may set which field of each Release Management write (core.fields; issue 10).
Release Management is the provider's work: staff only. Free text is internal unless its
section says who else reads it."""

from steward.core.fields import INTERNAL, staff, staff_inputs

_TEXT = staff(audience=INTERNAL)


# --- releases: registration and editing (proc. 2) -------------------------------------
# (section owned by the releases topic: the foundation)
RELEASE_REGISTER = staff_inputs(
    "release", "title", "service", "release_type", "planned_start", "planned_end",
    "target_date", "estimated_cost", "available_budget", "budget_reference",
    description=_TEXT,
)  # fmt: skip
RELEASE_UPDATE = staff_inputs(
    "release", "title", "release_type", "planned_start", "planned_end", "target_date",
    "estimated_cost", "available_budget", "budget_reference", description=_TEXT,
    plan_notes=_TEXT, rollback_plan=_TEXT,
)  # fmt: skip


# --- handling: request for change handling (proc. 1) ----------------------------------
# (section owned by the handling topic)


# --- cabs: CABs, meetings and votes (proc. 2) -------------------------------------------
# (section owned by the cabs topic)
CAB_CREATE = staff_inputs("CAB", "service", "name", "members", "usual_place")
CAB_UPDATE = staff_inputs("CAB", "name", "members", "usual_place")
MEETING_SCHEDULE = staff_inputs("CAB meeting", "cab", "starts_at", "place", "submission_deadline")
MEETING_RESCHEDULE = staff_inputs("CAB meeting", "starts_at", "place", "submission_deadline")
MEETING_CANCEL = staff_inputs("CAB meeting", reason=_TEXT)
MEETING_VOTE = staff_inputs("CAB vote", "votes", "vote_*")
MEETING_CLOSE = staff_inputs(
    "CAB meeting", "next_starts_at", "next_place", "next_deadline",
    minutes=staff(audience="The minutes are published to the CAB members."),
)  # fmt: skip
MEETING_MINUTES = staff_inputs(
    "CAB meeting", minutes=staff(audience="The minutes are published to the CAB members.")
)
MEETING_RELEASE = staff_inputs(
    "release", "title", "release_type", "planned_start", "planned_end", "target_date",
    "estimated_cost", description=_TEXT,
)  # fmt: skip


# --- justification: business justification (proc. 3) ---------------------------------
# (section owned by the justification topic)


# --- coordination: release coordination and review (proc. 4) ---------------------------
# (section owned by the coordination topic)


# --- deployment: policy, environments, baselines, rollback ------------------------------
# (section owned by the deployment topic)
