"""/api/v1/baselines/ (take, list, compare).

Reads go through ``queries.baselines`` (404 for what the caller may not see); writes call
``services.baselines`` (403, 400).
"""

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.configuration import inputs
from steward.configuration.models import Baseline
from steward.configuration.queries import baselines as baseline_queries
from steward.configuration.services import baselines as baseline_services
from steward.core.api.base import GuardedSerializer, IdField, ServiceCreate, visible
from steward.core.ids import parse_id
from steward.service_level.models import Service
from steward.service_level.queries import services_for

VIEW = "configuration.ci.view"


# --- Baselines --------------------------------------------------------------------------


class BaselineSerializer(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True, help_text="How many CIs it holds.")

    class Meta:
        model = Baseline
        fields = ["id", "number", "name", "description", "service", "taken_at", "taken_by",
                  "item_count"]  # fmt: skip
        read_only_fields = fields


class BaselineItemSerializer(serializers.Serializer):
    ci = serializers.IntegerField(source="ci_id")
    number = serializers.CharField(source="ci.number")
    data = serializers.JSONField(
        help_text="The CI as it was: fields, attributes and relationships (as in as-of)."
    )


class BaselineDetailSerializer(BaselineSerializer):
    items = serializers.SerializerMethodField()

    class Meta(BaselineSerializer.Meta):
        fields = [*BaselineSerializer.Meta.fields, "items"]
        read_only_fields = fields

    @extend_schema_field(BaselineItemSerializer(many=True))
    def get_items(self, obj: Baseline) -> list[dict[str, Any]]:
        items = obj.items.select_related("ci").order_by("ci__number")
        return BaselineItemSerializer(items, many=True).data


class BaselineWriteSerializer(GuardedSerializer):
    inputs = inputs.BASELINE

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    service = visible(
        services_for,
        Service,
        required=False,
        allow_null=True,
        help_text="Its CI and everything it runs on, at any depth.",
    )
    cis = serializers.ListField(
        child=IdField(),
        required=False,
        default=list,
        max_length=baseline_services.MAX_ITEMS,
        help_text="CI ids, when no service is given.",
    )


class BaselineCIRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()


class BaselineFieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    kind = serializers.ChoiceField(choices=["field", "attribute"])
    label = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    old_text = serializers.JSONField(allow_null=True, help_text="Names instead of ids.")
    new_text = serializers.JSONField(allow_null=True, help_text="Names instead of ids.")


class BaselineChangedCISerializer(BaselineCIRefSerializer):
    changes = BaselineFieldChangeSerializer(many=True)


class BaselineRelationSerializer(serializers.Serializer):
    source = serializers.IntegerField()
    type = serializers.CharField(help_text="The relationship type's code.")
    target = serializers.IntegerField()
    source_text = serializers.CharField()
    type_text = serializers.CharField()
    target_text = serializers.CharField()


class BaselineCompareCountsSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    changed = serializers.IntegerField()
    relations_added = serializers.IntegerField()
    relations_removed = serializers.IntegerField()


class BaselineCompareSerializer(serializers.Serializer):
    baseline = serializers.IntegerField()
    compared_with = serializers.IntegerField(
        allow_null=True, help_text="The other baseline; null means the CMDB as it is now."
    )
    added = BaselineCIRefSerializer(many=True)
    removed = BaselineCIRefSerializer(many=True)
    changed = BaselineChangedCISerializer(many=True)
    relations_added = BaselineRelationSerializer(many=True)
    relations_removed = BaselineRelationSerializer(many=True)
    counts = BaselineCompareCountsSerializer()


class BaselineViewSet(ServiceCreate):
    summaries = {
        "list": "Baselines: frozen copies of sets of CIs",
        "retrieve": "One baseline with its CIs as they were",
        "create": "Take a baseline of a service's infrastructure or of a list of CIs",
    }
    query = baseline_queries.baselines_for
    queryset = Baseline.objects.none()
    view_permission = VIEW
    change_permission = baseline_services.TAKE
    serializer_class = BaselineSerializer
    read_serializers = {"retrieve": BaselineDetailSerializer}
    create_serializer = BaselineWriteSerializer
    create_service = baseline_services.baseline_take

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        cis = data.pop("cis")
        return {**data, "ci_ids": cis or None}

    @extend_schema(
        summary="Added, removed and changed CIs, attributes and relations",
        parameters=[
            OpenApiParameter(
                "with",
                OpenApiTypes.INT,
                required=False,
                description="Another baseline's id; omitted: compare with now.",
            )
        ],
        responses=BaselineCompareSerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def compare(self, request: Request, pk: str | None = None) -> Response:
        baseline = self.get_object()
        other = None
        raw = request.query_params.get("with", "").strip()
        if raw:
            if parse_id(raw) is None:
                raise ValidationError({"with": ["Give the id of another baseline."]})
            other = baseline_queries.baseline_for(request.user, raw)
        result = baseline_services.baseline_compare(baseline, other)
        result["baseline"] = baseline.pk
        result["compared_with"] = other.pk if other is not None else None
        return Response(BaselineCompareSerializer(result).data)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("baselines", BaselineViewSet, basename="baseline")
