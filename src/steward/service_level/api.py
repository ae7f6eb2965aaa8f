"""/api/v1/ resources of Service Level Management: services, catalog items (and their
templates), customers, agreements, service level targets and outages.

Reads go through ``steward.service_level.queries`` (404 for what the caller may not see);
writes and transitions (``POST .../{id}/<verb>/``) call the services, which check the right
against the record (403), the transition table (409) and the input (400). Creating and
changing first check the right, then validate the payload, so a refused caller learns
nothing from validation messages.
"""

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core import permissions
from steward.core import queries as core_queries
from steward.core.api.base import StewardViewSet
from steward.core.choices import OrganisationKind
from steward.core.models import BusinessCalendar, Organisation, Person, SupportGroup
from steward.core.services import directory
from steward.service_level import queries
from steward.service_level.choices import (
    AgreementKind,
    AgreementStatus,
    ApprovalDecision,
    ApprovalRole,
    CatalogItemStatus,
    ServiceStatus,
    SignatoryRole,
    TargetKind,
)
from steward.service_level.filters import (
    AgreementFilterSet,
    CatalogItemFilterSet,
    OutageFilterSet,
    ServiceFilterSet,
    ServiceLevelTargetFilterSet,
)
from steward.service_level.models import (
    Agreement,
    AgreementSignature,
    CatalogApproval,
    CatalogItem,
    CatalogItemTemplate,
    Outage,
    Service,
    ServiceLevelTarget,
)
from steward.service_level.services import agreements as agreement_svc
from steward.service_level.services import catalog as catalog_svc
from steward.service_level.services import customers as customer_svc
from steward.service_level.services import services as service_svc
from steward.service_level.services._common import TARGET_FIELDS


def _actor(serializer: serializers.Field) -> Any:
    request = serializer.context.get("request")
    return request.user if request is not None else None


class Visible(serializers.PrimaryKeyRelatedField):
    """A reference to a record the caller may see (others are "does not exist")."""

    def __init__(self, query: Any, model: type[Model], **kwargs: Any) -> None:
        self.query = query
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        actor = _actor(self)
        return self.query(actor) if actor is not None else self.queryset


def _visible(query: Any, model: type[Model], **kwargs: Any) -> Visible:
    return Visible(query, model, **kwargs)


def choice_text(choices: list[tuple[str, str]], **kwargs: Any) -> serializers.CharField:
    """A choice as plain text in the schema. Several resources have a ``status``, ``kind``
    or ``role`` with different choices; one enum name per field name would collide."""
    values = [value for value, _ in choices]
    listed = ", ".join(values)

    def one_of(value: str) -> None:
        if value not in values:
            raise serializers.ValidationError(f"Choose one of: {listed}.")

    help_text = kwargs.pop("help_text", "")
    return serializers.CharField(
        validators=[] if kwargs.get("read_only") else [one_of],
        help_text=f"{help_text} One of: {listed}.".strip(),
        **kwargs,
    )


class GuardedWrites:
    change_permission: str = ""
    request: Request

    def require_change(self, obj: Model | None = None) -> None:
        permissions.require(self.request.user, self.change_permission, obj)


class TargetSpecSerializer(serializers.Serializer):
    """One target given with an agreement or catalog item."""

    kind = choice_text(TargetKind.choices)
    priority = serializers.CharField(required=False, allow_blank=True, default="")
    target_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    target_percent = serializers.DecimalField(
        max_digits=6, decimal_places=3, required=False, allow_null=True
    )
    target_count = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    warning_percent = serializers.IntegerField(required=False, default=75)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why; kept on the record.")


# --- Services ------------------------------------------------------------------------------


class BusinessServiceSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.display_name", read_only=True, default="")
    status = choice_text(ServiceStatus.choices, read_only=True)
    customers = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            "id", "number", "name", "description", "owner", "owner_name", "status",
            "service_hours", "provider", "customers", "supporting_services",
            "discontinued_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_customers(self, obj: Service) -> list[int]:
        # Customer people see only their own organisation among the subscribers.
        actor = _actor(self)
        ids = [c.pk for c in obj.customers.all()]
        if actor is not None and permissions.is_customer_side(actor):
            mine = permissions.customer_organisation_ids(actor)
            ids = [pk for pk in ids if pk in mine]
        return ids


class BusinessServiceWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    owner = _visible(core_queries.people_for, Person, required=False, allow_null=True)
    service_hours = _visible(
        core_queries.calendars_for, BusinessCalendar, required=False, allow_null=True
    )
    provider = _visible(
        core_queries.organisations_for, Organisation, required=False, allow_null=True
    )
    customers = serializers.ManyRelatedField(
        child_relation=_visible(queries.customers_for, Organisation), required=False
    )
    supporting_services = serializers.ManyRelatedField(
        child_relation=_visible(queries.services_for, Service), required=False
    )


