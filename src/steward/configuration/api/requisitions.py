"""/api/v1/purchase-requisitions/: CI requisition (seed 003 ch. 4 proc. 1) and delivery
(proc. 3), with nested line items, quotes and approvals; each step is a POST action that
calls the purchasing services."""

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.configuration import actions as cmdb_actions
from steward.configuration import inputs
from steward.configuration.choices import Decision, DeliveryStatus, RequisitionStatus
from steward.configuration.filters.requisitions import RequisitionFilterSet
from steward.configuration.models import (
    CIClass,
    ConfigurationItem,
    PurchaseApproval,
    PurchaseLineItem,
    PurchaseRequisition,
    RelationshipType,
    SupplierQuote,
)
from steward.configuration.queries import cis as cmdb_queries
from steward.configuration.queries import requisitions as queries
from steward.configuration.services import requisitions as svc
from steward.core import permissions
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    ServiceCreate,
    ServiceUpdate,
    choice_text,
    visible,
    whole_number,
)
from steward.core.models import Organisation, Person, SupportGroup
from steward.core.queries import groups_for, people_for


def _relationship_types_for(actor: Person) -> QuerySet[RelationshipType]:
    if not permissions.has(actor, "configuration.ci.view"):
        return RelationshipType.objects.none()
    return RelationshipType.objects.all()


def _approvers_for(actor: Person) -> QuerySet[Person]:
    return queries.people_holding(actor, svc.APPROVE)


def _agents_for(actor: Person) -> QuerySet[Person]:
    return queries.people_holding(actor, svc.PURCHASE)


# --- Read ------------------------------------------------------------------------------------


class PurchaseLineItemSerializer(serializers.ModelSerializer):
    delivery_status = choice_text(DeliveryStatus.choices, read_only=True)
    registered_cis = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = PurchaseLineItem
        fields = [
            "id", "position", "description", "ci_class", "quantity", "unit_price",
            "delivery_status", "received_quantity", "delivery_note", "expected_on",
            "registered_cis",
        ]  # fmt: skip
        read_only_fields = fields


class SupplierQuoteSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)

    class Meta:
        model = SupplierQuote
        fields = [
            "id", "supplier", "supplier_name", "amount", "currency", "reference", "valid_until",
            "delivery_days", "selected", "notes", "received_at", "recorded_by",
        ]  # fmt: skip
        read_only_fields = fields


class PurchaseApprovalSerializer(serializers.ModelSerializer):
    approver_name = serializers.CharField(source="approver.display_name", read_only=True)
    decision = choice_text(Decision.choices, read_only=True)

    class Meta:
        model = PurchaseApproval
        fields = ["id", "round", "approver", "approver_name", "decision", "comment", "decided_at"]
        read_only_fields = fields


class PurchaseRequisitionSerializer(serializers.ModelSerializer):
    status = choice_text(RequisitionStatus.choices, read_only=True)
    lines = PurchaseLineItemSerializer(many=True, read_only=True)
    quotes = SupplierQuoteSerializer(many=True, read_only=True)
    approvals = PurchaseApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseRequisition
        fields = [
            "id", "lock_version", "number", "title", "status", "justification", "task_reference",
            "requested_by", "change_coordinator", "purchasing_agent", "suppliers", "currency",
            "needed_by", "submitted_at", "decided_at", "decision_reason", "ordered_at",
            "order_reference", "ordered_from", "delivered_at", "lines", "quotes", "approvals",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


# --- Write -----------------------------------------------------------------------------------


class PurchaseLineWriteSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    quantity = whole_number(min_value=1, default=1)
    ci_class = visible(cmdb_queries.ci_classes_for, CIClass, required=False, allow_null=True)
    unit_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )


class PurchaseRequisitionWriteSerializer(GuardedSerializer):
    inputs = inputs.REQUISITION

    title = serializers.CharField(max_length=200)
    justification = serializers.CharField(required=False, allow_blank=True, default="")
    task_reference = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    change_coordinator = visible(
        queries.change_coordinators_for, Person, required=False, allow_null=True
    )
    purchasing_agent = visible(_agents_for, Person, required=False, allow_null=True)
    suppliers = serializers.ManyRelatedField(
        child_relation=visible(queries.requisition_suppliers_for, Organisation),
        required=False,
        help_text="The suppliers to ask for quotes.",
    )
    currency = serializers.CharField(max_length=3, required=False, default="EUR")
    needed_by = serializers.DateField(required=False, allow_null=True)
    lines = PurchaseLineWriteSerializer(many=True, allow_empty=False)


class PurchaseRequisitionUpdateSerializer(PurchaseRequisitionWriteSerializer):
    justification = serializers.CharField(required=False, allow_blank=True)
    task_reference = serializers.CharField(max_length=40, required=False, allow_blank=True)
    currency = serializers.CharField(max_length=3, required=False)
    lines = PurchaseLineWriteSerializer(
        many=True, allow_empty=False, required=False, help_text="Replace all line items."
    )


