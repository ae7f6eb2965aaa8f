"""/api/v1/event-sources/ (seed 003 ch. 6): the monitoring sources that send events and
their tokens. ``POST`` registers one and answers its token, once; ``rotate-token``
replaces it (answered once too); ``deactivate`` and ``activate`` stop and resume its
events. No read ever gives the token or its digest: only a hint of its first characters."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action as drf_action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core import permissions
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    ServiceCreate,
    ServiceUpdate,
    choice_text,
    whole_number,
    with_etag,
)
from steward.events import actions, inputs
from steward.events.choices import SourceKind
from steward.events.filters.sources import EventSourceFilterSet
from steward.events.models import EventSource
from steward.events.queries import sources as queries
from steward.events.queries.sources import endpoint_path
from steward.events.services import sources as services
from steward.events.services.sources import MANAGE, MAX_RATE_LIMIT, VIEW

NO_STORE = "no-store"


class EventSourceSerializer(serializers.ModelSerializer):
    kind = choice_text(SourceKind.choices, read_only=True)
    operator_name = serializers.CharField(source="operator.display_name", read_only=True,
                                          default="")  # fmt: skip
    support_group_name = serializers.CharField(source="support_group.name", read_only=True,
                                               default="")  # fmt: skip
    endpoint = serializers.SerializerMethodField(
        help_text="Where the source posts its events (its format's ingestion endpoint)."
    )
    token_hint = serializers.CharField(
        read_only=True, help_text="The first characters of the token, to tell tokens apart."
    )

    class Meta:
        model = EventSource
        fields = ["id", "lock_version", "name", "kind", "description", "is_active",
                  "token_hint", "token_created_at", "operator", "operator_name",
                  "support_group", "support_group_name", "rate_limit", "endpoint",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_endpoint(self, source: EventSource) -> str:
        request = self.context.get("request")
        path = endpoint_path(source.kind)
        return request.build_absolute_uri(path) if request is not None else path


class EventSourceCreatedSerializer(EventSourceSerializer):
    token = serializers.CharField(
        read_only=True,
        help_text="The source's token, given this once: Steward keeps only its digest.",
    )

    class Meta(EventSourceSerializer.Meta):
        fields = [*EventSourceSerializer.Meta.fields, "token"]
        read_only_fields = fields


class EventSourceTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    token = serializers.CharField(help_text="The new token, given this once.")
    token_hint = serializers.CharField()
    token_created_at = serializers.DateTimeField()


class EventSourceCreateSerializer(GuardedSerializer):
    inputs = inputs.SOURCE_CREATE

    name = serializers.CharField(max_length=100)
    kind = choice_text(SourceKind.choices, required=False,
                       help_text="The format it sends; each has its own endpoint.")  # fmt: skip
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    operator = IdField(required=False, allow_null=True,
                       help_text="A person with the operator role, in whose name incident "
                       "requests for its events are registered.")  # fmt: skip
    support_group = IdField(required=False, allow_null=True,
                            help_text="The group that maintains its monitoring jobs.")  # fmt: skip
    rate_limit = whole_number(min_value=1, max_value=MAX_RATE_LIMIT, required=False,
                              help_text="Events per second accepted from it.")  # fmt: skip


class EventSourceUpdateSerializer(EventSourceCreateSerializer):
    inputs = inputs.SOURCE_UPDATE

    name = serializers.CharField(max_length=100, required=False)


class EventSourceViewSet(ActionEndpoints, ServiceCreate, ServiceUpdate):
    """Monitoring sources (ch. 6): each sends one format to its endpoint with its own
    token."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    action_table = staticmethod(lambda: actions.SOURCE)
    summaries = {
        "list": "Event sources",
        "retrieve": "One event source",
        "create": "Register a monitoring source (answers its token, once)",
        "partial_update": "Change a source's name, format, operator, group or rate limit",
    }
    read_serializers = {"create": EventSourceCreatedSerializer}
    query = queries.sources_for
    queryset = EventSource.objects.none()
    view_permission = VIEW
    change_permission = MANAGE
    record_id = "source_id"
    serializer_class = EventSourceSerializer
    create_serializer = EventSourceCreateSerializer
    update_serializer = EventSourceUpdateSerializer
    update_service = services.source_update
    filterset_class = EventSourceFilterSet

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_change()
        source, token = services.source_create(actor=request.user, **self.validated())
        source.token = token  # type: ignore[attr-defined]  # for this answer only
        response = with_etag(Response(EventSourceCreatedSerializer(
            source, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED),
            source)  # fmt: skip
        response["Cache-Control"] = NO_STORE
        return response

    @extend_schema(
        summary="Replace the source's token (answers the new one, once)",
        description="The old token stops working within seconds (the ingestion endpoints "
        "cache token lookups briefly).",
        request=None,
        responses=EventSourceTokenSerializer,
    )
    @drf_action(detail=True, methods=["post"], url_path="rotate-token", url_name="rotate-token")
    def rotate_token(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        permissions.require(request.user, MANAGE, source)
        token = services.source_rotate_token(actor=request.user, source_id=source.pk)
        source = EventSource.objects.get(pk=source.pk)
        body = {"id": source.pk, "token": token, "token_hint": source.token_hint,
                "token_created_at": source.token_created_at}  # fmt: skip
        response = with_etag(Response(EventSourceTokenSerializer(body).data), source)
        response["Cache-Control"] = NO_STORE
        return response


def register(router: DefaultRouter) -> None:
    router.register("event-sources", EventSourceViewSet, basename="event-source")
