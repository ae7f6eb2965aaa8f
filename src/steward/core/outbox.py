"""Transactional outbox: what must leave the system is a row first, sent by whoever is free.

A service writes a ``Notification`` (an email to send) or a ``WebhookDelivery`` (a POST
to make) in its own transaction, with a due time of "now". After commit a task is
enqueued for it at once (the fast path, for low latency), but nothing depends on that
enqueue happening: a process killed between commit and enqueue, a broker that is down,
or a job lost with its worker all leave due rows behind, and the every-minute
``core.dispatch_outbox`` job sends whatever is due.

Every sender takes its rows with ``claim``: under row locks that concurrent claimers
skip (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite serialises writers), it moves each
row's due time forward by a lease and counts the attempt, and commits. Another worker
sees the row as not due until the lease runs out, so each row is sent by one worker at a
time; a worker that dies mid-send leaves a lease that expires, and the row is tried
again. A row is marked done only after the send returned.

Exactly once, and where that stops: a process killed after the SMTP server (or the
webhook receiver) accepted the message but before the row is marked sent causes one
more send after the lease. The window is the time between the server's answer and the
commit of one UPDATE (milliseconds); SMTP has no way to ask "did you already take this
message?", so it cannot be closed from our side. The repeat carries the same
Message-ID (email) or ``X-Steward-Delivery`` id (webhook), so receivers can drop it.
"""

import contextlib
import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet

logger = logging.getLogger(__name__)

# Wait after failed attempt n (1-based) before attempt n + 1; after the last, give up.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
ERROR_MAX = 300  # characters of an error kept on the row: enough to act on, never a page


def locked(qs: QuerySet) -> QuerySet:
    """``qs`` with row locks that other claimers skip instead of waiting for.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``. SQLite has no row locks; its IMMEDIATE
    transactions already serialise claims.
    """
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True)
    return qs.select_for_update()


def claim(
    qs: QuerySet,
    *,
    due_field: str,
    attempts_field: str,
    lease: timedelta,
    now: datetime,
    limit: int,
) -> list[int]:
    """Take up to ``limit`` rows of ``qs`` that are due at ``now``; return their ids.

    Each taken row gets ``due_field = now + lease`` and one more attempt, committed
    before this returns, so no other claimer takes it until the lease runs out. Call it
    outside any transaction: inside one, the locks would last until that one ends.
    """
    with transaction.atomic():
        ids = list(
            locked(qs.filter(**{f"{due_field}__lte": now}))
            .order_by(due_field, "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            qs.model.objects.filter(pk__in=ids).update(
                **{due_field: now + lease, attempts_field: F(attempts_field) + 1}
            )
    return ids


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed attempts; None once they are used up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[max(attempts, 1) - 1]


def short_error(exc: BaseException | str) -> str:
    """The first line of an error, at most ERROR_MAX characters."""
    text = str(exc).strip() or (type(exc).__name__ if isinstance(exc, BaseException) else "")
    return text.splitlines()[0][:ERROR_MAX] if text else ""


_held = threading.local()


@contextlib.contextmanager
def fast_path_held() -> Iterator[None]:
    """While in force (in this thread), ``enqueue_soon`` enqueues nothing: for bulk loads
    (the demo data) that would otherwise start a job per row. Nothing is lost: the rows
    are in the outbox and the dispatcher sends whatever is due."""
    before = getattr(_held, "on", False)
    _held.on = True
    try:
        yield
    finally:
        _held.on = before


def enqueue_soon(task: Any, *args: Any, what: str) -> None:
    """The fast path, run after commit: enqueue ``task`` to send the rows just written.

    A queue that cannot be reached costs one log line, not an error: the rows are in the
    outbox and the dispatcher sends them.
    """
    if getattr(_held, "on", False):
        return
    try:
        task.enqueue(*args)
    except Exception as exc:  # the broker's own error classes vary by backend
        logger.warning(
            "Could not enqueue %s (%s); the outbox dispatcher will send it.", what, short_error(exc)
        )
