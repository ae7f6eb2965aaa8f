"""Tell people and other tools what happened: in-app notifications, email, webhook events.

Services call ``send`` and ``record_event`` inside their own transaction. The rows
(notifications, and webhook deliveries) are written with the change they describe, so a
rolled-back change tells nobody anything and a committed one is sent even if the process
dies right after commit: the rows are the transactional outbox (``core.outbox``). A task
enqueued on commit sends them at once; the every-minute dispatcher sends what that missed.
"""

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail.utils import DNS_NAME
from django.db import models, transaction
from django.db.models import F
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import capfirst
from django_tasks import task

from steward.core import events, outbox, webhooks
from steward.core.models import Notification, Person

logger = logging.getLogger(__name__)

_TITLE_MAX = Notification._meta.get_field("title").max_length
_URL_MAX = Notification._meta.get_field("url").max_length
_EVENT_MAX = Notification._meta.get_field("event").max_length


# Plain words for notification events whose code does not read as words by itself.
_EVENT_WORDS: dict[str, str] = {}


def describe(event: str, words: str) -> None:
    """Say in words what notifications of ``event`` are about (``clock.breach``: "SLA
    target breached"), for the notification list."""
    _EVENT_WORDS[event] = words


def event_words(event: str) -> str:
    """What a notification is about, in words: the ones ``describe`` gave, else read from
    the code ("incident.reopened": "Incident reopened";
    "configuration.requisition.pricing_requested": "Requisition pricing requested")."""
    if event in _EVENT_WORDS:
        return _EVENT_WORDS[event]
    parts = [part for part in event.split(".") if part]
    if len(parts) > 2:
        parts = parts[1:]  # the app label
    return capfirst(" ".join(parts).replace("_", " ")) or "Notification"


