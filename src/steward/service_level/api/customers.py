"""/api/v1/customers/: customer organisations with their representatives and service level
managers (proc. 3)."""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    InternalFieldsHidden,
    ServiceCreate,
    ServiceUpdate,
)
from steward.core.choices import OrganisationKind
from steward.core.models import Organisation, Person
from steward.core.services import directory
from steward.service_level import inputs, queries
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


class CustomerViewSet(ServiceCreate, ServiceUpdate):
    summaries = {
        "list": "Customers with their representatives and service level managers",
        "retrieve": "One customer",
        "create": "Register a customer organisation",
        "partial_update": "Update a customer's contact information",
    }
    query = queries.customers_for
    queryset = Organisation.objects.none()
    view_permission = "core.organisation.view"
    change_permission = "core.organisation.change"
    record_id = "organisation_id"
    serializer_class = CustomerSerializer
    create_serializer = CustomerWriteSerializer
    create_service = directory.organisation_create
    update_service = directory.organisation_update
    reread = False

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "kind": OrganisationKind.CUSTOMER}

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
