"""/api/v1/response-templates/: reply and resolution templates with placeholders, shared
(maintained by coordinators and managers) or personal. Reads through
``core.queries.response_templates_for``; writes through ``core.services.work``. Each area
fills them for one of its records (incidents: ``/api/v1/incidents/{id}/fill-template/``)."""

from typing import Any

from django.db.models import Model
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core import inputs, queries
from steward.core.api.base import GuardedSerializer, ServiceCreate, ServiceUpdate, choice_text
from steward.core.models import ResponseTemplate, TemplateKind
from steward.core.services import work as svc

PLACEHOLDER_HELP = "Placeholders: " + ", ".join("{{" + name + "}}" for name in svc.PLACEHOLDERS)


class ResponseTemplateSerializer(serializers.ModelSerializer):
    kind = choice_text(TemplateKind.choices, read_only=True)
    shared = serializers.BooleanField(read_only=True)

    class Meta:
        model = ResponseTemplate
        fields = ["id", "lock_version", "name", "kind", "body", "shared", "owner",
                  "is_active", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class ResponseTemplateWriteSerializer(GuardedSerializer):
    inputs = inputs.RESPONSE_TEMPLATE

    name = serializers.CharField(max_length=120)
    kind = choice_text(TemplateKind.choices)
    body = serializers.CharField(max_length=20000, help_text=PLACEHOLDER_HELP)
    shared = serializers.BooleanField(
        required=False,
        help_text="Shared with everyone (coordinators and managers); else yours only.",
    )
    is_active = serializers.BooleanField(required=False)


class ResponseTemplateViewSet(ServiceCreate, ServiceUpdate):
    """Reply and resolution templates: the shared ones and your own."""

    summaries = {
        "list": "Reply and resolution templates you may use (shared and your own)",
        "retrieve": "One template",
        "create": "Create a template (shared: coordinators and managers)",
        "partial_update": "Change a template",
        "destroy": "Delete a template",
    }
    query = queries.response_templates_for
    queryset = ResponseTemplate.objects.none()
    view_permission = svc.USE
    change_permission = svc.USE
    record_id = "template_id"
    serializer_class = ResponseTemplateSerializer
    create_serializer = ResponseTemplateWriteSerializer
    create_service = svc.response_template_create
    update_service = svc.response_template_update
    reread = False

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        record: Model = self.guarded_object()
        svc.response_template_delete(actor=request.user, template_id=record.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def update_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"data": data}


def register(router: DefaultRouter) -> None:
    router.register("response-templates", ResponseTemplateViewSet, basename="response-template")
