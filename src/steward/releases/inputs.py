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


# --- justification: business justification (proc. 3) ---------------------------------
# (section owned by the justification topic)


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
