"""Periodic service reports per customer, sent by email (ISO/IEC 20000 service reporting).

Each active ``ServiceReportSchedule`` covers the last complete period before today (the
previous week Monday-Sunday, calendar month or calendar quarter). A report holds the
status of every service the customer subscribes to, the outages in the period, the
changes of those services (implemented in the period with their outcome, and in progress;
Change Management provides them through ``core.registry``, as it comes later in
INSTALLED_APPS; without it the report says so) and SLT performance from the same figures
as an SLA review (``queries.reviews.compute_figures_for``).

Sending is idempotent per period: the schedule is claimed with a conditional UPDATE of
``last_period_end`` before the email goes out, so a second run (or a second worker)
finds nothing to do; a failed send gives the claim back for the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core import mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from steward.core import registry
from steward.service_level.choices import ReportFrequency
from steward.service_level.models import Service, ServiceReportSchedule
from steward.service_level.queries import reviews

logger = logging.getLogger(__name__)

CHANGES_NOTE = "Change Management is not in use yet: no changes are reported."
NO_CHANGES_NOTE = "No changes were implemented or in progress in the period."
# fn(service_ids, begin, end) -> rows (Change Management: ``queries.kpis``).
REPORT_CHANGES = "service_level.report_changes"


def report_changes(services: list[Service], begin: dt.datetime, finish: dt.datetime) -> dict:
    """The report's changes section: the rows, and the note shown instead when none."""
    lookup = registry.provider(REPORT_CHANGES)
    if lookup is None:
        return {"changes": [], "changes_note": CHANGES_NOTE}
    rows = lookup([s.pk for s in services], begin, finish)
    return {"changes": rows, "changes_note": "" if rows else NO_CHANGES_NOTE}


def period_for(frequency: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The last complete period of ``frequency`` before ``today`` (first and last day)."""
    if frequency == ReportFrequency.WEEKLY:
        this_monday = today - dt.timedelta(days=today.weekday())
        return this_monday - dt.timedelta(days=7), this_monday - dt.timedelta(days=1)
    if frequency == ReportFrequency.QUARTERLY:
        first_month = 3 * ((today.month - 1) // 3) + 1
        this_quarter = dt.date(today.year, first_month, 1)
        end = this_quarter - dt.timedelta(days=1)
        start_month = 3 * ((end.month - 1) // 3) + 1
        return dt.date(end.year, start_month, 1), end
    this_month = today.replace(day=1)
    end = this_month - dt.timedelta(days=1)
    return end.replace(day=1), end


def build_report(customer: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The report's content as plain values (rendered to HTML and text)."""
    services = list(
        Service.objects.filter(customers=customer)
        .select_related("owner", "service_hours")
        .prefetch_related("service_hours__periods", "service_hours__holidays")
        .order_by("name")
    )
    agreements = list(reviews.review_agreements(customer, start, end))
    figures = reviews.compute_figures_for(
        customer=customer, agreements=agreements, term_start=start, term_end=end
    )
    begin, finish = reviews.term_bounds(start, end)
    now = timezone.now()
    service_rows = []
    for service in services:
        outages = reviews.service_outages(service, begin, finish, now)
        service_rows.append(
            {
                "name": service.name,
                "number": service.number,
                "status": service.get_status_display(),
                "owner": str(service.owner) if service.owner_id else "",
                "availability": (
                    reviews._pct3(outages["availability"])
                    if outages["availability"] is not None
                    else None
                ),
                "outages": outages["list"],
            }
        )
    return {
        "customer": str(customer),
        "start": start,
        "end": end,
        "services": service_rows,
        **report_changes(services, begin, finish),
        "figures": figures,
        "site_url": settings.SITE_URL,
    }


def render_report(report: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of a report."""
    subject = f"Service report {report['customer']}: {report['start']} to {report['end']}"
    text = render_to_string("service_level/review_service_report.txt", report)
    html = render_to_string("service_level/review_service_report.html", report)
    return subject, text, html


def send_report(schedule: ServiceReportSchedule, *, today: dt.date | None = None) -> bool:
    """Send the schedule's report for the last complete period unless already sent."""
    today = today or timezone.localdate()
    start, end = period_for(schedule.frequency, today)
    recipients = [p.email for p in schedule.recipients.filter(is_active=True) if p.email]
    if not recipients:
        logger.warning("Service report %s has no recipients with an email address.", schedule)
        return False
    previous = schedule.last_period_end
    claimed = (
        ServiceReportSchedule.objects.filter(pk=schedule.pk, is_active=True)
        .filter(Q(last_period_end__isnull=True) | Q(last_period_end__lt=end))
        .update(last_period_end=end, last_sent_at=timezone.now())
    )
    if not claimed:
        return False
    try:
        subject, text, html = render_report(build_report(schedule.customer, start, end))
        message = mail.EmailMultiAlternatives(subject=subject, body=text, to=recipients)
        message.attach_alternative(html, "text/html")
        message.send()
    except Exception:
        logger.exception("Sending service report %s failed; it is retried next run.", schedule)
        ServiceReportSchedule.objects.filter(pk=schedule.pk, last_period_end=end).update(
            last_period_end=previous
        )
        return False
    return True


def send_due_reports(today: dt.date | None = None) -> int:
    """Send every active schedule's report that is due; return how many were sent."""
    today = today or timezone.localdate()
    sent = 0
    for schedule in ServiceReportSchedule.objects.filter(is_active=True).select_related("customer"):
        _, end = period_for(schedule.frequency, today)
        if schedule.last_period_end is not None and schedule.last_period_end >= end:
            continue
        sent += int(send_report(schedule, today=today))
    return sent