class PurchaseQuoteWriteSerializer(GuardedSerializer):
    inputs = inputs.QUOTE

    supplier = visible(queries.requisition_suppliers_for, Organisation)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0))
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    delivery_days = serializers.IntegerField(
        min_value=0, max_value=32767, required=False, allow_null=True, default=None
    )
    selected = serializers.BooleanField(required=False, default=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class PurchaseApprovalRequestSerializer(GuardedSerializer):
    inputs = inputs.APPROVAL_REQUEST

    approvers = serializers.ManyRelatedField(
        child_relation=visible(_approvers_for, Person), allow_empty=False
    )
    quote = IdField(required=False, allow_null=True, default=None, help_text="The quote to select.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PurchaseDecisionSerializer(GuardedSerializer):
    inputs = inputs.PURCHASE_DECISION

    decision = choice_text([c for c in Decision.choices if c[0] != Decision.PENDING])
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when rejecting."
    )


class PurchaseOrderSerializer(GuardedSerializer):
    inputs = inputs.ORDER

    order_reference = serializers.CharField(max_length=100, help_text="Purchase order number.")


class PurchaseReasonSerializer(GuardedSerializer):
    inputs = inputs.REQUISITION_REASON

    reason = serializers.CharField(help_text="Why; kept on the record.")


class DeliveryLineCheckSerializer(serializers.Serializer):
    line = IdField(help_text="The line item's id.")
    delivery_status = choice_text(
        [c for c in DeliveryStatus.choices if c[0] != DeliveryStatus.PENDING]
    )
    received_quantity = whole_number(
        min_value=0, required=False, allow_null=True, help_text="Arrived in good condition."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    expected_on = serializers.DateField(
        required=False, allow_null=True, help_text="When the rest is now expected."
    )


class DeliveryCheckSerializer(GuardedSerializer):
    inputs = inputs.DELIVERY_CHECK

    lines = DeliveryLineCheckSerializer(many=True, allow_empty=False)


class RegisterRelationshipSerializer(serializers.Serializer):
    type = visible(_relationship_types_for, RelationshipType)
    target = visible(cmdb_queries.cis_for, ConfigurationItem)
    direction = choice_text(
        [("outgoing", "new CI -> target"), ("incoming", "target -> new CI")],
        required=False,
        default="outgoing",
    )


class RegisterLineSerializer(serializers.Serializer):
    line = IdField(help_text="The line item's id.")
    ci_class = visible(cmdb_queries.ci_classes_for, CIClass, required=False, allow_null=True)
    serial_numbers = serializers.ListField(
        child=serializers.CharField(max_length=100, allow_blank=True),
        required=False,
        help_text="One per CI.",
    )
    names = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, help_text="One per CI."
    )
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    owner = visible(people_for, Person, required=False, allow_null=True)
    support_group = visible(groups_for, SupportGroup, required=False, allow_null=True)
    attributes = serializers.DictField(required=False)
    relationships = RegisterRelationshipSerializer(many=True, required=False)


class RegisterCIsSerializer(GuardedSerializer):
    inputs = inputs.REGISTER_CIS

    lines = RegisterLineSerializer(many=True, required=False)


class PurchaseRequisitionViewSet(ActionEndpoints, ServiceCreate, ServiceUpdate):
    # Its steps, submit to cancel (steward.configuration.actions.REQUISITION).
    action_table = staticmethod(lambda: cmdb_actions.REQUISITION)
    summaries = {
        "list": "Purchase requisitions",
        "retrieve": "One purchase requisition with lines, quotes and approvals",
        "create": "Fill out a purchase requisition (a draft, with its line items)",
        "partial_update": "Adjust a draft purchase requisition",
    }
    created_routes = {"quotes": ("purchaserequisition-detail", "record")}
    query = queries.requisitions_for
    queryset = PurchaseRequisition.objects.none()
    view_permission = "configuration.requisition.view"
    change_permission = svc.CREATE
    record_id = "requisition_id"
    serializer_class = PurchaseRequisitionSerializer
    create_serializer = PurchaseRequisitionWriteSerializer
    create_service = svc.requisition_create
    update_serializer = PurchaseRequisitionUpdateSerializer
    update_service = svc.requisition_update
    filterset_class = RequisitionFilterSet

    def get_queryset(self):  # type: ignore[override]
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch(
                    "lines", queryset=PurchaseLineItem.objects.prefetch_related("registered_cis")
                ),
                "quotes",
                "approvals__approver",
                "suppliers",
            )
        )

    def update_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        lines = data.pop("lines", None)
        return {"data": data, "lines": lines}


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register(
        "purchase-requisitions", PurchaseRequisitionViewSet, basename="purchaserequisition"
    )
