"""Who may set which field of each Change Management write (core.fields; issue 10).
Change Management is the provider's work: staff only, except where a section says so.
Free text is internal unless its section says who else reads it."""

from steward.core import fields as core_fields
from steward.core.fields import INTERNAL, REQUESTER, Inputs, anyone, staff, staff_inputs

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
CHANGE_UPDATE = staff_inputs(
    "change", "title", "category", "planned_start", "planned_end", "coordinator", "cis",
    "incidents", description=_TEXT, plan=_TEXT, backout_plan=_TEXT, test_plan=_TEXT,
)  # fmt: skip
CHANGE_ANALYSE = staff_inputs(
    "risk and impact analysis", "causes_outage", "functionality_changes", "cmdb_update",
    "infrastructure_changes", "tested", "backout_tested", "users_affected",
)  # fmt: skip
CHANGE_AVAILABILITY_HELP = staff_inputs("request for availability help", note=_TEXT)
CHANGE_CANCEL = staff_inputs("change cancellation", reason=staff(audience=REQUESTER))


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
TASK_ADD = staff_inputs(
    "change task", "title", "kind", "support_group", "assignee", "depends_on", "planned_start",
    "planned_end", description=_TEXT,
)  # fmt: skip
TASK_ASSIGN = staff_inputs("change task assignment", "assignee", "support_group")
TASK_RESULT = staff_inputs("change task result", result=_TEXT)
TASK_CANCEL = staff_inputs("change task cancellation", reason=_TEXT)


# --- closure: closure (proc. 6) ------------------------------------
# (section owned by the closure topic)
PRODUCTION_TEST = staff_inputs(
    "production test", "requirements_met", "improvement_over_before", "security_or_data_risk",
    note=_TEXT,
)  # fmt: skip
CHANGE_CLOSE = staff_inputs("change closure", note=_TEXT)


# --- emergency: emergency changes (proc. 7, 8) ---------------------
# (section owned by the emergency topic)
EMERGENCY_TRANSFER = staff_inputs("emergency change transfer", "environment", note=_TEXT)
EMERGENCY_TEST = staff_inputs("emergency change production test", "successful", note=_TEXT)
EMERGENCY_REGISTER = staff_inputs(
    "emergency change registration", "cmdb_updated", "capacity_updated", note=_TEXT
)


# --- calendar: planned events and the calendar ---------------------
# (section owned by the calendar topic)
PLANNED_EVENT = staff_inputs(
    "planned event", "title", "kind", "starts_at", "ends_at", "everywhere", "services", "cis",
    description=_TEXT,
)  # fmt: skip
PLANNED_EVENT_CANCEL = staff_inputs("planned event cancellation", reason=_TEXT)
CONFLICT_CHECK = staff_inputs(
    "conflict check", "start", "end", "cis", "services", "exclude_change"
)  # fmt: skip


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)
# Recording an incident request a change caused (and taking it back): the note is a work
# note on the change.
CHANGE_CAUSED_INCIDENT = staff_inputs("caused incident", "incident", note=_TEXT)
