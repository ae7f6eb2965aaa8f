"""/api/v1/integrity-runs/: the CMDB integrity reports, and running the checks on demand.

Reads go through ``queries.integrity`` (404 for what the caller may not see); writes call
``services.integrity`` (403, 400).
"""

from typing import Any

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.configuration import inputs
from steward.configuration.choices import RunTrigger
from steward.configuration.models import IntegrityRun
from steward.configuration.queries import integrity as integrity_queries
from steward.configuration.services import integrity as integrity_services
from steward.core.api.base import GuardedSerializer, ServiceCreate, choice_text

VIEW = "configuration.ci.view"


class IntegrityFindingSerializer(serializers.Serializer):
    check = serializers.CharField(help_text="The check that found it.")
    ci = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    detail = serializers.CharField()


class IntegrityRunSerializer(serializers.ModelSerializer):
    trigger = choice_text(RunTrigger.choices, read_only=True)
    counts = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="Findings per check."
    )

    class Meta:
        model = IntegrityRun
        fields = ["id", "started_at", "finished_at", "trigger", "actor", "stale_after_days",
                  "counts"]  # fmt: skip
        read_only_fields = fields


class IntegrityRunDetailSerializer(IntegrityRunSerializer):
    findings = IntegrityFindingSerializer(
        many=True, read_only=True, help_text="At most 200 per check; counts has the totals."
    )

    class Meta(IntegrityRunSerializer.Meta):
        fields = [*IntegrityRunSerializer.Meta.fields, "findings"]
        read_only_fields = fields


class IntegrityRunWriteSerializer(GuardedSerializer):
    inputs = inputs.INTEGRITY_RUN

    stale_after_days = serializers.IntegerField(
        min_value=1,
        max_value=integrity_services.MAX_STALE_AFTER_DAYS,
        required=False,
        allow_null=True,
        help_text="A CI neither updated nor verified for this many days is stale "
        "(default: the CMDB_STALE_AFTER_DAYS setting).",
    )


class IntegrityRunViewSet(ServiceCreate):
    summaries = {
        "list": "CMDB integrity runs (counts per check), newest first",
        "retrieve": "One integrity run with its findings",
        "create": "Run the integrity checks now",
    }
    query = integrity_queries.integrity_runs_for
    queryset = IntegrityRun.objects.none()
    view_permission = VIEW
    change_permission = integrity_services.RUN
    serializer_class = IntegrityRunSerializer
    read_serializers = {
        "retrieve": IntegrityRunDetailSerializer,
        "create": IntegrityRunDetailSerializer,
    }
    create_serializer = IntegrityRunWriteSerializer
    create_service = integrity_services.integrity_run

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "trigger": RunTrigger.ON_DEMAND}


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("integrity-runs", IntegrityRunViewSet, basename="integrityrun")
