"""/api/v1/customers/: customer organisations with their representatives and service level
managers (proc. 3)."""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core.api.base import GuardedSerializer, IdField, InternalFieldsHidden
from steward.core.choices import OrganisationKind
from steward.core.models import Organisation, Person
from steward.core.services import directory
from steward.service_level import inputs, queries
from steward.service_level.api.base import RecordViewSet
from steward.service_level.services import customers as customer_svc


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class CustomerSerializer(InternalFieldsHidden, serializers.ModelSerializer):
    internal_fields = ("notes",)  # the provider's notes about its customer

    representatives = serializers.SerializerMethodField()
    service_level_managers = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = [
            "id", "lock_version", "name", "code", "email", "phone", "address", "website", "notes", "is_active",
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


class CustomerWriteSerializer(GuardedSerializer, serializers.ModelSerializer):
    inputs = inputs.CUSTOMER_ORGANISATION

    class Meta:
        model = Organisation
        fields = ["name", "code", "email", "phone", "address", "website", "notes", "is_active"]


class CustomerContactsSerializer(GuardedSerializer):
    inputs = inputs.CONTACTS
    representatives = serializers.ListField(
        child=IdField(),
        help_text="People of the customer who represent it (sign SLAs, attend reviews).",
    )
    service_level_managers = serializers.ListField(
        child=IdField(),
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
class CustomerViewSet(RecordViewSet):
    query = queries.customers_for
    queryset = Organisation.objects.none()
    view_permission = "core.organisation.view"
    change_permission = "core.organisation.change"
    record_id = "organisation_id"
    serializer_class = CustomerSerializer

    def create(self, request: Request) -> Response:
        self.require_change()
        data = self.validated(CustomerWriteSerializer)
        customer = directory.organisation_create(
            actor=request.user, kind=OrganisationKind.CUSTOMER, **data
        )
        return self.show(customer, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        customer = self.guarded_object()
        data = self.validated(CustomerWriteSerializer, customer, partial=True)
        customer = directory.organisation_update(
            actor=request.user, organisation_id=customer.pk, data=data
        )
        return self.show(customer)

    @extend_schema(
        summary="Set the customer representatives and service level managers",
        request=CustomerContactsSerializer,
        responses=CustomerSerializer,
    )
    @action(detail=True, methods=["post"])
    def contacts(self, request: Request, pk: str | None = None) -> Response:
        customer = self.guarded_object()
        data = self.validated(CustomerContactsSerializer)
        return self.act(customer_svc.customer_set_contacts, customer, **data)
