"""/api/v1/services/ and /api/v1/outages/: business services and the periods they were down."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core import permissions
from steward.core import queries as core_queries
from steward.core.api.base import GuardedSerializer, ServiceCreate, ServiceUpdate
from steward.core.models import BusinessCalendar, Organisation, Person
from steward.service_level import inputs, queries
from steward.service_level.api.base import RecordViewSet, actor_of, choice_text, visible
from steward.service_level.choices import ServiceStatus
from steward.service_level.filters import OutageFilterSet, ServiceFilterSet
from steward.service_level.models import Outage, Service
from steward.service_level.services import agreements as agreement_svc
from steward.service_level.services import services as service_svc


class BusinessServiceSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.display_name", read_only=True, default="")
    status = choice_text(ServiceStatus.choices, read_only=True)
    customers = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            "id", "lock_version", "number", "name", "description", "owner", "owner_name", "status",
            "service_hours", "provider", "customers", "supporting_services",
            "discontinued_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_customers(self, obj: Service) -> list[int]:
        # Customer people see only their own organisation among the subscribers.
        actor = actor_of(self)
        ids = [c.pk for c in obj.customers.all()]
        if actor is not None and permissions.is_customer_side(actor):
            mine = permissions.customer_organisation_ids(actor)
            ids = [pk for pk in ids if pk in mine]
        return ids


class BusinessServiceWriteSerializer(GuardedSerializer):
    inputs = inputs.SERVICE
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    owner = visible(core_queries.people_for, Person, required=False, allow_null=True)
    service_hours = visible(
        core_queries.calendars_for, BusinessCalendar, required=False, allow_null=True
    )
    provider = visible(
        core_queries.organisations_for, Organisation, required=False, allow_null=True
    )
    customers = serializers.ManyRelatedField(
        child_relation=visible(queries.customers_for, Organisation), required=False
    )
    supporting_services = serializers.ManyRelatedField(
        child_relation=visible(queries.services_for, Service), required=False
    )


class ServiceStatusSerializer(GuardedSerializer):
    inputs = inputs.SERVICE_STATUS
    status = choice_text(ServiceStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BusinessServiceViewSet(ServiceCreate, ServiceUpdate):
    summaries = {
        "list": "Business services (customer people: their subscribed ones)",
        "retrieve": "One business service",
        "create": "Register a service",
        "partial_update": "Change a service",
    }
    query = queries.services_for
    queryset = Service.objects.none()
    view_permission = "service_level.service.view"
    change_permission = "service_level.service.change"
    record_id = "service_id"
    serializer_class = BusinessServiceSerializer
    create_serializer = BusinessServiceWriteSerializer
    create_service = service_svc.service_create
    update_service = service_svc.service_update
    filterset_class = ServiceFilterSet

    def get_queryset(self):  # type: ignore[override]
        return super().get_queryset().prefetch_related("customers", "supporting_services")

    @extend_schema(
        summary="Put the service in design, active or discontinued",
        request=ServiceStatusSerializer,
        responses=BusinessServiceSerializer,
    )
    @action(detail=True, methods=["post"], url_path="set-status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        service = self.guarded_object()
        data = self.validated(ServiceStatusSerializer)
        return self.act(service_svc.service_set_status, service, **data)


class OutageSerializer(GuardedSerializer, serializers.ModelSerializer):
    inputs = inputs.OUTAGE

    service = visible(queries.services_for, Service)

    class Meta:
        model = Outage
        fields = [
            "id", "service", "started_at", "ended_at", "degraded", "planned", "description",
            "source_reference",
        ]  # fmt: skip
        read_only_fields = ["id"]


class OutageViewSet(RecordViewSet):
    summaries = {
        "list": "Outages of the services you may see",
        "create": "Record an outage",
    }
    query = queries.outages_for
    queryset = Outage.objects.none()
    view_permission = "service_level.service.view"
    change_permission = "service_level.outage.change"
    serializer_class = OutageSerializer
    filterset_class = OutageFilterSet

    def create(self, request: Request) -> Response:
        self.require_change()
        data = self.validated()
        service = data.pop("service")
        self.require_change(service)
        outage = agreement_svc.outage_record(actor=request.user, service_id=service.pk, **data)
        return self.show(outage, status.HTTP_201_CREATED)
