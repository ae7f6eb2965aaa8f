"""Background jobs of Incident Management.

Importing this module (from ``IncidentsConfig.ready``) registers the periodic jobs and,
through the services it imports, the SLA escalation of incident requests.
"""

from django_tasks import task

from steward.core.scheduler import periodic
from steward.incidents.services import incidents, reporting


@periodic("incidents.auto_close", "30 4 * * *")
@task()
def auto_close_resolved() -> int:
    """Seed 003 ch. 8 proc. 6: close resolved requests the requester neither accepted nor
    reopened within the auto-close period (daily; idempotent)."""
    return incidents.incidents_auto_close()


@periodic("incidents.weekly_report", "0 7 * * 1")
@task()
def weekly_report() -> int:
    """IRP: last week's incident report to its subscribers, every Monday morning."""
    return reporting.send_weekly_reports()
