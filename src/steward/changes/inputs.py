"""Who may set which field of each Change Management write (core.fields; issue 10).
Change Management is the provider's work: staff only, except where a section says so.
Free text is internal unless its section says who else reads it."""

from steward.core.fields import INTERNAL, staff, staff_inputs

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


# --- tasks: tasks and implementation (proc. 4, 5) ------------------
# (section owned by the tasks topic)


# --- closure: closure (proc. 6) ------------------------------------
# (section owned by the closure topic)


# --- emergency: emergency changes (proc. 7, 8) ---------------------
# (section owned by the emergency topic)


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
