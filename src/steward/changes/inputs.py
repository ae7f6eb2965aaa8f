"""Who may set which field of each Change Management write (core.fields; issue 10).
Change Management is the provider's work: staff only, except where a section says so.
Free text is internal unless its section says who else reads it."""

from steward.core.fields import INTERNAL, Inputs, anyone, staff, staff_inputs

_TEXT = staff(audience=INTERNAL)


# --- rfcs: requests for change (proc. 1) ---------------------------
# (section owned by the rfcs topic)


# --- templates: templates and policies -----------------------------
# (section owned by the templates topic)


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
EMERGENCY_TRANSFER = staff_inputs("emergency change transfer", "environment", note=_TEXT)
EMERGENCY_TEST = staff_inputs("emergency change production test", "successful", note=_TEXT)
EMERGENCY_REGISTER = staff_inputs(
    "emergency change registration", "cmdb_updated", "capacity_updated", note=_TEXT
)


# --- calendar: planned events and the calendar ---------------------
# (section owned by the calendar topic)


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)
