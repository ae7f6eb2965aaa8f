"""/api/v1/ci-classes/, /cis/, /relationships/ and /relationship-types/ of the CMDB."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from steward.configuration import actions as cmdb_actions
from steward.configuration import inputs
from steward.configuration.choices import AttributeType, CIStatus, ClassCategory
from steward.configuration.filters.cis import CIFilterSet, RelationshipFilterSet
from steward.configuration.models import (
    AttributeDefinition,
    CIChange,
    CIClass,
    ConfigurationItem,
    Relationship,
    RelationshipType,
)
from steward.configuration.queries import cis as queries
from steward.configuration.queries.impact import impact_summary
from steward.configuration.services import cis as services
from steward.core import permissions
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    RecordViewSet,
    ServiceCreate,
    ServiceUpdate,
    choice_text,
    visible,
)
from steward.core.models import Person, SupportGroup
from steward.core.queries import groups_for, people_for
from steward.service_level.models import Service
from steward.service_level.queries import services_for

VIEW = "configuration.ci.view"


def _types_for(actor: Person) -> QuerySet[RelationshipType]:
    if not permissions.has(actor, VIEW):
        return RelationshipType.objects.none()
    return RelationshipType.objects.all()


# --- Classes ---------------------------------------------------------------------------


class CIAttributeDefinitionSerializer(serializers.ModelSerializer):
    ci_class = serializers.IntegerField(source="ci_class_id", read_only=True)

    class Meta:
        model = AttributeDefinition
        fields = ["id", "ci_class", "key", "label", "type", "mandatory", "choices",
                  "help_text", "order"]  # fmt: skip


class CIAttributeDefinitionWriteSerializer(GuardedSerializer):
    inputs = inputs.ATTRIBUTE

    key = serializers.SlugField(max_length=60)
    label = serializers.CharField(max_length=100)
    type = choice_text(AttributeType.choices)
    mandatory = serializers.BooleanField(default=False)
    choices = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    help_text = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    order = serializers.IntegerField(min_value=0, max_value=32767, default=0)


class CIClassSerializer(serializers.ModelSerializer):
    attributes = serializers.SerializerMethodField(
        help_text="Attribute definitions including inherited ones (root class first)."
    )

    class Meta:
        model = CIClass
        fields = ["id", "lock_version", "name", "code", "category", "parent", "description", "is_active",
                  "attributes", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(CIAttributeDefinitionSerializer(many=True))
    def get_attributes(self, obj: CIClass) -> list[dict[str, Any]]:
        return CIAttributeDefinitionSerializer(services.definitions_for(obj), many=True).data


class CIClassWriteSerializer(GuardedSerializer):
    inputs = inputs.CI_CLASS

    name = serializers.CharField(max_length=100)
    code = serializers.SlugField(max_length=60)
    category = choice_text(ClassCategory.choices)
    parent = visible(queries.ci_classes_for, CIClass, required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class CIClassViewSet(ServiceCreate):
    summaries = {
        "list": "CI classes with their (inherited) attribute definitions",
        "create": "Define a CI class",
    }
    created_routes = {"attributes": ("ciclass-attributes", "record")}
    query = queries.ci_classes_for
    queryset = CIClass.objects.none()
    view_permission = VIEW
    change_permission = services.CLASS_CHANGE
    serializer_class = CIClassSerializer
    create_serializer = CIClassWriteSerializer
    create_service = services.ci_class_create
    reread = False

    @extend_schema(
        summary="Define an attribute on the class (and so its subclasses)",
        request=CIAttributeDefinitionWriteSerializer,
        responses={201: CIAttributeDefinitionSerializer},
    )
    @action(detail=True, methods=["post"])
    def attributes(self, request: Request, pk: str | None = None) -> Response:
        ci_class = self.guarded_object()
        data = self.validated(CIAttributeDefinitionWriteSerializer)
        definition = services.attribute_define(actor=request.user, ci_class_id=ci_class.pk, **data)
        return Response(
            CIAttributeDefinitionSerializer(definition).data, status=status.HTTP_201_CREATED
        )


# --- Configuration items ---------------------------------------------------------------


class CISerializer(serializers.ModelSerializer):
    ci_class_name = serializers.CharField(source="ci_class.name", read_only=True)

    class Meta:
        model = ConfigurationItem
        fields = ["id", "lock_version", "number", "name", "ci_class", "ci_class_name", "status", "owner",
                  "support_group", "serial_number", "version", "location", "description",
                  "attributes", "service", "last_verified_at", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields


class CIWriteSerializer(GuardedSerializer):
    inputs = inputs.CI

    ci_class = visible(queries.ci_classes_for, CIClass)
    name = serializers.CharField(max_length=200)
    status = choice_text(CIStatus.choices, required=False)
    owner = visible(people_for, Person, required=False, allow_null=True)
    support_group = visible(groups_for, SupportGroup, required=False, allow_null=True)
    serial_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    version = serializers.CharField(max_length=60, required=False, allow_blank=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    attributes = serializers.DictField(required=False)
    service = visible(services_for, Service, required=False, allow_null=True)
    cause = serializers.CharField(max_length=40, required=False, allow_blank=True)
    change = IdField(
        required=False,
        allow_null=True,
        help_text="The change this is done under (open or just closed); its number becomes "
        "the cause.",
    )


class CIUpdateSerializer(CIWriteSerializer):
    ci_class = None  # type: ignore[assignment]
    name = serializers.CharField(max_length=200, required=False)


class CIRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    ci_class = serializers.CharField(source="class", required=False)


class CIImpactRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(required=False)
    name = serializers.CharField()


class CIImpactSerializer(serializers.Serializer):
    ci = CIRefSerializer()
    affected = CIRefSerializer(many=True)
    services = CIImpactRecordSerializer(many=True)
    agreements = CIImpactRecordSerializer(many=True)
    customers = CIImpactRecordSerializer(many=True)


class CIChangeSerializer(serializers.ModelSerializer):
    change_url = serializers.SerializerMethodField(
        help_text="The page of the change it was made under (null: none recorded)."
    )

    class Meta:
        model = CIChange
        fields = ["id", "at", "actor", "cause", "change", "change_url", "field", "old_value",
                  "new_value"]  # fmt: skip

    def get_change_url(self, row: CIChange) -> str | None:
        return _change_url(self.context.get("request"), row.change_id)


def _change_url(request: Any, change_id: int | None) -> str | None:
    if change_id is None:
        return None
    try:
        path = reverse("changes:change-detail", args=[change_id])
    except NoReverseMatch:  # Change Management not installed
        return None
    return request.build_absolute_uri(path) if request is not None else path


def _parse_at(raw: str | None) -> dt.datetime:
    # parse_datetime raises ValueError for well-formed impossible dates (2025-13-45T00:00),
    # and the far ends of the calendar overflow when made aware: all the client's mistake.
    try:
        value = parse_datetime(raw or "") if raw else None
        if value is None:
            value = dt.datetime.combine(dt.date.fromisoformat(raw or ""), dt.time.max)
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        # In UTC: PostgreSQL refuses offsets beyond ±15:59, which Python accepts.
        value = value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise ValidationError(
            {"at": ["Give a date or date and time in ISO 8601 (e.g. 2025-01-31T12:00Z)."]}
        ) from None
    return value


class CIViewSet(ActionEndpoints, ServiceCreate, ServiceUpdate):
    # verify (steward.configuration.actions.CI).
    action_table = staticmethod(lambda: cmdb_actions.CI)
    summaries = {
        "list": "Configuration items",
        "create": "Register a configuration item",
        "partial_update": "Change a CI's fields and attributes (attributes are merged; null "
        "removes)",
    }
    query = queries.cis_for
    queryset = ConfigurationItem.objects.none()
    view_permission = VIEW
    change_permission = services.CHANGE
    record_id = "ci_id"
    serializer_class = CISerializer
    create_serializer = CIWriteSerializer
    create_service = services.ci_create
    update_serializer = CIUpdateSerializer
    update_service = services.ci_update
    filterset_class = CIFilterSet

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "change_id": data.pop("change", None)}

    def update_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        cause = data.pop("cause", "")
        return {"data": data, "cause": cause, "change_id": data.pop("change", None)}

    @extend_schema(summary="What a failure of this CI affects", responses=CIImpactSerializer)
    @action(detail=True, methods=["get"])
    def impact(self, request: Request, pk: str | None = None) -> Response:
        return Response(impact_summary(self.get_object()))

    @extend_schema(
        summary="The CI as it was at a date, with the relationships then current",
        parameters=[
            OpenApiParameter("at", OpenApiTypes.DATETIME, required=True, description="ISO date")
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=True, methods=["get"], url_path="as-of")
    def as_of(self, request: Request, pk: str | None = None) -> Response:
        ci = self.get_object()
        at = _parse_at(request.query_params.get("at"))
        try:
            return Response(services.ci_as_of(ci, at))
        except ValueError as exc:
            raise ValidationError({"at": [str(exc)]}) from None

    @extend_schema(summary="Every recorded change of the CI, oldest first",
                   responses=CIChangeSerializer(many=True))  # fmt: skip
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        ci = self.get_object()
        rows = ci.changes.order_by("at", "id")
        return Response(CIChangeSerializer(rows, many=True, context={"request": request}).data)


# --- Relationships ---------------------------------------------------------------------


class CIRelationshipSerializer(serializers.ModelSerializer):
    type_code = serializers.CharField(source="type.code", read_only=True)

    class Meta:
        model = Relationship
        fields = ["id", "lock_version", "source", "target", "type", "type_code", "valid_from", "valid_to",
                  "created_by", "ended_by", "cause", "change", "ended_change"]  # fmt: skip
        read_only_fields = fields


class CIRelationshipWriteSerializer(GuardedSerializer):
    inputs = inputs.RELATIONSHIP

    source = IdField()
    target = IdField()
    type = visible(_types_for, RelationshipType)
    cause = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    change = IdField(
        required=False,
        allow_null=True,
        help_text="The change this is done under (open or just closed); its number becomes "
        "the cause.",
    )


class CIRelationshipEndSerializer(GuardedSerializer):
    inputs = inputs.RELATIONSHIP_END

    cause = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    change = IdField(
        required=False,
        allow_null=True,
        help_text="The change this is done under (open or just closed); its number becomes "
        "the cause.",
    )


class CIRelationshipViewSet(RecordViewSet):
    summaries = {
        "list": "Relationships between CIs (current and ended)",
        "create": "Link two CIs",
    }
    query = queries.relationships_for
    queryset = Relationship.objects.none()
    view_permission = VIEW
    change_permission = services.CHANGE
    record_id = "relationship_id"
    serializer_class = CIRelationshipSerializer
    create_serializer = CIRelationshipWriteSerializer
    filterset_class = RelationshipFilterSet

    def create(self, request: Request) -> Response:
        self.require_change()
        data = self.validated()
        # Both ends must be CIs the caller may see (404 otherwise).
        source = queries.ci_for(request.user, data["source"])
        target = queries.ci_for(request.user, data["target"])
        relationship = services.relationship_add(
            actor=request.user,
            source_id=source.pk,
            target_id=target.pk,
            type_id=data["type"].pk,
            cause=data["cause"],
            change_id=data.get("change"),
        )
        return self.refreshed(relationship.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="End the relationship (kept in the history)",
        request=CIRelationshipEndSerializer,
        responses=CIRelationshipSerializer,
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        relationship = self.get_object()
        data = self.validated(CIRelationshipEndSerializer)
        return self.act(
            services.relationship_end,
            relationship,
            cause=data["cause"],
            change_id=data.get("change"),
        )


class CIRelationshipTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = RelationshipType
        fields = ["id", "code", "name", "reverse_name", "impact_flows_to_source", "description"]
        read_only_fields = fields


class CIRelationshipTypeWriteSerializer(GuardedSerializer):
    inputs = inputs.RELATIONSHIP_TYPE

    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=60)
    reverse_name = serializers.CharField(max_length=60)
    impact_flows_to_source = serializers.BooleanField(default=True)


class CIRelationshipTypeViewSet(ServiceCreate):
    summaries = {
        "list": "Relationship types",
        "create": "Define a relationship type",
    }
    query = _types_for
    queryset = RelationshipType.objects.none()
    view_permission = VIEW
    change_permission = services.CLASS_CHANGE
    serializer_class = CIRelationshipTypeSerializer
    create_serializer = CIRelationshipTypeWriteSerializer
    create_service = services.relationship_type_create
    reread = False
