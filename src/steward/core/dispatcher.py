"""The outbox dispatcher: sends every due email and webhook delivery, and measures the backlog.

Above ``core.outbox`` (the rows, their claim, lease and backoff) and the two senders that
use it (``notify`` for emails, ``webhooks`` for deliveries), so the outbox itself imports
neither. Run every minute by ``core.dispatch_outbox``; ``backlog`` feeds /healthz.
"""

import time
from datetime import datetime
from typing import Any

from django.db.models import Min
from django.utils import timezone

from steward.core import notify, webhooks
from steward.core.models import Notification, WebhookDelivery


def dispatch(*, budget_seconds: float = 45, now: datetime | None = None) -> dict[str, int]:
    """Send every due email and webhook delivery, for at most about ``budget_seconds``.

    Run every minute by the scheduler (``core.dispatch_outbox``); the budget keeps one
    run from overlapping the next when a mail server or a receiver is slow. ``now`` is
    for tests that look past a lease.
    """
    began = time.monotonic()
    # Emails get two thirds at most, so a large email backlog cannot starve the webhooks.
    deadline, emails_until = began + budget_seconds, began + budget_seconds * 2 / 3
    emails = 0
    while time.monotonic() < emails_until:
        sent, claimed = notify.email_due(now=now, deadline=emails_until)
        emails += sent
        if not claimed:
            break
    attempts = webhooks.retry_due(budget_seconds=max(0.0, deadline - time.monotonic()))
    return {"emails": emails, "webhook_attempts": attempts}


def backlog(now: datetime | None = None) -> dict[str, Any]:
    """Emails and webhook deliveries due and not sent, and the age of the oldest (seconds).

    In-flight rows (under a lease) are not counted; for /healthz and monitoring.
    """
    now = now or timezone.now()
    emails = Notification.objects.filter(emailed_at__isnull=True, email_due_at__lte=now)
    hooks = WebhookDelivery.objects.filter(
        status__in=webhooks.OPEN_STATUSES, next_attempt_at__lte=now
    )
    email_stats = emails.aggregate(oldest=Min("email_due_at"))
    hook_stats = hooks.aggregate(oldest=Min("next_attempt_at"))
    oldest = min((t for t in (email_stats["oldest"], hook_stats["oldest"]) if t), default=None)
    return {
        "emails_due": emails.count(),
        "webhooks_due": hooks.count(),
        "oldest_due_seconds": round((now - oldest).total_seconds()) if oldest else 0,
    }
