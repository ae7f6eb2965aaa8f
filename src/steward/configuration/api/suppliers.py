"""/api/v1/suppliers/: supplier organisations with their details and contacts
(seed 003 ch. 4 procedure 2, Supplier Information Maintenance)."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.configuration import actions as cmdb_actions
from steward.configuration import inputs
from steward.configuration.filters.suppliers import SupplierFilterSet
from steward.configuration.models import SupplierDetails
from steward.configuration.queries import suppliers as queries
from steward.configuration.services import suppliers as services
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import GuardedSerializer, ServiceCreate, ServiceUpdate
from steward.core.models import Organisation, Person


class SupplierContactSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = ["id", "display_name", "first_name", "last_name", "email", "phone", "mobile",
                  "job_title", "location", "is_active"]  # fmt: skip
        read_only_fields = fields


class SupplierSerializer(serializers.ModelSerializer):
    account_number = serializers.SerializerMethodField()
    supplies = serializers.SerializerMethodField()
    contact_details_checked_at = serializers.SerializerMethodField()
    contact_details_checked_by = serializers.SerializerMethodField()
    contact_details_current = serializers.SerializerMethodField(
        help_text="Confirmed within the last year (procedure 2)."
    )
    contacts = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = ["id", "lock_version", "name", "code", "email", "phone", "address", "website", "notes",
                  "is_active", "account_number", "supplies", "contact_details_checked_at",
                  "contact_details_checked_by", "contact_details_current", "contacts",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    @staticmethod
    def _details(obj: Organisation) -> SupplierDetails | None:
        try:
            return obj.supplier_details
        except ObjectDoesNotExist:
            return None

    def get_account_number(self, obj: Organisation) -> str:
        details = self._details(obj)
        return details.account_number if details else ""

    def get_supplies(self, obj: Organisation) -> str:
        details = self._details(obj)
        return details.supplies if details else ""

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_contact_details_checked_at(self, obj: Organisation) -> Any:
        details = self._details(obj)
        value = details.contact_details_checked_at if details else None
        return serializers.DateTimeField().to_representation(value) if value else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_contact_details_checked_by(self, obj: Organisation) -> int | None:
        details = self._details(obj)
        return details.contact_details_checked_by_id if details else None

    def get_contact_details_current(self, obj: Organisation) -> bool:
        return services.supplier_details_are_current(obj)

    @extend_schema_field(SupplierContactSerializer(many=True))
    def get_contacts(self, obj: Organisation) -> list[dict[str, Any]]:
        return SupplierContactSerializer(obj.people.all(), many=True).data


class SupplierWriteSerializer(GuardedSerializer):
    inputs = inputs.SUPPLIER

    name = serializers.CharField(max_length=200)
    code = serializers.SlugField(
        max_length=40, required=False, allow_blank=True, help_text="Made from the name if blank."
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    account_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    supplies = serializers.CharField(max_length=200, required=False, allow_blank=True)


class SupplierUpdateSerializer(SupplierWriteSerializer):
    name = serializers.CharField(max_length=200, required=False)
    code = serializers.SlugField(max_length=40, required=False)
    is_active = serializers.BooleanField(required=False)
    confirm = serializers.BooleanField(
        required=False, default=False, help_text="The contact details are now up to date."
    )


class SupplierContactWriteSerializer(GuardedSerializer):
    inputs = inputs.SUPPLIER_CONTACT

    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=50, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=120, required=False, allow_blank=True)
    location = serializers.CharField(max_length=120, required=False, allow_blank=True)


class SupplierViewSet(ActionEndpoints, ServiceCreate, ServiceUpdate):
    # confirm-contact-details (steward.configuration.actions.SUPPLIER).
    action_table = staticmethod(lambda: cmdb_actions.SUPPLIER)
    summaries = {
        "list": "Suppliers with their contacts",
        "retrieve": "One supplier",
        "create": "Register a supplier",
        "partial_update": "Update a supplier's contact details (confirm: they are now up to date)",
    }
    created_routes = {"contacts": ("person-detail", "id")}
    query = queries.suppliers_for
    queryset = Organisation.objects.none()
    view_permission = services.VIEW
    change_permission = services.CHANGE
    record_id = "organisation_id"
    serializer_class = SupplierSerializer
    create_serializer = SupplierWriteSerializer
    create_service = services.supplier_register
    update_serializer = SupplierUpdateSerializer
    update_service = services.supplier_update
    filterset_class = SupplierFilterSet

    def get_queryset(self) -> QuerySet[Organisation]:
        contacts = Person.objects.order_by("-is_active", "last_name", "first_name", "pk")
        return super().get_queryset().prefetch_related(Prefetch("people", queryset=contacts))

    def update_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        confirm = bool(data.pop("confirm", False))
        return {"data": data, "confirm": confirm}

    @extend_schema(
        summary="Add a contact (a person of the supplier, without a login)",
        request=SupplierContactWriteSerializer,
        responses={201: SupplierContactSerializer},
    )
    @action(detail=True, methods=["post"])
    def contacts(self, request: Request, pk: str | None = None) -> Response:
        supplier = self.guarded_object()
        data = self.validated(SupplierContactWriteSerializer)
        person = services.supplier_contact_add(
            actor=request.user, organisation_id=supplier.pk, **data
        )
        return Response(SupplierContactSerializer(person).data, status=status.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("suppliers", SupplierViewSet, basename="supplier")
