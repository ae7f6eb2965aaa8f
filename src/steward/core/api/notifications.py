"""/api/v1/notifications/ (your own), /api/v1/webhooks/ and /api/v1/webhook-deliveries/ (admins)."""

from typing import Any

import django_filters
from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core import events, inputs, queries, webhooks
from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    RecordViewSet,
    ServiceCreate,
    ServiceUpdate,
    with_etag,
)
from steward.core.choices import DeliveryStatus
from steward.core.models import Notification, WebhookDelivery, WebhookSubscription
from steward.core.services import notifications as services

# --- Notifications ---------------------------------------------------------------------------


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="Only unread (true) or only read (false)"
    )
    event = django_filters.CharFilter()

    class Meta:
        model = Notification
        fields = ["unread", "event"]


class NotificationSerializer(serializers.ModelSerializer):
    record_type = serializers.SerializerMethodField()
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id", "event", "title", "body", "url", "record_type", "record_id", "created_at",
            "read_at", "is_read",
        ]  # fmt: skip
        read_only_fields = fields

    def get_record_type(self, obj: Notification) -> str | None:
        if obj.record_type is None:
            return None
        return f"{obj.record_type.app_label}.{obj.record_type.model}"

    def get_is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationMarkReadSerializer(GuardedSerializer):
    inputs = inputs.MARK_READ

    ids = serializers.ListField(
        child=IdField(),
        required=False,
        allow_null=True,
        help_text="Notifications to mark read; leave out to mark all of yours read.",
    )


class NotificationMarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notifications are now read.")


class NotificationViewSet(RecordViewSet):
    summaries = {
        "list": "Your notifications, newest first",
        "retrieve": "One of your notifications",
    }
    query = queries.notifications_for
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    queryset = Notification.objects.none()  # for the schema; requests use query(actor)

    def get_queryset(self) -> QuerySet[Notification]:  # type: ignore[override]
        return super().get_queryset().select_related("record_type")

    @extend_schema(
        summary="Mark your notifications read",
        request=NotificationMarkReadSerializer,
        responses={200: NotificationMarkReadResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request) -> Response:
        serializer = NotificationMarkReadSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            actor=request.user, notification_ids=serializer.validated_data.get("ids")
        )
        return Response({"marked": marked})


# --- Webhook subscriptions ------------------------------------------------------------------