class ServiceStatusSerializer(serializers.Serializer):
    status = choice_text(ServiceStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="Business services (customer people: their subscribed ones)"),
    retrieve=extend_schema(summary="One business service"),
    create=extend_schema(
        summary="Register a service",
        request=BusinessServiceWriteSerializer,
        responses={201: BusinessServiceSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a service",
        request=BusinessServiceWriteSerializer,
        responses=BusinessServiceSerializer,
    ),
)
class BusinessServiceViewSet(
    GuardedWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, StewardViewSet
):
    query = queries.services_for
    queryset = Service.objects.none()
    view_permission = "service_level.service.view"
    change_permission = "service_level.service.change"
    serializer_class = BusinessServiceSerializer
    filterset_class = ServiceFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[override]
        return super().get_queryset().prefetch_related("customers", "supporting_services")

    def _out(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data, status=code)

    def create(self, request: Request) -> Response:
        self.require_change()
        serializer = BusinessServiceWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        service = service_svc.service_create(actor=request.user, **serializer.validated_data)
        return self._out(service.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        service = self.get_object()
        self.require_change(service)
        serializer = BusinessServiceWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        service_svc.service_update(
            actor=request.user, service_id=service.pk, data=dict(serializer.validated_data)
        )
        return self._out(service.pk)

    @extend_schema(
        summary="Put the service in design, active or discontinued",
        request=ServiceStatusSerializer,
        responses=BusinessServiceSerializer,
    )
    @action(detail=True, methods=["post"], url_path="set-status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        service = self.get_object()
        self.require_change(service)
        serializer = ServiceStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service_svc.service_set_status(
            actor=request.user, service_id=service.pk, **serializer.validated_data
        )
        return self._out(service.pk)


# --- Catalog -------------------------------------------------------------------------------


class ServiceLevelTargetSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)
    kind = choice_text(TargetKind.choices, read_only=True)

    class Meta:
        model = ServiceLevelTarget
        fields = ["id", "agreement", "catalog_item", "label", *TARGET_FIELDS]
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


class CatalogItemSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    status = choice_text(CatalogItemStatus.choices, read_only=True)
    targets = ServiceLevelTargetSerializer(many=True, read_only=True)
    approvals = CatalogApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = CatalogItem
        fields = [
            "id", "number", "name", "service", "service_name", "summary", "description",
            "category", "visibility", "customer", "target_customers", "status", "charge",
            "charge_unit", "request_instructions", "template", "copied_from",
            "approval_round", "failure_reason", "published_at", "discontinued_at",
            "targets", "approvals", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance: CatalogItem) -> dict[str, Any]:
        data = super().to_representation(instance)
        actor = _actor(self)
        if actor is None or permissions.is_customer_side(actor):
            for name in _INTERNAL_ITEM_FIELDS:
                data.pop(name, None)
        return data


class CatalogItemWriteSerializer(serializers.Serializer):
    service = _visible(queries.services_for, Service)
    name = serializers.CharField(max_length=200)
    template = _visible(
        queries.catalog_item_templates_for, CatalogItemTemplate, required=False, allow_null=True
    )
    copy_of = _visible(queries.catalog_items_for, CatalogItem, required=False, allow_null=True)
    visibility = serializers.CharField(required=False)
    customer = _visible(queries.customers_for, Organisation, required=False, allow_null=True)
    target_customers = serializers.ManyRelatedField(
        child_relation=_visible(queries.customers_for, Organisation), required=False
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


class CatalogDecisionSerializer(serializers.Serializer):
    decision = choice_text(
        [c for c in ApprovalDecision.choices if c[0] != ApprovalDecision.PENDING]
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(
        summary="Catalog items (customer people: published public items and their own "
        "organisation's private ones)"
    ),
    retrieve=extend_schema(summary="One catalog item"),
    create=extend_schema(
        summary="Prepare a catalog item (from the template or a copy)",
        request=CatalogItemWriteSerializer,
        responses={201: CatalogItemSerializer},
    ),
    partial_update=extend_schema(
        summary="Adjust a draft catalog item",
        request=CatalogItemUpdateSerializer,
        responses=CatalogItemSerializer,
    ),
)
class CatalogItemViewSet(
    GuardedWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, StewardViewSet
):
    query = queries.catalog_items_for
    queryset = CatalogItem.objects.none()
    view_permission = "service_level.catalog.view"
    change_permission = "service_level.catalog.change"
    serializer_class = CatalogItemSerializer
    filterset_class = CatalogItemFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[override]
        return (
            super()
            .get_queryset()
            .prefetch_related("targets", "target_customers", "approvals__approver")
        )

    def _out(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data, status=code)

    def create(self, request: Request) -> Response:
        self.require_change()
        serializer = CatalogItemWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "targets" in data:
            data["targets"] = [dict(t) for t in data["targets"]]
        item = catalog_svc.catalog_item_create(actor=request.user, **data)
        return self._out(item.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        self.require_change(item)
        serializer = CatalogItemUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        targets = data.pop("targets", None)
        catalog_svc.catalog_item_update(
            actor=request.user,
            item_id=item.pk,
            data=data,
            targets=[dict(t) for t in targets] if targets is not None else None,
        )
        return self._out(item.pk)

    def _transition(self, fn: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        fn(actor=self.request.user, item_id=item.pk, **kwargs)
        return self._out(item.pk)

    @extend_schema(summary="Submit for approval", request=None, responses=CatalogItemSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(catalog_svc.catalog_item_submit)

    @extend_schema(
        summary="Approve, ask for adjustments or reject (as a pending approver)",
        request=CatalogDecisionSerializer,
        responses=CatalogItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        permissions.require(request.user, "service_level.catalog.approve")
        serializer = CatalogDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        catalog_svc.catalog_item_decide(
            actor=request.user, item_id=item.pk, **serializer.validated_data
        )
        return self._out(item.pk)

    @extend_schema(summary="Publish in the catalog", request=None, responses=CatalogItemSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(catalog_svc.catalog_item_publish)

    @extend_schema(
        summary="Record that the item failed (with the reason)",
        request=RequiredReasonSerializer,
        responses=CatalogItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def fail(self, request: Request, pk: str | None = None) -> Response:
        self.require_change(self.get_object())
        serializer = RequiredReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._transition(catalog_svc.catalog_item_fail, **serializer.validated_data)

    @extend_schema(summary="Back to draft to adjust", request=None, responses=CatalogItemSerializer)
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(catalog_svc.catalog_item_revise)

    @extend_schema(
        summary="Take out of the catalog (stays on record)",
        request=ReasonSerializer,
        responses=CatalogItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def discontinue(self, request: Request, pk: str | None = None) -> Response:
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._transition(catalog_svc.catalog_item_discontinue, **serializer.validated_data)


class CatalogItemTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogItemTemplate
        fields = ["id", *catalog_svc.TEMPLATE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


@extend_schema_view(
    list=extend_schema(summary="Catalog item templates"),
    retrieve=extend_schema(summary="One catalog item template"),
    create=extend_schema(summary="Register a catalog item template"),
    partial_update=extend_schema(summary="Change a catalog item template"),
)
class CatalogItemTemplateViewSet(
    GuardedWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, StewardViewSet
):
    query = queries.catalog_item_templates_for
    queryset = CatalogItemTemplate.objects.none()
    view_permission = "service_level.catalog.view"
    change_permission = "service_level.catalog.change"
    serializer_class = CatalogItemTemplateSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request: Request) -> Response:
        self.require_change()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = catalog_svc.catalog_item_template_create(
            actor=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(template).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        template = self.get_object()
        self.require_change(template)
        serializer = self.get_serializer(template, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        template = catalog_svc.catalog_item_template_update(
            actor=request.user, template_id=template.pk, data=serializer.validated_data
        )
        return Response(self.get_serializer(template).data)


# --- Customers -----------------------------------------------------------------------------


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class CustomerSerializer(serializers.ModelSerializer):
    representatives = serializers.SerializerMethodField()
    service_level_managers = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = [
            "id", "name", "code", "email", "phone", "address", "website", "notes", "is_active",
            "representatives", "service_level_managers", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "representatives", "service_level_managers",
                            "created_at", "updated_at"]  # fmt: skip

    def _contacts(self, obj: Organisation) -> dict[str, list[Person]]:
        cache = self.context.setdefault("_contacts", {})
        if obj.pk not in cache:
            cache[obj.pk] = customer_svc.customer_contacts(obj)
        return cache[obj.pk]

    @extend_schema_field(ContactSerializer(many=True))
    def get_representatives(self, obj: Organisation) -> list[dict[str, Any]]:
        return [
            {"id": p.pk, "display_name": p.display_name}
            for p in self._contacts(obj)["representatives"]
        ]

    @extend_schema_field(ContactSerializer(many=True))
    def get_service_level_managers(self, obj: Organisation) -> list[dict[str, Any]]:
        return [
            {"id": p.pk, "display_name": p.display_name}
            for p in self._contacts(obj)["service_level_managers"]
        ]


class CustomerWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["name", "code", "email", "phone", "address", "website", "notes", "is_active"]


class CustomerContactsSerializer(serializers.Serializer):
    representatives = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        help_text="People of the customer who represent it (sign SLAs, attend reviews).",
    )
    service_level_managers = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        help_text="Provider staff managing this customer's service levels.",
    )


@extend_schema_view(
    list=extend_schema(summary="Customers with their representatives and service level managers"),
    retrieve=extend_schema(summary="One customer"),
    create=extend_schema(
        summary="Register a customer organisation",
        request=CustomerWriteSerializer,
        responses={201: CustomerSerializer},
    ),
    partial_update=extend_schema(
        summary="Update a customer's contact information",
        request=CustomerWriteSerializer,
        responses=CustomerSerializer,
    ),
)
class CustomerViewSet(
    GuardedWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, StewardViewSet
):
    query = queries.customers_for
    queryset = Organisation.objects.none()
    view_permission = "core.organisation.view"
    change_permission = "core.organisation.change"
    serializer_class = CustomerSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request: Request) -> Response:
        self.require_change()
        serializer = CustomerWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = directory.organisation_create(
            actor=request.user, kind=OrganisationKind.CUSTOMER, **serializer.validated_data
        )
        return Response(self.get_serializer(customer).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        self.require_change(customer)
        serializer = CustomerWriteSerializer(customer, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        customer = directory.organisation_update(
            actor=request.user, organisation_id=customer.pk, data=serializer.validated_data
        )
        return Response(self.get_serializer(customer).data)

    @extend_schema(
        summary="Set the customer representatives and service level managers",
        request=CustomerContactsSerializer,
        responses=CustomerSerializer,
    )
    @action(detail=True, methods=["post"])
    def contacts(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        self.require_change(customer)
        serializer = CustomerContactsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer_svc.customer_set_contacts(
            actor=request.user, organisation_id=customer.pk, **serializer.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=customer.pk)).data)


# --- Agreements ----------------------------------------------------------------------------


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
            "id", "number", "kind", "name", "service", "service_name", "catalog_item",
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


class AgreementUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    catalog_item = _visible(queries.catalog_items_for, CatalogItem, required=False, allow_null=True)
    term_start = serializers.DateField()
    term_end = serializers.DateField(required=False, allow_null=True)
    evaluation_months = serializers.IntegerField(required=False, min_value=1, max_value=60)


class AgreementCreateSerializer(AgreementUpdateSerializer):
    kind = choice_text(AgreementKind.choices)
    service = _visible(queries.services_for, Service)
    customer = _visible(queries.customers_for, Organisation, required=False, allow_null=True)
    support_group = _visible(core_queries.groups_for, SupportGroup, required=False, allow_null=True)
    supplier = _visible(
        core_queries.organisations_for, Organisation, required=False, allow_null=True
    )
    targets = TargetSpecSerializer(many=True, required=False)


class AgreementSignSerializer(serializers.Serializer):
    role = choice_text(SignatoryRole.choices)
    signed = serializers.BooleanField(help_text="false: declined to sign.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    person = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The person who signed on paper (service level administrators only).",
    )


@extend_schema_view(
    list=extend_schema(
        summary="SLAs, OLAs and underpinning contracts (customer representatives: their SLAs)"
    ),
    retrieve=extend_schema(summary="One agreement with its targets and signatures"),
    create=extend_schema(
        summary="Prepare an agreement",
        request=AgreementCreateSerializer,
        responses={201: AgreementSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a draft agreement",
        request=AgreementUpdateSerializer,
        responses=AgreementSerializer,
    ),
)
class AgreementViewSet(
    GuardedWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, StewardViewSet
):
    query = queries.agreements_for
    queryset = Agreement.objects.none()
    view_permission = "service_level.agreement.view"
    change_permission = "service_level.agreement.change"
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[override]
        return super().get_queryset().prefetch_related("targets", "signatures__person")

    def _out(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data, status=code)

    def create(self, request: Request) -> Response:
        self.require_change()
        serializer = AgreementCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "targets" in data:
            data["targets"] = [dict(t) for t in data["targets"]]
        agreement = agreement_svc.agreement_create(actor=request.user, **data)
        return self._out(agreement.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        agreement = self.get_object()
        self.require_change(agreement)
        serializer = AgreementUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        agreement_svc.agreement_update(
            actor=request.user, agreement_id=agreement.pk, data=dict(serializer.validated_data)
        )
        return self._out(agreement.pk)

    @extend_schema(
        summary="Sign or decline as one of the parties",
        request=AgreementSignSerializer,
        responses=AgreementSerializer,
    )
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        agreement = self.get_object()
        permissions.require(request.user, "service_level.agreement.sign", agreement)
        serializer = AgreementSignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        agreement_svc.agreement_sign(
            actor=request.user,
            agreement_id=agreement.pk,
            person_id=data.pop("person", None),
            **data,
        )
        return self._out(agreement.pk)

    @extend_schema(
        summary="Terminate (no more monitoring; the last SLA also ends the service)",
        request=RequiredReasonSerializer,
        responses=AgreementSerializer,
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: str | None = None) -> Response:
        agreement = self.get_object()
        self.require_change(agreement)
        serializer = RequiredReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement_svc.agreement_terminate(
            actor=request.user, agreement_id=agreement.pk, **serializer.validated_data
        )
        return self._out(agreement.pk)


# --- Targets -------------------------------------------------------------------------------


class ServiceLevelTargetWriteSerializer(TargetSpecSerializer):
    agreement = _visible(queries.agreements_for, Agreement, required=False, allow_null=True)
    catalog_item = _visible(queries.catalog_items_for, CatalogItem, required=False, allow_null=True)


@extend_schema_view(
    list=extend_schema(summary="Service level targets of the agreements and items you may see"),
    retrieve=extend_schema(summary="One service level target"),
    create=extend_schema(
        summary="Add a target to a draft agreement or draft catalog item",
        request=ServiceLevelTargetWriteSerializer,
        responses={201: ServiceLevelTargetSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a target of a draft",
        request=TargetSpecSerializer,
        responses=ServiceLevelTargetSerializer,
    ),
    destroy=extend_schema(summary="Remove a target from a draft"),
)
class ServiceLevelTargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StewardViewSet):
    query = queries.targets_for
    queryset = ServiceLevelTarget.objects.none()
    view_permission = "service_level.catalog.view"
    serializer_class = ServiceLevelTargetSerializer
    filterset_class = ServiceLevelTargetFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _require_owner_change(self, target_owner: Model) -> None:
        permission = (
            "service_level.agreement.change"
            if isinstance(target_owner, Agreement)
            else "service_level.catalog.change"
        )
        permissions.require(self.request.user, permission, target_owner)

    def create(self, request: Request) -> Response:
        serializer = ServiceLevelTargetWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        if not (
            permissions.has(request.user, "service_level.agreement.change")
            or permissions.has(request.user, "service_level.catalog.change")
        ):
            permissions.require(request.user, "service_level.agreement.change")
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
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
        return Response(self.get_serializer(target).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        self._require_owner_change(target.agreement or target.catalog_item)
        serializer = TargetSpecSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        target = agreement_svc.target_update(
            actor=request.user, target_id=target.pk, data=dict(serializer.validated_data)
        )
        return Response(self.get_serializer(target).data)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        self._require_owner_change(target.agreement or target.catalog_item)
        agreement_svc.target_remove(actor=request.user, target_id=target.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Outages -------------------------------------------------------------------------------


class OutageSerializer(serializers.ModelSerializer):
    service = _visible(queries.services_for, Service)

    class Meta:
        model = Outage
        fields = [
            "id", "service", "started_at", "ended_at", "degraded", "planned", "description",
            "source_reference",
        ]  # fmt: skip
        read_only_fields = ["id"]


@extend_schema_view(
    list=extend_schema(summary="Outages of the services you may see"),
    retrieve=extend_schema(summary="One outage"),
    create=extend_schema(summary="Record an outage"),
)
class OutageViewSet(
    GuardedWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, StewardViewSet
):
    query = queries.outages_for
    queryset = Outage.objects.none()
    view_permission = "service_level.service.view"
    change_permission = "service_level.outage.change"
    serializer_class = OutageSerializer
    filterset_class = OutageFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request) -> Response:
        self.require_change()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        service = data.pop("service")
        self.require_change(service)
        outage = agreement_svc.outage_record(actor=request.user, service_id=service.pk, **data)
        return Response(self.get_serializer(outage).data, status=status.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("services", BusinessServiceViewSet, basename="service")
    router.register("catalog-items", CatalogItemViewSet, basename="catalogitem")
    router.register(
        "catalog-item-templates", CatalogItemTemplateViewSet, basename="catalogitemtemplate"
    )
    router.register("customers", CustomerViewSet, basename="customer")
    router.register("agreements", AgreementViewSet, basename="agreement")
    router.register(
        "service-level-targets", ServiceLevelTargetViewSet, basename="serviceleveltarget"
    )
    router.register("outages", OutageViewSet, basename="outage")
