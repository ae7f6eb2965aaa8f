"""Who may set which field of each Change Management write (core.fields; issue 10)."""


# --- rfcs: requests for change (proc. 1) ---------------------------
# (section owned by the {t} topic)


# --- templates: templates and policies -----------------------------
# (section owned by the {t} topic)


# --- changes: changes: registration, analysis, planning (proc. 2) ---
# (section owned by the {t} topic)


# --- approvals: approval (proc. 3) ---------------------------------
# (section owned by the {t} topic)


# --- tasks: tasks and implementation (proc. 4, 5) ------------------
# (section owned by the {t} topic)


# --- closure: closure (proc. 6) ------------------------------------
# (section owned by the {t} topic)


# --- emergency: emergency changes (proc. 7, 8) ---------------------
# (section owned by the {t} topic)


# --- calendar: planned events and the calendar ---------------------
# (section owned by the {t} topic)


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the {t} topic)
