"""/api/v1/agreements/ and /api/v1/service-level-targets/: SLAs, OLAs and underpinning
contracts with their targets and signatures (proc. 5)."""

from django.db.models import Model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core import permissions
from steward.core import queries as core_queries
from steward.core.api.base import GuardedSerializer, IdField, ServiceCreate, ServiceUpdate
from steward.core.models import Organisation, SupportGroup
from steward.service_level import inputs, queries
from steward.service_level.api.base import (
    RecordViewSet,
    RequiredReasonSerializer,
    TargetSpecSerializer,
    choice_text,
    visible,
)
from steward.service_level.api.catalog import ServiceLevelTargetSerializer
from steward.service_level.choices import AgreementKind, AgreementStatus, SignatoryRole
from steward.service_level.filters import AgreementFilterSet, ServiceLevelTargetFilterSet
from steward.service_level.models import (
    Agreement,
    AgreementSignature,
    CatalogItem,
    Service,
    ServiceLevelTarget,
)
from steward.service_level.services import agreements as agreement_svc


class AgreementSignatureSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.display_name", read_only=True)
    role = choice_text(SignatoryRole.choices, read_only=True)

    class Meta:
        model = AgreementSignature
        fields = ["id", "role", "person", "person_name", "signed", "comment", "at"]
        read_only_fields = fields


class AgreementSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    kind = choice_text(AgreementKind.choices, read_only=True)
    status = choice_text(AgreementStatus.choices, read_only=True)
    targets = ServiceLevelTargetSerializer(many=True, read_only=True)
    signatures = AgreementSignatureSerializer(many=True, read_only=True)
    missing_signatures = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "id", "lock_version", "number", "kind", "name", "service", "service_name", "catalog_item",
            "customer", "support_group", "supplier", "status", "term_start", "term_end",
            "evaluation_months", "description", "signed_at", "terminated_at",
            "termination_reason", "targets", "signatures", "missing_signatures",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_missing_signatures(self, obj: Agreement) -> list[str]:
        signed = {s.role for s in obj.signatures.all() if s.signed}
        required = agreement_svc.REQUIRED_SIGNATORIES.get(obj.kind, ())
        return [role for role in required if role not in signed]


class AgreementUpdateSerializer(GuardedSerializer):
    inputs = inputs.AGREEMENT
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    catalog_item = visible(queries.catalog_items_for, CatalogItem, required=False, allow_null=True)
    term_start = serializers.DateField()
    term_end = serializers.DateField(required=False, allow_null=True)
    evaluation_months = serializers.IntegerField(required=False, min_value=1, max_value=60)


class AgreementCreateSerializer(AgreementUpdateSerializer):
    kind = choice_text(AgreementKind.choices)
    service = visible(queries.services_for, Service)
    customer = visible(queries.customers_for, Organisation, required=False, allow_null=True)
    support_group = visible(core_queries.groups_for, SupportGroup, required=False, allow_null=True)
    supplier = visible(
        core_queries.organisations_for, Organisation, required=False, allow_null=True
    )
    targets = TargetSpecSerializer(many=True, required=False)


class AgreementSignSerializer(GuardedSerializer):
    inputs = inputs.SIGN
    role = choice_text(SignatoryRole.choices)
    signed = serializers.BooleanField(help_text="false: declined to sign.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    person = IdField(
        required=False,
        allow_null=True,
        help_text="The person who signed on paper (service level administrators only).",
    )


class AgreementTerminateSerializer(GuardedSerializer, RequiredReasonSerializer):
    inputs = inputs.AGREEMENT_TERMINATE


class AgreementViewSet(ServiceCreate, ServiceUpdate):
    summaries = {
        "list": "SLAs, OLAs and underpinning contracts (customer representatives: their SLAs)",
        "retrieve": "One agreement with its targets and signatures",
        "create": "Prepare an agreement",
        "partial_update": "Change a draft agreement",
    }
    query = queries.agreements_for
    queryset = Agreement.objects.none()
    view_permission = "service_level.agreement.view"
    change_permission = "service_level.agreement.change"
    record_id = "agreement_id"
    serializer_class = AgreementSerializer
    create_serializer = AgreementCreateSerializer
    create_service = agreement_svc.agreement_create
    update_serializer = AgreementUpdateSerializer
    update_service = agreement_svc.agreement_update
    filterset_class = AgreementFilterSet

    def get_queryset(self):  # type: ignore[override]
        return super().get_queryset().prefetch_related("targets", "signatures__person")

    @extend_schema(
        summary="Sign or decline as one of the parties",
        request=AgreementSignSerializer,
        responses=AgreementSerializer,
    )
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        agreement = self.get_object()
        permissions.require(request.user, "service_level.agreement.sign", agreement)
        data = self.validated(AgreementSignSerializer, record=agreement)
        person_id = data.pop("person", None)
        return self.act(agreement_svc.agreement_sign, agreement, person_id=person_id, **data)

    @extend_schema(
        summary="Terminate (no more monitoring; the last SLA also ends the service)",
        request=AgreementTerminateSerializer,
        responses=AgreementSerializer,
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: str | None = None) -> Response:
        agreement = self.guarded_object()
        data = self.validated(AgreementTerminateSerializer, record=agreement)
        return self.act(agreement_svc.agreement_terminate, agreement, **data)


class ServiceLevelTargetWriteSerializer(TargetSpecSerializer):
    agreement = visible(queries.agreements_for, Agreement, required=False, allow_null=True)
    catalog_item = visible(queries.catalog_items_for, CatalogItem, required=False, allow_null=True)


class ServiceLevelTargetViewSet(RecordViewSet):
    summaries = {
        "list": "Service level targets of the agreements and items you may see",
        "create": "Add a target to a draft agreement or draft catalog item",
        "partial_update": "Change a target of a draft",
        "destroy": "Remove a target from a draft",
    }
    query = queries.targets_for
    queryset = ServiceLevelTarget.objects.none()
    view_permission = "service_level.catalog.view"
    serializer_class = ServiceLevelTargetSerializer
    create_serializer = ServiceLevelTargetWriteSerializer
    update_serializer = TargetSpecSerializer
    filterset_class = ServiceLevelTargetFilterSet

    def _require_owner_change(self, target_owner: Model) -> None:
        permission = (
            "service_level.agreement.change"
            if isinstance(target_owner, Agreement)
            else "service_level.catalog.change"
        )
        permissions.require(self.request.user, permission, target_owner)

    def _owned_target(self) -> ServiceLevelTarget:
        """The target of the URL, whose agreement or catalog item the caller may change."""
        target = self.get_object()
        self._require_owner_change(target.agreement or target.catalog_item)
        return target

    def create(self, request: Request) -> Response:
        if not (
            permissions.has(request.user, "service_level.agreement.change")
            or permissions.has(request.user, "service_level.catalog.change")
        ):
            permissions.require(request.user, "service_level.agreement.change")
        data = self.validated()
        agreement, item = data.pop("agreement", None), data.pop("catalog_item", None)
        for owner in (agreement, item):
            if owner is not None:
                self._require_owner_change(owner)
        target = agreement_svc.target_add(
            actor=request.user,
            agreement_id=agreement.pk if agreement else None,
            catalog_item_id=item.pk if item else None,
            **data,
        )
        return self.show(target, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        target = self._owned_target()
        data = self.validated(partial=True)
        target = agreement_svc.target_update(actor=request.user, target_id=target.pk, data=data)
        return self.show(target)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        target = self._owned_target()
        agreement_svc.target_remove(actor=request.user, target_id=target.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
