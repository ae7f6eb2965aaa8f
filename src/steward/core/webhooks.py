"""Outbound webhooks: publish events on commit, sign them, deliver with retries and backoff.

Flow: a service calls ``notify.record_event`` inside its transaction; ``publish`` writes
one ``WebhookDelivery`` per matching active subscription in that same transaction (the
outbox row, ``core.outbox``) and, after commit, enqueues ``deliver_webhook`` (below) for
each. ``deliver`` claims the delivery under a row lock (a short "lease" so no other
worker sends it at the same time), POSTs the signed JSON outside any transaction, and
records the outcome: 2xx is delivered, anything else is retried after ``BACKOFF`` until
``MAX_ATTEMPTS``, then failed. The every-minute ``core.dispatch_outbox`` job sends what
is due: retries, and deliveries whose enqueue was lost (a crash right after commit, a
broker outage, a worker killed mid-send).

Receivers verify ``X-Steward-Signature`` with ``verify_signature`` (copy it freely).
"""

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django_tasks import task

from steward.core import events, outbound, outbox, permissions, refcache
from steward.core.choices import DeliveryStatus
from steward.core.models import Person, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

# The outbox's retry schedule, as for emails: wait after failed attempt n before n + 1.
BACKOFF = outbox.BACKOFF
MAX_ATTEMPTS = outbox.MAX_ATTEMPTS
# A claimed delivery is "not due" this long, so a second worker skips it; longer than the
# outbound timeouts (STEWARD_OUTBOUND_*_TIMEOUT, seconds) so the lease cannot run out
# mid-request, short enough to recover from a crash.
LEASE = timedelta(minutes=2)
# The receiver's answer is not kept; read only this much of it before hanging up.
RESPONSE_READ_BYTES = 1024
USER_AGENT = "Steward-Webhooks/1"
RECORD_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


