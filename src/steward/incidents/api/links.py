"""``POST /api/v1/incidents/{id}/merge/`` and ``/api/v1/incidents/{id}/links/`` (issue 13):
merge a duplicate into the request that continues; list, add and remove links between
requests (``services/links.py``)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core.api.base import GuardedSerializer, choice_text, visible
from steward.incidents import inputs
from steward.incidents.models import IncidentRequest
from steward.incidents.queries.incidents import incidents_for
from steward.incidents.queries.links import linked_incidents
from steward.incidents.services import links


class IncidentMergeSerializer(GuardedSerializer):
    inputs = inputs.MERGE

    into = visible(incidents_for, IncidentRequest, help_text="The request that continues.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class IncidentLinkCreateSerializer(GuardedSerializer):
    inputs = inputs.LINK

    other = visible(incidents_for, IncidentRequest, help_text="The request to link to.")
    kind = choice_text(
        [("related", "Related to"), ("duplicate", "This request is a duplicate of the other")],
        required=False,
        default="related",
    )


class IncidentLinkSerializer(serializers.Serializer):
    relation = serializers.CharField(help_text='As read from this request: "duplicate of" …')
    incident = serializers.IntegerField(source="incident.pk")
    number = serializers.CharField(source="incident.number")
    title = serializers.CharField(source="incident.title")
    status = serializers.CharField(source="incident.status")


def _links(request: Request, incident: IncidentRequest) -> Response:
    rows = linked_incidents(request.user, incident)
    return Response(IncidentLinkSerializer(rows, many=True).data)


class IncidentLinkEndpoints:
    """Merge and links of ``IncidentViewSet``."""

    @extend_schema(
        summary="Merge this request (a duplicate) into another one",
        description=(
            "This request is cancelled as a duplicate (resolution code `duplicate`) with a "
            "public line to its requester naming the request that continues; the two are "
            "linked both ways and journalled. Service desk only (it cancels a request). "
            "Answers the request that continues."
        ),
        request=IncidentMergeSerializer,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()  # type: ignore[attr-defined]
        data = self.validated(IncidentMergeSerializer, record=incident)  # type: ignore[attr-defined]
        target = links.incident_merge(
            actor=request.user, duplicate_id=incident.pk, into_id=data["into"].pk, note=data["note"]
        )
        return self.refreshed(target.pk)  # type: ignore[attr-defined]

    @extend_schema(
        methods=["GET"],
        summary="The requests linked to this one",
        responses=IncidentLinkSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Link this request to another one (both ways)",
        request=IncidentLinkCreateSerializer,
        responses={201: IncidentLinkSerializer(many=True)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="links",
        url_name="links",
        pagination_class=None,
        filterset_class=None,
    )
    def links(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()  # type: ignore[attr-defined]
        if request.method == "POST":
            data = self.validated(IncidentLinkCreateSerializer, record=incident)  # type: ignore[attr-defined]
            links.incident_link(
                actor=request.user,
                incident_id=incident.pk,
                other_id=data["other"].pk,
                kind=data["kind"],
            )
            answer = _links(request, incident)
            answer.status_code = status.HTTP_201_CREATED
            return answer
        return _links(request, incident)

    @extend_schema(
        summary="Remove the link to another request (both ways)",
        parameters=[OpenApiParameter("other", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=None,
        responses={204: None},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"links/(?P<other>[0-9]+)",
        url_name="link-delete",
    )
    def link_delete(
        self, request: Request, pk: str | None = None, other: str | None = None
    ) -> Response:
        incident = self.get_object()  # type: ignore[attr-defined]
        links.incident_unlink(actor=request.user, incident_id=incident.pk, other_id=other)
        return Response(status=status.HTTP_204_NO_CONTENT)
