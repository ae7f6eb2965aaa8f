"""/api/v1/service-requests/: user service requests asked from the catalog (issue 13).

``GET /api/v1/catalog-items/{id}/request-types/`` lists what may be asked for and the
questions of each; ``POST`` here submits one with the answers keyed by the fields' keys
(400 naming ``answers.<key>`` for an answer that does not fit its field)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core.api.base import GuardedSerializer, RecordViewSet, visible
from steward.core.models import Person
from steward.incidents import inputs
from steward.incidents.choices import Channel, IncidentStatus
from steward.incidents.models import IncidentRequest
from steward.incidents.queries import incidents as queries
from steward.incidents.services import requests as svc
from steward.service_level.choices import RequestFieldKind
from steward.service_level.models import RequestType
from steward.service_level.queries.request_types import request_types_for

VIEW = "incidents.incident.view"


class AnswerSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=RequestFieldKind.choices, read_only=True)
    value = serializers.JSONField(
        read_only=True, help_text="Text, number as text, ISO date or yes/no as true/false."
    )
    text = serializers.CharField(read_only=True, help_text="The answer as people read it.")


class ServiceRequestSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True)
    request_type = serializers.IntegerField(
        source="submission.request_type_id", read_only=True, allow_null=True
    )
    request_type_name = serializers.CharField(source="submission.request_type_name", read_only=True)
    answers = AnswerSerializer(source="submission.answers", many=True, read_only=True)
    expected_response = serializers.CharField(source="submission.expected_response", read_only=True)

    class Meta:
        model = IncidentRequest
        fields = [
            "id", "number", "title", "status", "service", "requester", "created_at",
            "request_type", "request_type_name", "answers", "expected_response",
        ]  # fmt: skip
        read_only_fields = fields


class ServiceRequestCreateSerializer(GuardedSerializer):
    inputs = inputs.SERVICE_REQUEST
    request_type = visible(
        request_types_for,
        RequestType,
        help_text="A request type of a catalog item the caller sees in the catalog "
        "(``requestable`` says whether they may submit it).",
    )
    answers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        help_text="The answers keyed by the fields' keys.",
    )


def service_requests_for(actor: Person) -> QuerySet[IncidentRequest]:
    return (
        queries.incidents_for(actor)
        .filter(submission__isnull=False)
        .select_related(None)
        .select_related("submission")
    )


@extend_schema_view(
    create=extend_schema(
        summary="Ask for something from the catalog: registers a user service request",
        request=ServiceRequestCreateSerializer,
        responses={201: ServiceRequestSerializer},
    )
)
class ServiceRequestViewSet(RecordViewSet):
    summaries = {
        "list": "User service requests asked from the catalog, with their answers "
        "(customer people: their own organisation's, as for requests)",
    }
    query = service_requests_for
    queryset = IncidentRequest.objects.none()
    view_permission = VIEW
    serializer_class = ServiceRequestSerializer
    create_serializer = ServiceRequestCreateSerializer

    def get_queryset(self) -> QuerySet[IncidentRequest]:  # type: ignore[override]
        return service_requests_for(self.request.user).order_by("-created_at", "-pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(ServiceRequestCreateSerializer)
        incident = svc.service_request_submit(
            actor=request.user,
            request_type=data["request_type"],
            answers=data["answers"],
            channel=Channel.API,
        )
        return self.refreshed(incident.pk, status.HTTP_201_CREATED)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("service-requests", ServiceRequestViewSet, basename="servicerequest")