# --- Signing ----------------------------------------------------------------------------


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def sign(secret: str, timestamp: str | int, body: str | bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of "{timestamp}.{body}" keyed with the secret>``."""
    message = f"{timestamp}.".encode() + _as_bytes(body)
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: str | bytes,
    signature: str,
    *,
    max_age: int | None = None,
    now: float | None = None,
) -> bool:
    """True when ``signature`` (the X-Steward-Signature header) matches the body.

    Receivers pass the raw request body and the X-Steward-Timestamp header; with
    ``max_age`` (seconds) an old timestamp is refused too, which stops replays.
    """
    if max_age is not None:
        try:
            age = (time.time() if now is None else now) - int(timestamp)
        except (TypeError, ValueError):
            return False
        if abs(age) > max_age:
            return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


# --- Publishing ---------------------------------------------------------------------------


def record_type_label(model: models.Model | type[models.Model]) -> str:
    """The ``"app.model"`` name subscriptions filter on."""
    meta = model._meta.concrete_model._meta if model._meta.proxy else model._meta
    return f"{meta.app_label}.{meta.model_name}"


def build_payload(
    *,
    event: str,
    record_type: str,
    record_id: int | None,
    actor: Person | None,
    number: str | None = None,
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """The standard event body, reduced to plain JSON values."""
    payload: dict[str, Any] = {
        "event": event,
        "record_type": record_type,
        "record_id": record_id,
        "occurred_at": (occurred_at or timezone.now()).isoformat(),
        "actor": {"id": actor.pk, "name": actor.display_name} if actor is not None else None,
        "data": data or {},
    }
    if number:
        payload["number"] = number
    # Round-trip once so dates, decimals and UUIDs in ``data`` become strings now.
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def _enqueue_delivery(delivery_id: int) -> None:
    outbox.enqueue_soon(deliver_webhook, delivery_id, what=f"webhook delivery {delivery_id}")


def create_delivery(
    *,
    subscription: WebhookSubscription,
    event: str,
    record_type: str,
    record_id: int | None,
    payload: dict[str, Any],
) -> WebhookDelivery:
    """Write one delivery and enqueue sending it once the transaction commits.

    It is due at once, so if the enqueue is lost the outbox dispatcher sends it.
    """
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event=event,
        record_type=record_type,
        record_id=record_id,
        payload=payload,
        next_attempt_at=timezone.now(),
    )
    # robust: a queue outage must not turn an already committed write into an error.
    transaction.on_commit(lambda: _enqueue_delivery(delivery.pk), robust=True)
    return delivery


SUBSCRIPTIONS = "core.webhook_subscriptions"
# Read after every event; subscriptions change when an integration is set up.
refcache.register(SUBSCRIPTIONS, WebhookSubscription)


def _active_subscriptions() -> list[WebhookSubscription]:
    return list(WebhookSubscription.objects.filter(is_active=True).order_by("pk"))


def _create_deliveries(
    event: str, record_type: str, record_id: int | None, payload: dict[str, Any]
) -> list[WebhookDelivery]:
    subscriptions = [
        s
        for s in refcache.cached(SUBSCRIPTIONS, _active_subscriptions)
        if s.matches(record_type, event)
    ]
    if not subscriptions:
        return []
    with transaction.atomic():
        return [
            create_delivery(
                subscription=s,
                event=event,
                record_type=record_type,
                record_id=record_id,
                payload=payload,
            )
            for s in subscriptions
        ]


def publish(
    *, event: str, record_type: str, record_id: int | None, payload: dict[str, Any]
) -> list[WebhookDelivery]:
    """Write a delivery of ``payload`` for every matching subscription, in the caller's
    transaction; they are sent once it commits.

    Written with the change, never after it: a process killed between commit and the
    enqueue still leaves the deliveries for the dispatcher. Nothing is written or sent
    when the transaction rolls back.
    """
    return _create_deliveries(event, record_type, record_id, payload)


# --- What a subscription may name ---------------------------------------------------------


def record_type_error(record_type: str) -> str | None:
    """Why ``record_type`` cannot filter a subscription, or None when it can (blank: all).

    Only the record types of the event catalog (``core.events``): any other would never
    match a delivery, silently."""
    valid = events.record_types()
    if not record_type or record_type in valid:
        return None
    return f'Unknown record type "{record_type}": use one of {", ".join(valid)}, or leave it blank.'


def events_error(names: Iterable[str]) -> str | None:
    """Why ``names`` cannot filter a subscription, or None when every one is in the catalog
    (docs/EVENTS.md lists them)."""
    known = set(events.names())
    unknown = [name for name in names if name not in known]
    if not unknown:
        return None
    return (
        f"Unknown event {', '.join(repr(n) for n in unknown)}: use names from the event "
        f"catalog ({', '.join(sorted(known))}), or none for all events."
    )


# --- Delivery -------------------------------------------------------------------------------


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Take the delivery for one attempt, or None when it is not ours to send now."""
    now = timezone.now()
    with transaction.atomic():
        # Skip a row another worker holds instead of waiting for it.
        delivery = outbox.locked(WebhookDelivery.objects.filter(pk=delivery_id)).first()
        if delivery is None or delivery.status not in OPEN_STATUSES:
            return None  # gone, held by another worker, delivered or failed
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return None  # not due yet, or leased by a worker that is sending it
        subscription = WebhookSubscription.objects.get(pk=delivery.subscription_id)
        if not subscription.is_active or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            if not subscription.is_active:
                delivery.last_error = "The subscription is inactive."
            delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + LEASE
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    delivery.subscription = subscription
    return delivery


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the signed payload through the outbound guard; (HTTP status or None, error text).

    The error is a short line of Steward's own ("HTTP 500 Internal Server Error", "Target
    refused: loopback address"): nothing the target sent back is kept in the log.
    """
    subscription = delivery.subscription
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Steward-Event": delivery.event,
        "X-Steward-Delivery": str(delivery.pk),
        "X-Steward-Timestamp": timestamp,
        "X-Steward-Signature": sign(subscription.secret, timestamp, body),
    }
    try:
        response = outbound.request(
            "POST",
            subscription.url,
            body=body,
            headers=headers,
            purpose=f"webhook delivery {delivery.pk}",
            max_bytes=RESPONSE_READ_BYTES,
        )
    except outbound.TargetRefused as exc:
        return None, f"Target refused: {exc}"
    except outbound.OutboundError as exc:
        return None, f"Could not connect: {exc}"
    return response.status, "" if response.ok else outbound.status_text(response.status)


def _record(delivery_id: int, status_code: int | None, error: str) -> WebhookDelivery:
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        delivery.last_status_code = status_code
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            delivery.last_error = ""
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = error[:2000]
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
            delivery.last_error = error[:2000]
        delivery.save()
    return delivery


def deliver(delivery_id: int) -> str:
    """Make one attempt at ``delivery_id`` if it is due; return its status afterwards.

    Idempotent: a delivered, failed, not-yet-due or in-flight delivery is left alone
    (the answer is then ``"skipped"``).
    """
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    status_code, error = _post(delivery)
    if error:
        logger.info("Webhook delivery %s attempt %s: %s", delivery.pk, delivery.attempts, error)
    return _record(delivery.pk, status_code, error).status


def due_delivery_ids(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Deliveries waiting for an attempt, oldest first."""
    return list(
        WebhookDelivery.objects.filter(
            status__in=OPEN_STATUSES, next_attempt_at__lte=now or timezone.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def retry_due(*, budget_seconds: float = 45, clock: Callable[[], float] = time.monotonic) -> int:
    """Send what is due, one after another, for at most about ``budget_seconds``.

    Run every minute by the outbox dispatcher (after the emails); the budget keeps one run
    from overlapping the next when receivers are slow. Returns the number of attempts made.
    """
    deadline = clock() + budget_seconds
    attempts = 0
    seen: set[int] = set()
    while clock() < deadline:
        batch = [pk for pk in due_delivery_ids() if pk not in seen]
        if not batch:
            break
        for pk in batch:
            seen.add(pk)
            if deliver(pk) != "skipped":
                attempts += 1
            if clock() >= deadline:
                break
    return attempts


# --- Reads for the API ---------------------------------------------------------------------


def subscriptions_for(actor: Person) -> QuerySet[WebhookSubscription]:
    """Subscriptions (with their secrets): system administrators only."""
    if not permissions.has(actor, "core.webhook.change"):
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.all()


def subscription_for(actor: Person, pk: Any) -> WebhookSubscription:
    try:
        return subscriptions_for(actor).get(pk=pk)
    except (WebhookSubscription.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No webhook subscription {pk}.") from None


def deliveries_for(actor: Person) -> QuerySet[WebhookDelivery]:
    """The delivery log: system administrators only."""
    if not permissions.has(actor, "core.webhook.change"):
        return WebhookDelivery.objects.none()
    return WebhookDelivery.objects.select_related("subscription")


def delivery_for(actor: Person, pk: Any) -> WebhookDelivery:
    try:
        return deliveries_for(actor).get(pk=pk)
    except (WebhookDelivery.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No webhook delivery {pk}.") from None


# --- Background tasks (the fast path after commit; the dispatcher's webhook half) -------


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at a webhook delivery if it is due; a delivered one is not sent again."""
    return deliver(delivery_id)


@task()
def retry_due_webhooks() -> int:
    """Send the webhook deliveries whose next attempt is due (the dispatcher's webhook half)."""
    return retry_due()
