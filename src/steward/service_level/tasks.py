"""Background jobs of Service Level Management: SLA reviews due and service reports.

Importing this module (from ``ServiceLevelConfig.ready``) registers the periodic jobs.
Both are idempotent: running them twice schedules and sends nothing twice.
"""

from django_tasks import task

from steward.core.scheduler import periodic
from steward.service_level.services import reporting, reviews


@periodic("service_level.schedule_reviews", "15 5 * * *")
@task()
def schedule_sla_reviews() -> int:
    """Schedule a review for every customer whose SLA evaluation term ended (daily)."""
    return len(reviews.schedule_due_reviews())


@periodic("service_level.service_reports", "0 6 * * *")
@task()
def send_service_reports() -> int:
    """Email the service reports whose period ended (daily; each period once)."""
    return reporting.send_due_reports()