def _record_url(record: models.Model | None) -> str:
    if record is None or not hasattr(record, "get_absolute_url"):
        return ""
    try:
        return record.get_absolute_url()
    except NoReverseMatch:
        return ""


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email these notifications unless already emailed; returns how many were sent."""
    return email_notifications(notification_ids)


def _enqueue_emails(notification_ids: list[int]) -> None:
    outbox.enqueue_soon(
        send_notification_emails, notification_ids, what=f"emails {notification_ids}"
    )


@dataclass(frozen=True)
class Message:
    """One notification to several people (``send``'s arguments), for ``send_many``."""

    recipients: Iterable[Person | None]
    event: str
    title: str
    body: str = ""
    record: models.Model | None = None
    url: str = ""
    email: bool = True


def send(
    *,
    recipients: Iterable[Person | None],
    event: str,
    title: str,
    body: str = "",
    record: models.Model | None = None,
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each active recipient once, in the app and (when ``email``) by email.

    Call inside the service's transaction. Inactive people and repeated recipients are
    skipped; a person without an email address gets the in-app notification only.
    ``url`` defaults to the record's page. Emails go out from a task after commit.
    """
    return send_many([Message(recipients, event, title, body, record, url, email)])


def send_many(messages: Iterable[Message]) -> list[Notification]:
    """``send`` for several messages at once (a registration tells the requester and the
    group): the rows are written with one statement and their emails queued as one task."""
    now = timezone.now()
    notifications: list[Notification] = []
    for message in messages:
        notifications.extend(_rows(message, now))
    if not notifications:
        return []
    Notification.objects.bulk_create(notifications)
    to_email = [n.pk for n in notifications if n.send_email]
    if to_email:
        # The fast path. robust: a queue outage must not turn an already committed change
        # into an error; the dispatcher sends what this enqueue missed.
        transaction.on_commit(lambda: _enqueue_emails(to_email), robust=True)
    return notifications


def _rows(message: Message, now: datetime) -> list[Notification]:
    """The unsaved notifications of ``message``: one per active recipient, each once."""
    people: list[Person] = []
    seen: set[int] = set()
    for person in message.recipients:
        if person is None or person.pk is None or person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        people.append(person)
    if not people:
        return []
    record, email = message.record, message.email
    record_type = (
        ContentType.objects.get_for_model(record, for_concrete_model=True) if record else None
    )
    link = (message.url or _record_url(record))[:_URL_MAX]
    return [
        Notification(
            recipient=person,
            event=message.event[:_EVENT_MAX],
            record_type=record_type,
            record_id=record.pk if record is not None else None,
            title=message.title[:_TITLE_MAX],
            body=message.body,
            url=link,
            send_email=email and bool(person.email),
            # Due at once: the outbox row that makes the email go out whatever happens
            # to the enqueue in ``send_many``.
            email_due_at=now if email and person.email else None,
        )
        for person in people
    ]


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


LOOP_HEADER = "X-Steward-Loop"


def _mail_domain() -> str:
    # The site's host, not this machine's: every node sends the same Message-ID.
    return urlsplit(settings.SITE_URL).hostname or DNS_NAME


def message_id_for(notification: Notification) -> str:
    """Message-ID of a notification email, the same on every attempt and every node.

    A repeat after a crash (see ``core.outbox``) carries the same id, so mail clients
    show it once. The email channel finds the record from "steward-n<pk>" when a reply
    names it in In-Reply-To/References; the keyed hash keeps ids unique to this site.
    """
    tag = salted_hmac("steward.notify.message-id", str(notification.pk)).hexdigest()[:16]
    return f"<{tag}.steward-n{notification.pk}@{_mail_domain()}>"


def _message(notification: Notification, connection: Any) -> mail.EmailMessage:
    parts = [notification.body.strip(), _absolute(notification.url)]
    text = "\n\n".join(p for p in parts if p)
    return mail.EmailMessage(
        subject=notification.title,
        body=text + "\n\n-- \nSteward\n",
        to=[notification.recipient.email],
        connection=connection,
        # Auto-Submitted keeps out-of-office replies away; the loop header lets our own
        # mail channel recognise (and ignore) mail it sent itself.
        headers={
            "Message-ID": message_id_for(notification),
            "Auto-Submitted": "auto-generated",
            LOOP_HEADER: settings.SITE_URL,
        },
    )


# A claimed email is not due for this long: other workers leave it alone meanwhile. Far
# longer than one send (EMAIL_TIMEOUT), short enough that a dead worker's email is late by
# minutes, not hours.
EMAIL_LEASE = timedelta(minutes=5)
EMAIL_BATCH = 20


def _outcome(pk: int, **fields: Any) -> None:
    Notification.objects.filter(pk=pk).update(**fields)


def _send_claimed(ids: list[int], *, stop_at: float) -> int:
    """Send claimed notifications while their lease has room for one more send."""
    sent = 0
    connection = mail.get_connection()
    try:
        try:
            connection.open()  # one SMTP session for the batch
        except Exception as exc:  # every send below reports it on its row
            logger.warning("Could not open the mail connection: %s", exc)
        notifications = Notification.objects.filter(pk__in=ids).select_related("recipient")
        for notification in notifications.order_by("pk"):
            if time.monotonic() >= stop_at:
                # The lease is nearly over: hand the rest back untried rather than risk a
                # second worker sending them while we still do.
                _outcome(
                    notification.pk,
                    email_due_at=timezone.now(),
                    email_attempts=F("email_attempts") - 1,
                )
                continue
            sent += _send_one(notification, connection)
    finally:
        connection.close()
    return sent


def _send_one(notification: Notification, connection: Any) -> int:
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        _outcome(
            notification.pk,
            email_due_at=None,
            send_email=False,
            email_error="No active recipient with an email address.",
        )
        return 0
    try:
        _message(notification, connection).send()
    except Exception as exc:  # any mail backend error: keep it on the row, go on
        logger.warning("Emailing notification %s failed: %s", notification.pk, exc)
        _outcome(
            notification.pk,
            email_due_at=outbox.retry_at(notification.email_attempts, timezone.now()),
            email_error=outbox.short_error(exc),
        )
        return 0
    # Only now, after the server took it: a crash before this line means one repeat.
    _outcome(notification.pk, emailed_at=timezone.now(), email_due_at=None, email_error="")
    return 1


def email_due(
    notification_ids: Iterable[int] | None = None,
    *,
    now: datetime | None = None,
    deadline: float | None = None,
) -> tuple[int, int]:
    """Claim one batch of due emails (of ``notification_ids`` when given) and send it.

    Returns (sent, claimed). ``deadline`` (time.monotonic) stops sending early; whatever
    is then left goes back to the outbox untried.
    """
    qs = Notification.objects.filter(emailed_at__isnull=True, email_due_at__isnull=False)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(dict.fromkeys(notification_ids)))
    ids = outbox.claim(
        qs,
        due_field="email_due_at",
        attempts_field="email_attempts",
        lease=EMAIL_LEASE,
        now=now or timezone.now(),
        limit=EMAIL_BATCH,
    )
    if not ids:
        return 0, 0
    # Leave room for one send to time out before the lease runs out.
    stop_at = time.monotonic() + EMAIL_LEASE.total_seconds() - 2 * (settings.EMAIL_TIMEOUT or 60)
    if deadline is not None:
        stop_at = min(stop_at, deadline)
    return _send_claimed(ids, stop_at=stop_at), len(ids)


def email_notifications(notification_ids: Iterable[int]) -> int:
    """Email the given notifications that are due and not yet sent; return how many were sent.

    The fast path run right after commit. Each one is claimed first (``core.outbox``), so
    a second run, the dispatcher or a second worker never emails it again; ``emailed_at``
    is set only once the mail server accepted it.
    """
    wanted = list(dict.fromkeys(notification_ids))
    sent = 0
    for start in range(0, len(wanted), EMAIL_BATCH):
        sent += email_due(wanted[start : start + EMAIL_BATCH])[0]
    return sent


def record_event(
    *,
    record: models.Model,
    event: str,
    actor: Person | None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Publish ``event`` about ``record`` to the webhook subscribers, after commit.

    Call inside the service's transaction; returns the payload that will be sent:
    ``{"event", "record_type", "record_id", "number"?, "occurred_at", "actor", "data"}``.
    ``event`` must be in the catalog (``core.events``): an undeclared name raises at once.
    """
    event = events.get(event).name
    record_type = webhooks.record_type_label(record)
    number = getattr(record, "number", None)
    payload = webhooks.build_payload(
        event=event,
        record_type=record_type,
        record_id=record.pk,
        actor=actor,
        number=str(number) if number else None,
        data=data,
    )
    webhooks.publish(event=event, record_type=record_type, record_id=record.pk, payload=payload)
    return payload
