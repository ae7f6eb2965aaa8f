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
HANDLING_REVIEW = staff_inputs(
    "request for change handling review", "decision", "problem_fix", "single_coordinator",
    "functionality_changes", "extra_funding", "effort_hours", "cost", "release",
    "new_release_title", note=_TEXT,
)  # fmt: skip


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
RELEASE_JUSTIFY = staff_inputs(
    "business justification decision", "estimated_cost", "available_budget", "budget_reference"
)
RELEASE_ABANDON = staff_inputs("abandoned release", reason=_TEXT)
BUSINESS_CASE_PREPARE = staff_inputs(
    "business case", "costs", "budget_requested", "budget_reference", benefits=_TEXT
)
BUSINESS_CASE_UPDATE = staff_inputs(
    "business case", "costs", "budget_requested", "budget_reference", benefits=_TEXT
)
BUSINESS_CASE_ADJUST = staff_inputs(
    "adjusted business case", "costs", "budget_requested", "budget_reference", benefits=_TEXT
)
BUSINESS_CASE_DECIDE = staff_inputs("business case decision", note=_TEXT)
BUSINESS_CASE_SUBMIT = staff_inputs("submitted business case")


# --- coordination: release coordination and review (proc. 4) ---------------------------
# (section owned by the coordination topic)
# The requirement documents go to Change Management as requests for change: staff read them.
PLAN_ITEM_ADD = staff_inputs(
    "release change", "title", "service", "change_coordinator", "rfcs", "duration_days",
    "depends_on", requirements=_TEXT,
)  # fmt: skip
PLAN_ITEM_UPDATE = PLAN_ITEM_ADD
PLAN_ITEM_REF = staff_inputs("release change", "item")
PLAN_ITEM_COMPLETE = staff_inputs(
    "release change", "item", "outcome", "additional_change_possible", "blackout_incomplete",
    "additional_title", "additional_coordinator", "additional_duration_days", note=_TEXT,
    additional_requirements=_TEXT,
)  # fmt: skip
RELEASE_COMPLETE = staff_inputs("release", "fulfilled_rfcs", note=_TEXT)
RELEASE_REVIEW = staff_inputs(
    "release", "held_at", "attendees", improvement_suggestions=_TEXT, decisions=_TEXT
)


# --- deployment: policy, environments, baselines, rollback ------------------------------
# (section owned by the deployment topic)
RELEASE_POLICY = staff_inputs(
    "release policy", "service", "major_frequency", "minor_frequency", "environments",
    "acceptance_test_required", "baseline_required", description=_TEXT, emergency_rules=_TEXT,
)  # fmt: skip
RELEASE_POLICY_UPDATE = RELEASE_POLICY("release policy", service=None)
# The page form has a date and the deliverables per environment; the API a list of stages.
DEPLOYMENT_PLAN = staff_inputs(
    "deployment plan", "stages", "development_planned_at", "test_planned_at",
    "acceptance_planned_at", "production_planned_at", development_deliverables=_TEXT,
    test_deliverables=_TEXT, acceptance_deliverables=_TEXT, production_deliverables=_TEXT,
)  # fmt: skip
RELEASE_TRANSFER = staff_inputs("release transfer", "environment", "accepted", note=_TEXT)
RELEASE_ACCEPT = staff_inputs("acceptance test result", "accepted", note=_TEXT)
RELEASE_ROLLBACK = staff_inputs("release rollback", reason=_TEXT)
RELEASE_EMERGENCY = staff_inputs(
    "emergency release", "service", "title", "emergency_change", "target_date",
    description=_TEXT, rollback_plan=_TEXT,
)  # fmt: skip
