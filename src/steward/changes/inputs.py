"""Who may set which field of each Change Management write (core.fields; issue 10).
Change Management is the provider's work: staff only, except where a section says so.
Free text is internal unless its section says who else reads it."""

from steward.core import fields as core_fields
from steward.core.fields import INTERNAL, Inputs, anyone, staff, staff_inputs

_TEXT = staff(audience=INTERNAL)


# --- rfcs: requests for change (proc. 1) ---------------------------
# (section owned by the rfcs topic)
# The request's title and description are read by its requester too (a customer who asked
# through the request form is told about it); the review's note is a work note.
_SHARED = staff(audience=core_fields.SHARED)
RFC_CONDITIONS = (
    "causes_outage_in_service_hours", "functionality_changes", "cmdb_update", "problem_fix",
    "single_coordinator", "extra_funding",
)  # fmt: skip
RFC_SUBMIT = staff_inputs(
    "request for change", "title", "service", "source", "incident", "origin_reference",
    "wanted_by", "standard_template", *RFC_CONDITIONS, description=_SHARED,
)  # fmt: skip
RFC_REVIEW = staff_inputs(
    "request for change review", "decision", "template", "task_templates", "policy", "change",
    "category", *RFC_CONDITIONS, note=_TEXT,
)  # fmt: skip


# --- templates: templates and policies -----------------------------
# (section owned by the templates topic)
CHANGE_TEMPLATE = staff_inputs(
    "change template", "name", "change_type", "category", "service", "risk_level",
    "duration_minutes", "is_active",
    description=_TEXT, plan=_TEXT, backout_plan=_TEXT,
)  # fmt: skip
TASK_TEMPLATE = staff_inputs(
    "task template", "change_template", "name", "kind", "support_group", "position",
    "after_previous", description=_TEXT,
)  # fmt: skip
# A policy's statement is what a requester is told when their request conflicts with it.
CHANGE_POLICY = staff_inputs(
    "change policy", "name", "is_active", statement=staff(audience=core_fields.REQUESTER)
)  # fmt: skip


# --- changes: changes: registration, analysis, planning (proc. 2) ---
# (section owned by the changes topic)
CHANGE_REGISTER = staff_inputs(
    "change", "title", "service", "change_type", "category", "template", "task_templates",
    "coordinator", "cis", description=_TEXT,
)  # fmt: skip


# --- approvals: approval (proc. 3) ---------------------------------
# (section owned by the approvals topic)
# The change manager's review: staff only. The approvers' decisions: anyone the approver
# rule names may give them, customer representatives included (the service checks that the
# actor is a pending approver); the note is read by the change manager and coordinator.
CHANGE_REVIEW = staff_inputs("change manager's review", "review", "policy", note=_TEXT)
CHANGE_APPROVE = Inputs("change approval", approval=anyone(), note=anyone(audience=INTERNAL))
CHANGE_REJECT = Inputs(
    "change rejection", approval=anyone(), reason=anyone(), note=anyone(audience=INTERNAL)
)


# --- tasks: tasks and implementation (proc. 4, 5) ------------------
# (section owned by the tasks topic)


# --- closure: closure (proc. 6) ------------------------------------
# (section owned by the closure topic)


# --- emergency: emergency changes (proc. 7, 8) ---------------------
# (section owned by the emergency topic)


# --- calendar: planned events and the calendar ---------------------
# (section owned by the calendar topic)


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)
