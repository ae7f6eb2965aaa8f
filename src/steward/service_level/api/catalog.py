"""/api/v1/catalog-items/ and /api/v1/catalog-item-templates/: what customers may order,
prepared from a template, approved and published (proc. 4)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import (
    GuardedSerializer,
    InternalFieldsHidden,
    ServiceCreate,
    ServiceUpdate,
)
from steward.core.models import Organisation
from steward.service_level import actions as sl_actions
from steward.service_level import inputs, queries
from steward.service_level.api.base import (
    ReasonSerializer,
    RequiredReasonSerializer,
    TargetSpecSerializer,
    choice_text,
    visible,
)
from steward.service_level.choices import (
    ApprovalDecision,
    ApprovalRole,
    CatalogItemStatus,
    RequestFieldKind,
    TargetKind,
)
from steward.service_level.filters import CatalogItemFilterSet
from steward.service_level.models import (
    CatalogApproval,
    CatalogItem,
    CatalogItemTemplate,
    RequestField,
    RequestType,
    Service,
    ServiceLevelTarget,
)
from steward.service_level.queries.request_types import may_request, request_types_for
from steward.service_level.services import catalog as catalog_svc
from steward.service_level.services._common import TARGET_FIELDS


class ServiceLevelTargetSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)
    kind = choice_text(TargetKind.choices, read_only=True)

    class Meta:
        model = ServiceLevelTarget
        fields = ["id", "lock_version", "agreement", "catalog_item", "label", *TARGET_FIELDS]
        read_only_fields = fields


class CatalogApprovalSerializer(serializers.ModelSerializer):
    approver_name = serializers.CharField(source="approver.display_name", read_only=True)
    role = choice_text(ApprovalRole.choices, read_only=True)
    decision = choice_text(ApprovalDecision.choices, read_only=True)

    class Meta:
        model = CatalogApproval
        fields = [
            "id", "round", "role", "approver", "approver_name", "for_customer", "decision",
            "comment", "decided_at",
        ]  # fmt: skip
        read_only_fields = fields


# What customer people do not see of a catalog item: the provider's working papers.
_INTERNAL_ITEM_FIELDS = (
    "target_customers", "template", "copied_from", "approval_round", "failure_reason",
    "approvals",
)  # fmt: skip


class CatalogItemSerializer(InternalFieldsHidden, serializers.ModelSerializer):
    internal_fields = _INTERNAL_ITEM_FIELDS

    service_name = serializers.CharField(source="service.name", read_only=True)
    status = choice_text(CatalogItemStatus.choices, read_only=True)
    targets = ServiceLevelTargetSerializer(many=True, read_only=True)
    approvals = CatalogApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = CatalogItem
        fields = [
            "id", "lock_version", "number", "name", "service", "service_name", "summary", "description",
            "category", "visibility", "customer", "target_customers", "status", "charge",
            "charge_unit", "request_instructions", "template", "copied_from",
            "approval_round", "failure_reason", "published_at", "discontinued_at",
            "targets", "approvals", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class CatalogItemWriteSerializer(GuardedSerializer):
    inputs = inputs.CATALOG_ITEM
    service = visible(queries.services_for, Service)
    name = serializers.CharField(max_length=200)
    template = visible(
        queries.catalog_item_templates_for, CatalogItemTemplate, required=False, allow_null=True
    )
    copy_of = visible(queries.catalog_items_for, CatalogItem, required=False, allow_null=True)
    visibility = serializers.CharField(required=False)
    customer = visible(queries.customers_for, Organisation, required=False, allow_null=True)
    target_customers = serializers.ManyRelatedField(
        child_relation=visible(queries.customers_for, Organisation), required=False
    )
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.CharField(max_length=100, required=False, allow_blank=True)
    charge = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    charge_unit = serializers.CharField(max_length=50, required=False, allow_blank=True)
    request_instructions = serializers.CharField(required=False, allow_blank=True)
    targets = TargetSpecSerializer(many=True, required=False)


class CatalogItemUpdateSerializer(CatalogItemWriteSerializer):
    template = None
    copy_of = None


class CatalogDecisionSerializer(GuardedSerializer):
    inputs = inputs.CATALOG_DECISION
    decision = choice_text(
        [c for c in ApprovalDecision.choices if c[0] != ApprovalDecision.PENDING]
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CatalogFailSerializer(GuardedSerializer, RequiredReasonSerializer):
    inputs = inputs.CATALOG_FAIL


class CatalogDiscontinueSerializer(GuardedSerializer, ReasonSerializer):
    inputs = inputs.CATALOG_DISCONTINUE


class RequestFieldSerializer(serializers.ModelSerializer):
    kind = choice_text(RequestFieldKind.choices, read_only=True)

    class Meta:
        model = RequestField
        fields = ["key", "label", "kind", "required", "help", "options"]
        read_only_fields = fields


class RequestTypeSerializer(serializers.ModelSerializer):
    fields = RequestFieldSerializer(many=True, read_only=True)
    requestable = serializers.SerializerMethodField(
        help_text="Whether the caller may submit it: customer people only for services "
        "their organisation has."
    )

    class Meta:
        model = RequestType
        fields = ["id", "catalog_item", "name", "description", "position", "requestable", "fields"]
        read_only_fields = fields

    def get_requestable(self, obj: RequestType) -> bool:
        return may_request(self.context["request"].user, obj)


class CatalogItemViewSet(ActionEndpoints, ServiceCreate, ServiceUpdate):
    # submit, decide, publish, revise (steward.service_level.actions.CATALOG_ITEM).
    action_table = staticmethod(lambda: sl_actions.CATALOG_ITEM)
    summaries = {
        "list": "Catalog items (customer people: published public items and their own "
        "organisation's private ones)",
        "create": "Prepare a catalog item (from the template or a copy)",
        "partial_update": "Adjust a draft catalog item",
    }
    query = queries.catalog_items_for
    queryset = CatalogItem.objects.none()
    view_permission = "service_level.catalog.view"
    change_permission = "service_level.catalog.change"
    record_id = "item_id"
    serializer_class = CatalogItemSerializer
    create_serializer = CatalogItemWriteSerializer
    create_service = catalog_svc.catalog_item_create
    update_serializer = CatalogItemUpdateSerializer
    update_service = catalog_svc.catalog_item_update
    filterset_class = CatalogItemFilterSet

    def get_queryset(self):  # type: ignore[override]
        return (
            super()
            .get_queryset()
            .prefetch_related("targets", "target_customers", "approvals__approver")
        )

    def update_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        targets = data.pop("targets", None)
        return {"data": data, "targets": targets}

    @extend_schema(
        summary="What may be asked for under the item: its active request types with their "
        "form fields (submit one with POST /api/v1/service-requests/)",
        responses=RequestTypeSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="request-types",
        pagination_class=None,
        filterset_class=None,
    )
    def request_types(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        found = request_types_for(request.user).filter(catalog_item_id=item.pk)
        return Response(
            RequestTypeSerializer(found, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="Record that the item failed (with the reason)",
        request=CatalogFailSerializer,
        responses=CatalogItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def fail(self, request: Request, pk: str | None = None) -> Response:
        item = self.guarded_object()
        data = self.validated(CatalogFailSerializer, record=item)
        return self.act(catalog_svc.catalog_item_fail, item, **data)

    @extend_schema(
        summary="Take out of the catalog (stays on record)",
        request=CatalogDiscontinueSerializer,
        responses=CatalogItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def discontinue(self, request: Request, pk: str | None = None) -> Response:
        # The payload is checked before the record is looked up, as it always was.
        data = self.validated(CatalogDiscontinueSerializer)
        return self.act(catalog_svc.catalog_item_discontinue, self.get_object(), **data)


class CatalogItemTemplateSerializer(GuardedSerializer, serializers.ModelSerializer):
    inputs = inputs.CATALOG_TEMPLATE

    class Meta:
        model = CatalogItemTemplate
        fields = ["id", "lock_version", *catalog_svc.TEMPLATE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class CatalogItemTemplateViewSet(ServiceCreate, ServiceUpdate):
    summaries = {
        "list": "Catalog item templates",
        "create": "Register a catalog item template",
        "partial_update": "Change a catalog item template",
    }
    query = queries.catalog_item_templates_for
    queryset = CatalogItemTemplate.objects.none()
    view_permission = "service_level.catalog.view"
    change_permission = "service_level.catalog.change"
    record_id = "template_id"
    serializer_class = CatalogItemTemplateSerializer
    create_service = catalog_svc.catalog_item_template_create
    update_service = catalog_svc.catalog_item_template_update
    reread = False
