"""Change Management in the shell: navigation, global search and "My work".

One module for everything the area plugs into the shell (core.registry); imported by
ChangesConfig.ready().
"""

from steward.changes.queries import kpis as kpi_queries
from steward.configuration.services import cis as cmdb
from steward.core import registry
from steward.service_level.services import reporting as service_reports

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


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)
registry.nav(AREA, "Change KPIs", "changes:kpis", kpi_queries.VIEW, 90)
# The CMDB records the change a CI was changed under and the service report lists a
# service's changes; both areas come first in INSTALLED_APPS, so they ask through core.
registry.provide(cmdb.CHANGE_PROVIDER, kpi_queries.change_for_cmdb)
registry.provide(service_reports.REPORT_CHANGES, kpi_queries.service_report_changes)
