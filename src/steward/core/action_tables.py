"""Core's own action tables (``core.actions``): the buttons of a webhook subscription's
page and of a delivery in its log. Their API has its own endpoints (``core/api``)."""

from django.urls import reverse

from steward.core import webhooks
from steward.core.actions import Action, ActionTable
from steward.core.models import WebhookDelivery, WebhookSubscription
from steward.core.services import notifications as svc

CHANGE = "core.webhook.change"


def _subscription_url(subscription: WebhookSubscription) -> str:
    return reverse("core:webhook-detail", args=[subscription.pk])


def _delivery_url(delivery: WebhookDelivery) -> str:
    return _subscription_url(delivery.subscription)


# fmt: off
WEBHOOK = ActionTable(
    name="webhook", namespace="core", prefix="webhooks", services=svc,
    query_one=webhooks.subscription_for, record_arg="subscription_id",
    record_url=_subscription_url, split_errors=True, actions=[
    Action("ping", "Send a ping", "webhook_ping", CHANGE,
           done="Ping queued; its delivery appears in the log below.", api=False),
    Action("deactivate", "Deactivate", "webhook_subscription_deactivate", CHANGE,
           done=lambda s: f"{s.name} is inactive; nothing more is sent to it.", api=False),
])

# A delivery of the log, sent again; back to its subscription's page.
WEBHOOK_DELIVERY = ActionTable(
    name="webhook", namespace="core", prefix="webhooks/deliveries", services=svc,
    query_one=webhooks.delivery_for, record_arg="delivery_id", record_url=_delivery_url,
    split_errors=True, actions=[
    Action("redeliver", "Send again", "webhook_redeliver", CHANGE, fragment="#deliveries",
           done=lambda d: f"Delivery of {d.event} queued again.", api=False),
])
# fmt: on
