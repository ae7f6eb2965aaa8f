"""/api/v1/contracts/: contracts and licence certificates, the CIs they cover, their
status changes and licence compliance (seed 003 ch. 4 procedure 5, Contract Administration)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.configuration import actions as cmdb_actions
from steward.configuration import inputs
from steward.configuration.choices import ContractKind, ContractStatus, LicenceMetric
from steward.configuration.filters.contracts import ContractFilterSet
from steward.configuration.models import ConfigurationItem, Contract
from steward.configuration.queries import cis as cmdb_queries
from steward.configuration.queries import contracts as queries
from steward.configuration.queries.suppliers import suppliers_for
from steward.configuration.services import contracts as services
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import (
    GuardedSerializer,
    ServiceCreate,
    ServiceUpdate,
    choice_text,
    visible,
    whole_number,
)
from steward.core.models import Organisation, Person
from steward.core.queries import people_for


class ContractSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    cis = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = ["id", "lock_version", "number", "title", "kind", "status", "supplier", "supplier_name",
                  "supplier_reference", "starts_on", "ends_on", "notice_days",
                  "remind_days_before", "reminded_for_end", "value", "currency", "owner",
                  "cis", "licensed_software", "licence_metric", "entitlement", "description",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class ContractWriteSerializer(GuardedSerializer):
    inputs = inputs.CONTRACT

    title = serializers.CharField(max_length=200)
    kind = choice_text(ContractKind.choices)
    status = choice_text(
        [(ContractStatus.DRAFT, "Draft"), (ContractStatus.ACTIVE, "Active")],
        required=False,
        help_text="Active unless given.",
    )
    supplier = visible(suppliers_for, Organisation, help_text="A registered supplier.")
    supplier_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    notice_days = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    remind_days_before = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    value = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    currency = serializers.CharField(min_length=3, max_length=3, required=False)
    owner = visible(people_for, Person, required=False, allow_null=True)
    licensed_software = visible(
        cmdb_queries.cis_for, ConfigurationItem, required=False, allow_null=True
    )
    licence_metric = choice_text(LicenceMetric.choices, required=False, allow_blank=True)
    entitlement = whole_number(min_value=1, required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    cis = visible(cmdb_queries.cis_for, ConfigurationItem, many=True, required=False)


class ContractUpdateSerializer(ContractWriteSerializer):
    title = serializers.CharField(max_length=200, required=False)
    kind = choice_text(ContractKind.choices, required=False)
    status = None  # type: ignore[assignment]
    supplier = visible(suppliers_for, Organisation, required=False)
    starts_on = serializers.DateField(required=False)
    cis = None  # type: ignore[assignment]


class ContractCIsSerializer(GuardedSerializer):
    inputs = inputs.CONTRACT_CIS

    cis = visible(cmdb_queries.cis_for, ConfigurationItem, many=True)


class ContractReasonSerializer(GuardedSerializer):
    inputs = inputs.CONTRACT_REASON

    reason = serializers.CharField(required=False, allow_blank=True, default="")


class LicenceCertificateRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    entitlement = serializers.IntegerField()
    licence_metric = serializers.CharField()
    ends_on = serializers.DateField(allow_null=True)


class LicenceComplianceSerializer(serializers.Serializer):
    software = serializers.IntegerField(help_text="The software CI.")
    software_number = serializers.CharField()
    software_name = serializers.CharField()
    entitled = serializers.IntegerField(help_text="Sum of the valid certificates' entitlements.")
    installed = serializers.IntegerField(help_text='Current "installed-on" relationships.')
    difference = serializers.IntegerField(help_text="Spare (positive) or missing (negative).")
    status = choice_text(services.Compliance.choices)
    certificates = LicenceCertificateRefSerializer(many=True)


def compliance_data(row: services.ComplianceRow) -> dict[str, Any]:
    return {
        "software": row.software.pk,
        "software_number": row.software.number,
        "software_name": row.software.name,
        "entitled": row.entitled,
        "installed": row.installed,
        "difference": row.difference,
        "status": row.status,
        "certificates": [
            {
                "id": c.pk,
                "number": c.number,
                "entitlement": c.entitlement or 0,
                "licence_metric": c.licence_metric,
                "ends_on": c.ends_on,
            }
            for c in row.certificates
        ],
    }


class ContractViewSet(ActionEndpoints, ServiceCreate, ServiceUpdate):
    # activate (steward.configuration.actions.CONTRACT).
    action_table = staticmethod(lambda: cmdb_actions.CONTRACT)
    summaries = {
        "list": "Contracts and licence certificates",
        "retrieve": "One contract or licence certificate",
        "create": "Register a contract or licence certificate with a supplier",
        "partial_update": "Update a contract (each changed field is journalled)",
    }
    query = queries.contracts_for
    queryset = Contract.objects.none()
    view_permission = services.VIEW
    change_permission = services.CHANGE
    record_id = "contract_id"
    serializer_class = ContractSerializer
    create_serializer = ContractWriteSerializer
    create_service = services.contract_register
    update_serializer = ContractUpdateSerializer
    update_service = services.contract_update
    filterset_class = ContractFilterSet

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("cis")

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "cis": [ci.pk for ci in data.get("cis", [])]}

    @extend_schema(
        summary="Terminate the contract",
        request=ContractReasonSerializer,
        responses=ContractSerializer,
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: str | None = None) -> Response:
        contract = self.guarded_object()
        return self.act(
            services.contract_terminate, contract, **self.validated(ContractReasonSerializer)
        )

    @extend_schema(
        summary="Add CIs the contract covers", request=ContractCIsSerializer,
        responses=ContractSerializer,
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="link-cis")
    def link_cis(self, request: Request, pk: str | None = None) -> Response:
        contract = self.guarded_object()
        data = self.validated(ContractCIsSerializer)
        return self.act(services.contract_link_cis, contract, ci_ids=[ci.pk for ci in data["cis"]])

    @extend_schema(
        summary="Remove CIs from the contract", request=ContractCIsSerializer,
        responses=ContractSerializer,
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="unlink-cis")
    def unlink_cis(self, request: Request, pk: str | None = None) -> Response:
        contract = self.guarded_object()
        data = self.validated(ContractCIsSerializer)
        return self.act(
            services.contract_unlink_cis, contract, ci_ids=[ci.pk for ci in data["cis"]]
        )

    @extend_schema(
        summary="Licence compliance: entitled vs installed per licensed software CI",
        responses=LicenceComplianceSerializer(many=True),
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="licence-compliance",
        pagination_class=None,
        filterset_class=None,
    )
    def licence_compliance(self, request: Request) -> Response:
        rows = services.licence_compliance(actor=request.user)
        return Response([compliance_data(row) for row in rows])


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("contracts", ContractViewSet, basename="contract")
