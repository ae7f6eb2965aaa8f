"""Tell people and other tools what happened: in-app notifications, email, webhook events.

Services call ``send`` and ``record_event`` inside their own transaction. The rows are
written with the change they describe; email and webhook deliveries happen in
background tasks enqueued after commit, so a rolled-back change tells nobody anything.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import models, transaction
from django.urls import NoReverseMatch
from django.utils import timezone

from steward.core import webhooks
from steward.core.models import Notification, Person

logger = logging.getLogger(__name__)

_TITLE_MAX = Notification._meta.get_field("title").max_length
_URL_MAX = Notification._meta.get_field("url").max_length
_EVENT_MAX = Notification._meta.get_field("event").max_length


def _record_url(record: models.Model | None) -> str:
    if record is None or not hasattr(record, "get_absolute_url"):
        return ""
    try:
        return record.get_absolute_url()
    except NoReverseMatch:
        return ""


def _enqueue_emails(notification_ids: list[int]) -> None:
    from steward.core import tasks  # tasks imports this module

    tasks.send_notification_emails.enqueue(notification_ids)


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
    people: list[Person] = []
    seen: set[int] = set()
    for person in recipients:
        if person is None or person.pk is None or person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        people.append(person)
    if not people:
        return []
    record_type = (
        ContentType.objects.get_for_model(record, for_concrete_model=True) if record else None
    )
    link = (url or _record_url(record))[:_URL_MAX]
    notifications = [
        Notification.objects.create(
            recipient=person,
            event=event[:_EVENT_MAX],
            record_type=record_type,
            record_id=record.pk if record is not None else None,
            title=title[:_TITLE_MAX],
            body=body,
            url=link,
            send_email=email and bool(person.email),
        )
        for person in people
    ]
    to_email = [n.pk for n in notifications if n.send_email]
    if to_email:
        # robust: a queue outage must not turn an already committed change into an error.
        transaction.on_commit(lambda: _enqueue_emails(to_email), robust=True)
    return notifications


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


LOOP_HEADER = "X-Steward-Loop"


def message_id_for(notification: Notification) -> str:
    """Message-ID of a notification email: the email channel finds the record from
    "steward-n<pk>" when a reply names it in In-Reply-To/References."""
    return make_msgid(idstring=f"steward-n{notification.pk}", domain=DNS_NAME)


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


def email_notifications(notification_ids: Iterable[int]) -> int:
    """Email the given notifications that still need it; return how many were sent.

    Each one is claimed with a conditional UPDATE of ``emailed_at`` before sending, so
    a second run (or a second worker) never emails it again. A failed send clears the
    claim and records the error.
    """
    connection = mail.get_connection()
    sent = 0
    for pk in dict.fromkeys(notification_ids):
        claimed = Notification.objects.filter(
            pk=pk, send_email=True, emailed_at__isnull=True
        ).update(emailed_at=timezone.now(), email_error="")
        if not claimed:
            continue
        notification = Notification.objects.select_related("recipient").get(pk=pk)
        recipient = notification.recipient
        if not recipient.is_active or not recipient.email:
            Notification.objects.filter(pk=pk).update(
                emailed_at=None,
                send_email=False,
                email_error="No active recipient with an email address.",
            )
            continue
        try:
            _message(notification, connection).send()
        except Exception as exc:  # any mail backend error: keep it on the row, go on
            logger.warning("Emailing notification %s failed: %s", pk, exc)
            Notification.objects.filter(pk=pk).update(emailed_at=None, email_error=str(exc)[:2000])
            continue
        sent += 1
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
    """
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
