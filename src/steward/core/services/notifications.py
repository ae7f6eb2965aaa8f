"""Writes for notifications and outbound webhook subscriptions."""

import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from steward.core import journal, outbound, permissions, versioning, webhooks
from steward.core.edits import reject_unknown
from steward.core.models import Notification, Person, WebhookDelivery, WebhookSubscription

SUBSCRIPTION_FIELDS = ["name", "url", "record_type", "events", "is_active", "secret"]
SECRET_MIN_LENGTH = 16
_URL_MAX = WebhookSubscription._meta.get_field("url").max_length
_SECRET_MAX = WebhookSubscription._meta.get_field("secret").max_length
_NAME_MAX = WebhookSubscription._meta.get_field("name").max_length
_EVENT_MAX = WebhookDelivery._meta.get_field("event").max_length
_HIDDEN = "(hidden)"


# --- Notifications ------------------------------------------------------------------------


def notifications_mark_read(*, actor: Person, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own unread notifications read (all of them when ``None``).

    Ids of other people's notifications are ignored, never touched. Returns the count.
    Reading one's own notifications is not journalled: it changes no shared record.
    """
    permissions.require(actor, "core.access")
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        ids = list(notification_ids)
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise ValidationError({"ids": ["Give a list of notification ids."]})
        qs = qs.filter(pk__in=ids)
    with transaction.atomic():
        return qs.update(read_at=timezone.now())


# --- Webhook subscriptions -----------------------------------------------------------------


def _clean_name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise ValidationError({"name": ["Give the subscription a name."]})
    if len(name) > _NAME_MAX:
        raise ValidationError({"name": [f"At most {_NAME_MAX} characters."]})
    return name


def _clean_url(value: Any) -> str:
    url = value.strip() if isinstance(value, str) else ""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ValidationError({"url": ["Use an http:// or https:// address."]})
    if len(url) > _URL_MAX:
        raise ValidationError({"url": [f"At most {_URL_MAX} characters."]})
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"url": ["Enter a valid http:// or https:// address."]}) from None
    return url


def _clean_record_type(value: Any) -> str:
    if value is None:
        return ""
    record_type = value.strip().lower() if isinstance(value, str) else None
    if record_type is None or (record_type and not webhooks.RECORD_TYPE_RE.match(record_type)):
        raise ValidationError(
            {
                "record_type": [
                    'Use "app.model" (for example "incidents.incidentrequest"), or leave it blank.'
                ]
            }
        )
    error = webhooks.record_type_error(record_type)
    if error:
        raise ValidationError({"record_type": [error]})
    return record_type


def _clean_events(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(e, str) for e in value):
        raise ValidationError({"events": ["Give a list of event names."]})
    events = list(dict.fromkeys(e.strip() for e in value if e.strip()))
    if any(len(e) > _EVENT_MAX for e in events):
        raise ValidationError({"events": [f"An event name has at most {_EVENT_MAX} characters."]})
    error = webhooks.events_error(events)
    if error:
        raise ValidationError({"events": [error]})
    return events


def _clean_secret(value: Any) -> str:
    if value is None or value == "":
        return secrets.token_hex(32)
    if not isinstance(value, str) or not (SECRET_MIN_LENGTH <= len(value) <= _SECRET_MAX):
        raise ValidationError(
            {"secret": [f"Use between {SECRET_MIN_LENGTH} and {_SECRET_MAX} characters."]}
        )
    return value


def _clean_active(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError({"is_active": ["Must be true or false."]})
    return value


_CLEANERS = {
    "name": _clean_name,
    "url": _clean_url,
    "record_type": _clean_record_type,
    "events": _clean_events,
    "is_active": _clean_active,
    "secret": _clean_secret,
}


def _check_target(
    raw: Any, cleaned: dict[str, Any], errors: dict[str, list[str]], *, actor: Person
) -> None:
    """Refuse a URL Steward would not call (server-side request forgery guard).

    ``outbound`` records each refusal in the audit log, a ``file:`` or ``gopher:`` URL
    included; deliveries are checked again when connecting, whatever the name resolves
    to then.
    """
    if "url" in cleaned:
        url = cleaned["url"]
    elif isinstance(raw, str) and urlsplit(raw.strip()).scheme.lower() not in (
        "",
        *outbound.SCHEMES,
    ):
        url = raw.strip()  # already an error; checked only so the attempt is recorded
    else:
        return
    try:
        outbound.check_url(url, purpose="webhook subscription", actor=actor)
    except outbound.TargetRefused as exc:
        if "url" in cleaned:
            errors["url"] = [
                f"Steward does not send to this address ({exc}). Use a public address, or "
                "ask the operator to open it with STEWARD_OUTBOUND_ALLOW."
            ]


def _clean(data: dict[str, Any], *, actor: Person) -> dict[str, Any]:
    reject_unknown(data, SUBSCRIPTION_FIELDS)
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        try:
            cleaned[name] = _CLEANERS[name](value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "url" in data:
        _check_target(data["url"], cleaned, errors, actor=actor)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _url_for_journal(url: str) -> str:
    # Receiver URLs often carry a token in the path (chat incoming-webhook URLs do).
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/..." if parts.netloc else ""


def _journal_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    # The journal outlives the subscription and is shown in more places: no secrets in it.
    if "secret" in changes:
        changes = {**changes, "secret": (_HIDDEN, "(replaced)")}
    if "url" in changes:
        old, new = (_url_for_journal(u) for u in changes["url"])
        changes = {**changes, "url": (old, new if new != old else f"{new} (path changed)")}
    return changes


def webhook_subscription_create(
    *,
    actor: Person,
    name: str,
    url: str,
    record_type: str = "",
    events: list[str] | None = None,
    secret: str = "",
    is_active: bool = True,
) -> WebhookSubscription:
    """Subscribe an endpoint; a secret is generated when none is given.

    The caller shows ``subscription.secret`` once; reads never return it again.
    """
    permissions.require(actor, "core.webhook.change")
    cleaned = _clean(
        {
            "name": name,
            "url": url,
            "record_type": record_type,
            "events": events,
            "secret": secret,
            "is_active": is_active,
        },
        actor=actor,
    )
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(**cleaned)
        journal.created(
            subscription,
            actor=actor,
            summary=f"{subscription.name} -> {_url_for_journal(subscription.url)}",
        )
    return subscription


def webhook_subscription_update(
    *,
    actor: Person,
    subscription_id: int,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> WebhookSubscription:
    """Change any of name, url, record_type, events, is_active, secret (blank secret: a new one)."""
    permissions.require(actor, "core.webhook.change")
    cleaned = _clean(data, actor=actor)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
        versioning.check(subscription, expected_version)
        changes = journal.apply_changes(subscription, cleaned, SUBSCRIPTION_FIELDS)
        if changes:
            subscription.save()
            journal.field_changes(subscription, actor=actor, changes=_journal_changes(changes))
    return subscription


def webhook_subscription_deactivate(*, actor: Person, subscription_id: int) -> WebhookSubscription:
    """Stop sending to the subscription; its delivery log is kept, open deliveries then fail."""
    return webhook_subscription_update(
        actor=actor, subscription_id=subscription_id, data={"is_active": False}
    )


# --- Deliveries ------------------------------------------------------------------------------


def webhook_redeliver(*, actor: Person, delivery_id: int) -> WebhookDelivery:
    """Send a logged delivery's payload again, as a new delivery (the old entry stays as it was)."""
    permissions.require(actor, "core.webhook.change")
    with transaction.atomic():
        original = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
        subscription = WebhookSubscription.objects.select_for_update().get(
            pk=original.subscription_id
        )
        if not subscription.is_active:
            raise ValidationError({"subscription": ["The subscription is inactive."]})
        delivery = webhooks.create_delivery(
            subscription=subscription,
            event=original.event,
            record_type=original.record_type,
            record_id=original.record_id,
            payload=original.payload,
        )
        journal.created(delivery, actor=actor, summary=f"Redelivery of delivery {original.pk}")
    return delivery


def webhook_ping(*, actor: Person, subscription_id: int) -> WebhookDelivery:
    """Send a ``ping`` event to one subscription (whatever its filters) to test the receiver."""
    permissions.require(actor, "core.webhook.change")
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
        if not subscription.is_active:
            raise ValidationError({"subscription": ["The subscription is inactive."]})
        record_type = webhooks.record_type_label(subscription)
        payload = webhooks.build_payload(
            event="ping",
            record_type=record_type,
            record_id=subscription.pk,
            actor=actor,
            data={"subscription": subscription.name},
        )
        delivery = webhooks.create_delivery(
            subscription=subscription,
            event="ping",
            record_type=record_type,
            record_id=subscription.pk,
            payload=payload,
        )
        journal.created(delivery, actor=actor, summary=f"Ping to {subscription.name}")
    return delivery
