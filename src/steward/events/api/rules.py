"""/api/v1/event-types/, /api/v1/event-match-rules/ and /api/v1/event-correlation-rules/
(seed 003 ch. 6 proc. 1, 2): event types with the operator's handling instructions; the
rules that find an event's CI (tried in order, the source's own first); the automated
correlation rules, one per fixed kind (made by steward init: changed, never created or
deleted here)."""

from typing import Any

from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    ServiceCreate,
    ServiceUpdate,
    choice_text,
    whole_number,
)
from steward.events import inputs
from steward.events.choices import CorrelationKind, EventCategory, MatchOn
from steward.events.filters.rules import (
    CiMatchRuleFilterSet,
    CorrelationRuleFilterSet,
    EventTypeFilterSet,
)
from steward.events.models import CiMatchRule, CorrelationRule, EventType
from steward.events.queries import rules as queries
from steward.events.services import rules as services
from steward.events.services.rules import MAX_ORDER, MAX_WINDOW
from steward.events.services.sources import MANAGE, VIEW

# --- Event types ----------------------------------------------------------------------


class EventTypeSerializer(serializers.ModelSerializer):
    category = choice_text(EventCategory.choices, read_only=True)

    class Meta:
        model = EventType
        fields = ["id", "lock_version", "code", "name", "category", "handling_instructions",
                  "is_active", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class EventTypeWriteSerializer(GuardedSerializer):
    inputs = inputs.EVENT_TYPE_CREATE

    code = serializers.CharField(max_length=100,
                                 help_text="What monitors send as the event type (the alert "
                                 "name, the trigger).")  # fmt: skip
    name = serializers.CharField(max_length=200)
    category = choice_text(EventCategory.choices, required=False,
                           help_text="What the event represents for procedure 1.")  # fmt: skip
    handling_instructions = serializers.CharField(required=False, allow_blank=True,
                                                  max_length=20000)  # fmt: skip
    is_active = serializers.BooleanField(required=False)


class EventTypeUpdateSerializer(EventTypeWriteSerializer):
    inputs = inputs.EVENT_TYPE_UPDATE

    code = serializers.CharField(max_length=100, required=False)
    name = serializers.CharField(max_length=200, required=False)


class EventTypeViewSet(ServiceCreate, ServiceUpdate):
    """Event types (proc. 1, 2): what each kind of event is and what the operator does
    about it."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    summaries = {
        "list": "Event types",
        "retrieve": "One event type",
        "create": "Register an event type with its handling instructions",
        "partial_update": "Change an event type or its handling instructions",
    }
    query = queries.event_types_for
    queryset = EventType.objects.none()
    view_permission = VIEW
    change_permission = MANAGE
    record_id = "event_type_id"
    serializer_class = EventTypeSerializer
    create_serializer = EventTypeWriteSerializer
    create_service = services.event_type_create
    update_serializer = EventTypeUpdateSerializer
    update_service = services.event_type_update
    filterset_class = EventTypeFilterSet


# --- CI match rules -------------------------------------------------------------------


class CiMatchRuleSerializer(serializers.ModelSerializer):
    match_on = choice_text(MatchOn.choices, read_only=True)
    source_name = serializers.CharField(source="source.name", read_only=True, default="")

    class Meta:
        model = CiMatchRule
        fields = ["id", "lock_version", "order", "name", "is_active", "source", "source_name",
                  "event_field", "match_on", "ci_attribute", "strip_port", "strip_domain",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class CiMatchRuleWriteSerializer(GuardedSerializer):
    inputs = inputs.MATCH_RULE_CREATE

    order = whole_number(max_value=MAX_ORDER, required=False,
                         help_text="Rules are tried from the lowest order up.")  # fmt: skip
    name = serializers.CharField(max_length=150)
    is_active = serializers.BooleanField(required=False)
    source = IdField(required=False, allow_null=True,
                     help_text="Only for this source's events; empty: for every source.")  # fmt: skip
    event_field = serializers.CharField(max_length=100, required=False,
                                        help_text='"resource", or a path into the event\'s '
                                        'attributes such as "labels.instance".')  # fmt: skip
    match_on = choice_text(MatchOn.choices, required=False)
    ci_attribute = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                         help_text="The CI attribute compared; required "
                                         "when matching on an attribute.")  # fmt: skip
    strip_port = serializers.BooleanField(required=False)
    strip_domain = serializers.BooleanField(required=False)


class CiMatchRuleUpdateSerializer(CiMatchRuleWriteSerializer):
    inputs = inputs.MATCH_RULE_UPDATE

    name = serializers.CharField(max_length=150, required=False)


class CiMatchRuleViewSet(ServiceCreate, ServiceUpdate):
    """CI match rules (proc. 1, "determine which CI has failed"): the first rule whose
    value names exactly one CI gives the event its CI."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    summaries = {
        "list": "CI match rules",
        "retrieve": "One CI match rule",
        "create": "Add a CI match rule",
        "partial_update": "Change a CI match rule",
        "destroy": "Remove a CI match rule",
    }
    query = queries.match_rules_for
    queryset = CiMatchRule.objects.none()
    view_permission = VIEW
    change_permission = MANAGE
    record_id = "rule_id"
    serializer_class = CiMatchRuleSerializer
    create_serializer = CiMatchRuleWriteSerializer
    create_service = services.match_rule_create
    update_serializer = CiMatchRuleUpdateSerializer
    update_service = services.match_rule_update
    filterset_class = CiMatchRuleFilterSet

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.guarded_object()
        services.match_rule_delete(actor=request.user, rule_id=rule.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Correlation rules ----------------------------------------------------------------


class CorrelationRuleSerializer(serializers.ModelSerializer):
    kind = choice_text(CorrelationKind.choices, read_only=True)

    class Meta:
        model = CorrelationRule
        fields = ["id", "lock_version", "kind", "order", "name", "is_active", "window_minutes",
                  "fired_count", "last_fired_at", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class CorrelationRuleUpdateSerializer(GuardedSerializer):
    inputs = inputs.CORRELATION_RULE_UPDATE

    name = serializers.CharField(max_length=150, required=False)
    is_active = serializers.BooleanField(required=False, help_text="Switched on.")
    window_minutes = whole_number(max_value=MAX_WINDOW, required=False,
                                  help_text="How far back an open event or incident still "
                                  "counts, in minutes.")  # fmt: skip


class CorrelationRuleViewSet(ServiceUpdate):
    """Correlation rules (proc. 1, 2): one per kind, applied in order; switched off, a
    kind no longer correlates."""

    http_method_names = ["get", "patch", "head", "options"]
    summaries = {
        "list": "Correlation rules",
        "retrieve": "One correlation rule",
        "partial_update": "Rename a correlation rule, switch it on or off, or change its window",
    }
    query = queries.correlation_rules_for
    queryset = CorrelationRule.objects.none()
    view_permission = VIEW
    change_permission = MANAGE
    record_id = "rule_id"
    serializer_class = CorrelationRuleSerializer
    update_serializer = CorrelationRuleUpdateSerializer
    update_service = services.correlation_rule_update
    filterset_class = CorrelationRuleFilterSet


def register(router: DefaultRouter) -> None:
    router.register("event-types", EventTypeViewSet, basename="event-type")
    router.register("event-match-rules", CiMatchRuleViewSet, basename="event-match-rule")
    router.register(
        "event-correlation-rules", CorrelationRuleViewSet, basename="event-correlation-rule"
    )
