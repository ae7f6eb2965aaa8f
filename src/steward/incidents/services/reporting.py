"""The weekly incident report by email (IRP: report to stakeholders) and who gets it."""

import datetime as dt

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from steward.core import notify, permissions
from steward.core.models import Person
from steward.incidents import reports
from steward.incidents.models import ReportSubscription

PERMISSION = "incidents.report.view"


def report_subscription_set(*, actor: Person, subscribed: bool) -> bool:
    """Subscribe the actor to the weekly report, or unsubscribe them."""
    permissions.require(actor, PERMISSION)
    with transaction.atomic():
        if subscribed:
            ReportSubscription.objects.get_or_create(person=actor)
        else:
            ReportSubscription.objects.filter(person=actor).delete()
    return subscribed


def send_weekly_reports(now: dt.datetime | None = None) -> int:
    """Send last week's report to every subscriber, as they may see it (their own
    figures, since each reads only the requests visible to them). Returns how many."""
    period = reports.last_full_week(now or timezone.now())
    start = timezone.localtime(period.start).date()
    url = reverse("incidents:reports") + f"?week={start:%Y-%m-%d}"
    sent = 0
    for person in reports.report_recipients():
        body = render_to_string(
            "incidents/report_weekly_email.txt",
            {
                "person": person,
                "week": reports.weekly(person, period),
                "kpis": reports.kpis(person, period),
            },
        )
        with transaction.atomic():
            sent += len(
                notify.send(
                    recipients=[person],
                    event="incidents.weekly_report",
                    title=f"Incident report, week of {start:%d %b %Y}",
                    body=body,
                    url=url,
                )
            )
    return sent
