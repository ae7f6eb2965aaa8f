"""Incident reports in the shell: navigation."""

from steward.core import registry

AREA = "Reports"
registry.nav(AREA, "Incident reports", "incidents:reports", "incidents.report.view", 10)
registry.nav(AREA, "Daily review", "incidents:report-daily-review", "incidents.report.view", 20)
registry.nav(AREA, "Aging", "incidents:report-aging", "incidents.report.view", 30)