class CatalogChoiceField(serializers.ChoiceField):
    """A choice whose unknown value is refused with ``explain(value)``, which lists the
    valid ones (DRF's own message does not)."""

    def __init__(self, explain: Any, **kwargs: Any) -> None:
        self.explain = explain
        super().__init__(choices=[], **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and (error := self.explain(data.strip().lower())):
            raise serializers.ValidationError(error)
        return super().to_internal_value(data)


class EventNamesField(serializers.ListField):
    """One message for the unknown names (listing the valid ones), not one per position."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, list) and all(isinstance(name, str) for name in data):
            error = webhooks.events_error([name.strip() for name in data if name.strip()])
            if error:
                raise serializers.ValidationError(error)
        return super().to_internal_value(data)


class WebhookSubscriptionSerializer(GuardedSerializer, serializers.ModelSerializer):
    inputs = inputs.WEBHOOK(events_text=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = ["", *events.record_types()]
        self.fields["events"].child.choices = events.names()

    # A plain string: the service checks it (scheme, form, and the outbound guard, whose
    # refusals the audit log records), so a gopher: probe is recorded too.
    url = serializers.CharField(
        max_length=500,
        help_text="http:// or https:// address of the receiver. Refused (400) unless it is a "
        "public address or the operator opened it with STEWARD_OUTBOUND_ALLOW; deliveries "
        "check the address again when connecting and follow no redirects.",
    )
    # Choices from the event catalog (filled in __init__, once every area declared its
    # events), so the schema lists them; an unknown value is refused naming the valid ones.
    record_type = CatalogChoiceField(
        webhooks.record_type_error,
        required=False,
        allow_blank=True,
        help_text='"app.model" of the records to send events about; blank for all.',
    )
    events = EventNamesField(
        child=serializers.ChoiceField(choices=[]),
        required=False,
        help_text="Names from the event catalog (docs/EVENTS.md); empty for all events.",
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=128,
        help_text="HMAC key; leave out (or blank) to have one generated. Shown only in the answer "
        "to the request that sets it.",
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "lock_version",
            "name",
            "url",
            "record_type",
            "events",
            "is_active",
            "secret",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class WebhookSubscriptionWithSecretSerializer(WebhookSubscriptionSerializer):
    """The answer to a create (or a secret change): the only time the secret is shown."""

    secret = serializers.CharField(read_only=True, help_text="Keep it: it is not shown again.")


class WebhookDeliverySerializer(serializers.ModelSerializer):
    subscription_name = serializers.CharField(source="subscription.name", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "subscription", "subscription_name", "event", "record_type", "record_id",
            "payload", "status", "attempts", "next_attempt_at", "last_status_code", "last_error",
            "created_at", "delivered_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "last_status_code": {"help_text": "HTTP status of the last attempt, if one came."},
            "last_error": {
                "help_text": "Steward's short reason for the last failed attempt (\"HTTP 500 "
                'Internal Server Error", "Target refused: loopback address", "Could not '
                "connect: timed out\"); never the receiver's answer."
            },
        }


# What sending a delivery (a ping, or a payload again) answers.
SENT = {
    201: WebhookDeliverySerializer,
    400: OpenApiResponse(description="The subscription is inactive."),
}


class WebhookSubscriptionViewSet(ServiceCreate, ServiceUpdate):
    summaries = {
        "list": "Webhook subscriptions (system administrators)",
        "retrieve": "One webhook subscription",
        "create": "Subscribe an endpoint to events",
        "update": "Replace a webhook subscription",
        "partial_update": "Change a webhook subscription (a new secret is returned once)",
    }
    # PUT too: a subscription is replaced whole as well as changed field by field.
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    created_routes = {"ping": ("webhook-delivery-detail", "id")}
    query = webhooks.subscriptions_for
    queryset = WebhookSubscription.objects.none()
    view_permission = "core.webhook.change"
    change_permission = "core.webhook.change"
    record_id = "subscription_id"
    serializer_class = WebhookSubscriptionSerializer
    read_serializers = {"create": WebhookSubscriptionWithSecretSerializer}
    create_serializer = WebhookSubscriptionSerializer
    create_service = services.webhook_subscription_create
    update_service = services.webhook_subscription_update
    reread = False

    def answer(self, record: Model, code: int = status.HTTP_200_OK) -> Response:
        # The secret is shown once: in the answer to the write that set it (a create
        # generates one when none is given).
        if self.action != "create" and "secret" in self.request.data:
            body = WebhookSubscriptionWithSecretSerializer(record).data
            return with_etag(Response(body, status=code), record)
        return super().answer(record, code)

    @extend_schema(
        summary="Deactivate a webhook subscription (its delivery log is kept)",
        responses={204: None},
    )
    def destroy(self, request: Request, pk: Any = None) -> Response:
        subscription = self.get_object()
        services.webhook_subscription_deactivate(
            actor=request.user, subscription_id=subscription.pk
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Send a ping event to the endpoint",
        request=None,
        responses=SENT,
    )
    @action(detail=True, methods=["post"])
    def ping(self, request: Request, pk: Any = None) -> Response:
        subscription = self.get_object()
        delivery = services.webhook_ping(actor=request.user, subscription_id=subscription.pk)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)


# --- Webhook deliveries ---------------------------------------------------------------------


class WebhookDeliveryFilterSet(django_filters.FilterSet):
    subscription = django_filters.ModelChoiceFilter(queryset=WebhookSubscription.objects.all())
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event = django_filters.CharFilter()
    record_type = django_filters.CharFilter()

    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "status", "event", "record_type"]


class WebhookDeliveryViewSet(RecordViewSet):
    summaries = {
        "list": "Webhook delivery log, newest first (system administrators)",
        "retrieve": "One webhook delivery",
    }
    created_routes = {"redeliver": ("webhook-delivery-detail", "id")}
    query = webhooks.deliveries_for
    view_permission = "core.webhook.change"
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilterSet
    queryset = WebhookDelivery.objects.none()  # for the schema; requests use query(actor)

    @extend_schema(
        summary="Send this delivery's payload again (as a new delivery)",
        request=None,
        responses=SENT,
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: Any = None) -> Response:
        delivery = self.get_object()
        new = services.webhook_redeliver(actor=request.user, delivery_id=delivery.pk)
        return Response(WebhookDeliverySerializer(new).data, status=status.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("notifications", NotificationViewSet, basename="notification")
    router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook-subscription")
    router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
