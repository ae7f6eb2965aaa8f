"""The action tables of Change Management (``core.actions``): the buttons of the change,
request-for-change, task and planned-event pages (seed 003 ch. 3), each with its page URL
and its ``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""


# --- rfcs: requests for change (proc. 1) ---------------------------
# (section owned by the rfcs topic)


# --- templates: templates and policies -----------------------------
# (section owned by the templates topic)


# --- changes: changes: registration, analysis, planning (proc. 2) ---
# (section owned by the changes topic)


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


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)
