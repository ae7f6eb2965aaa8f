"""Change Management in the shell: navigation, global search and "My work".

One module for everything the area plugs into the shell (core.registry); imported by
ChangesConfig.ready().
"""

from steward.core import registry

AREA = "Changes"
VIEW = "changes.change.view"


# --- rfcs: requests for change (proc. 1) ---------------------------
# (section owned by the rfcs topic)


# --- templates: templates and policies -----------------------------
# (section owned by the templates topic)


# --- changes: changes: registration, analysis, planning (proc. 2) ---
# (section owned by the changes topic)
registry.nav(AREA, "Changes", "changes:change-list", VIEW, 10)


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
registry.nav(AREA, "Change calendar", "changes:calendar", VIEW, 60)
registry.nav(AREA, "Planned events", "changes:planned-event-list", VIEW, 61)


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)
