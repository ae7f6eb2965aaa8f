"""/api/v1/attachments/: files on records, visible to whoever may see the record."""

from typing import Any

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core import attachments, inputs
from steward.core.api.base import GuardedSerializer, IdField, RecordViewSet
from steward.core.filters import IdFilter
from steward.core.models import Attachment
from steward.core.services.attachments import attachment_add
from steward.core.views.attachments import attachment_response


def _record_type_choices() -> list[tuple[str, str]]:
    # Evaluated per request: areas register their record types at start-up.
    return [(label, label) for label in sorted(attachments.registered())]


class AttachmentFilterSet(django_filters.FilterSet):
    record_type = django_filters.ChoiceFilter(
        choices=_record_type_choices, method="filter_record_type", label="Record type (app.model)"
    )
    record_id = IdFilter(field_name="record_id", label="Record id")

    class Meta:
        model = Attachment
        fields = ["record_type", "record_id"]

    def filter_record_type(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        model = attachments.registered()[value].model
        return queryset.filter(record_type=ContentType.objects.get_for_model(model))


class AttachmentSerializer(serializers.ModelSerializer):
    record_type = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id", "record_type", "record_id", "original_name", "content_type", "size",
            "sha256", "uploaded_by", "created_at", "download_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_record_type(self, obj: Attachment) -> str:
        return f"{obj.record_type.app_label}.{obj.record_type.model}"

    def get_download_url(self, obj: Attachment) -> str:
        return reverse("attachment-download", args=[obj.pk])


class AttachmentUploadSerializer(GuardedSerializer):
    inputs = inputs.ATTACHMENT(next=None)

    record_type = serializers.CharField(
        max_length=100, help_text="The record's type, e.g. core.organisation."
    )
    record_id = IdField()
    file = serializers.FileField(allow_empty_file=False, use_url=False)


class IgnoreAcceptHeader(BaseContentNegotiation):
    """A download is a file whatever the client asked for; never answer 406."""

    def select_parser(self, request: Request, parsers: list) -> Any:
        return parsers[0]

    def select_renderer(self, request: Request, renderers: list, format_suffix: Any = None) -> Any:
        return (renderers[0], renderers[0].media_type)


class AttachmentViewSet(RecordViewSet):
    summaries = {
        "list": "Attachments of the records you may see",
        "retrieve": "One attachment's details",
    }
    query = attachments.attachments_for
    serializer_class = AttachmentSerializer
    filterset_class = AttachmentFilterSet
    parser_classes = [MultiPartParser, FormParser]
    queryset = Attachment.objects.none()  # for the schema; requests use query(actor)

    @extend_schema(
        summary="Attach a file to a record",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer,
            413: OpenApiResponse(description="The file is over the size limit."),
        },
    )
    def create(self, request: Request) -> Response:
        upload = AttachmentUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            record = attachments.record_for(request.user, data["record_type"], data["record_id"])
        except Http404:
            # Same answer whether the record is missing or hidden from the caller.
            raise serializers.ValidationError({"record_id": ["No such record."]}) from None
        attachment = attachment_add(actor=request.user, record=record, uploaded_file=data["file"])
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download the file",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], content_negotiation_class=IgnoreAcceptHeader)
    def download(self, request: Request, pk: str | None = None) -> Any:
        return attachment_response(self.get_object())


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("attachments", AttachmentViewSet, basename="attachment")
