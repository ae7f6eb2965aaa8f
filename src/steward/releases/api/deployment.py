"""/api/v1/ for the deployment side of Release Management (seed 004): release policies
(``/release-policies/``), emergency releases (``/emergency-releases/``: the list, and
registering one), the stages and rollbacks of releases (``/deployment-stages/?release=``,
``/release-rollbacks/?release=``, read only) and the request bodies of the release's
deployment steps (``POST /releases/{id}/<step>/``, rows of
``steward.releases.actions.RELEASE``)."""

from typing import Any

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    RecordViewSet,
    ServiceCreate,
    ServiceUpdate,
    choice_text,
)
from steward.releases import inputs
from steward.releases.api.releases import ReleaseSerializer
from steward.releases.choices import Environment
from steward.releases.filters.deployment import RollbackFilterSet, StageFilterSet
from steward.releases.models import DeploymentStage, Release, ReleasePolicy, Rollback
from steward.releases.queries import deployment as queries
from steward.releases.queries.releases import releases_for
from steward.releases.services import deployment as services

_TEXT = {"required": False, "allow_blank": True, "max_length": 20000}


# --- Release policies ----------------------------------------------------------------------


class ReleasePolicySerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    path = serializers.SerializerMethodField(
        help_text="The environments a release of the service goes through, in order."
    )

    class Meta:
        model = ReleasePolicy
        fields = ["id", "lock_version", "service", "service_name", "description",
                  "major_frequency", "minor_frequency", "environments", "path",
                  "acceptance_test_required", "baseline_required", "emergency_rules",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_path(self, policy: ReleasePolicy) -> list[str]:
        return [e for e in Environment.values if e in set(policy.environments or Environment.values)
                or e == Environment.PRODUCTION]  # fmt: skip


class _PolicyBody(GuardedSerializer):
    description = serializers.CharField(**_TEXT)
    major_frequency = serializers.CharField(required=False, allow_blank=True, max_length=100)
    minor_frequency = serializers.CharField(required=False, allow_blank=True, max_length=100)
    environments = serializers.ListField(
        child=choice_text(Environment.choices), required=False, max_length=4,
        help_text="A subset of development, test, acceptance, production (production always "
        "included; kept in that order). Empty: all four.",
    )  # fmt: skip
    acceptance_test_required = serializers.BooleanField(required=False)
    baseline_required = serializers.BooleanField(
        required=False, help_text="A CMDB baseline right before the transfer to production."
    )
    emergency_rules = serializers.CharField(**_TEXT)


class ReleasePolicyCreateSerializer(_PolicyBody):
    inputs = inputs.RELEASE_POLICY

    service = IdField(help_text="The service (one policy per service).")


class ReleasePolicyUpdateSerializer(_PolicyBody):
    inputs = inputs.RELEASE_POLICY_UPDATE


class ReleasePolicyViewSet(ServiceCreate, ServiceUpdate):
    """Release policies (seed 004), one per service."""

    summaries = {
        "list": "Release policies (one per service)",
        "retrieve": "One release policy",
        "create": "Set the release policy of a service (seed 004)",
        "partial_update": "Change a release policy",
    }
    query = queries.policies_for
    queryset = ReleasePolicy.objects.none()
    view_permission = "releases.release.view"
    change_permission = services.MANAGE
    record_id = "policy_id"
    serializer_class = ReleasePolicySerializer
    create_serializer = ReleasePolicyCreateSerializer
    create_service = services.release_policy_create
    update_serializer = ReleasePolicyUpdateSerializer
    update_service = services.release_policy_update

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        data["service_id"] = data.pop("service")
        return data


# --- The deployment steps of a release -----------------------------------------------------


class DeploymentStageInSerializer(serializers.Serializer):
    environment = choice_text(Environment.choices)
    planned_at = serializers.DateTimeField(help_text="When the release is to be transferred.")
    deliverables = serializers.CharField(**_TEXT)


class DeploymentPlanSerializer(GuardedSerializer):
    inputs = inputs.DEPLOYMENT_PLAN

    stages = DeploymentStageInSerializer(
        many=True, help_text="One per environment of the policy's path, dates in its order; "
        "the stages not transferred to yet are replaced by these.",
    )  # fmt: skip


class ReleaseTransferSerializer(GuardedSerializer):
    inputs = inputs.RELEASE_TRANSFER

    environment = choice_text(Environment.choices, help_text="The next environment of the path.")
    note = serializers.CharField(**_TEXT)
    accepted = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="Into acceptance only: the acceptance test result, when already known.",
    )  # fmt: skip


class ReleaseAcceptSerializer(GuardedSerializer):
    inputs = inputs.RELEASE_ACCEPT

    accepted = serializers.BooleanField(help_text="Whether the acceptance test passed.")
    note = serializers.CharField(**_TEXT)


class ReleaseRollbackSerializer(GuardedSerializer):
    inputs = inputs.RELEASE_ROLLBACK

    reason = serializers.CharField(max_length=20000)


# --- Stages and rollbacks (read) ----------------------------------------------------------


class DeploymentStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeploymentStage
        fields = ["id", "release", "environment", "planned_at", "deliverables",
                  "transferred_at", "transferred_by", "accepted", "note", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields


class RollbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rollback
        fields = ["id", "release", "baseline", "performed_by", "performed_at", "reason",
                  "restored", "created_at"]  # fmt: skip
        read_only_fields = fields


def _stages(actor: Any) -> Any:
    return DeploymentStage.objects.filter(release__in=releases_for(actor)).select_related(
        "transferred_by"
    )


def _rollbacks(actor: Any) -> Any:
    return Rollback.objects.filter(release__in=releases_for(actor))


class DeploymentStageViewSet(RecordViewSet):
    """The deployment stages of releases (seed 004): planned, transferred, accepted."""

    summaries = {"list": "Deployment stages (filter by release)",
                 "retrieve": "One deployment stage"}  # fmt: skip
    query = staticmethod(_stages)
    queryset = DeploymentStage.objects.none()
    view_permission = "releases.release.view"
    serializer_class = DeploymentStageSerializer
    filterset_class = StageFilterSet


class RollbackViewSet(RecordViewSet):
    """The rollbacks of releases (seed 004) with what each put back."""

    summaries = {"list": "Release rollbacks (filter by release)", "retrieve": "One rollback"}
    query = staticmethod(_rollbacks)
    queryset = Rollback.objects.none()
    view_permission = "releases.release.view"
    serializer_class = RollbackSerializer
    filterset_class = RollbackFilterSet


# --- Emergency releases --------------------------------------------------------------------


class EmergencyReleaseSerializer(GuardedSerializer):
    inputs = inputs.RELEASE_EMERGENCY

    service = IdField(help_text="The service of the release and of its emergency change.")
    emergency_change = IdField(
        help_text="An open emergency change of the service (Change Management, ch. 3 proc. 7)."
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(**_TEXT)
    target_date = serializers.DateTimeField(required=False, allow_null=True,
                                            help_text="In production by.")  # fmt: skip
    rollback_plan = serializers.CharField(**_TEXT)


class EmergencyReleaseViewSet(ServiceCreate):
    """Emergency releases (seed 004): no CAB, no business case, straight to coordination."""

    summaries = {
        "list": "Emergency releases",
        "retrieve": "One emergency release",
        "create": "Register an emergency release for an emergency change (seed 004)",
    }
    query = queries.emergency_releases_for
    queryset = Release.objects.none()
    view_permission = "releases.release.view"
    change_permission = services.COORDINATE
    serializer_class = ReleaseSerializer
    create_serializer = EmergencyReleaseSerializer
    create_service = services.release_emergency

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "service_id": data["service"],
            "emergency_change_id": data["emergency_change"],
            "title": data["title"],
            "description": data.get("description", ""),
            "target_date": data.get("target_date"),
            "rollback_plan": data.get("rollback_plan", ""),
        }

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("rfc_handlings")


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("release-policies", ReleasePolicyViewSet, basename="release-policy")
    router.register("emergency-releases", EmergencyReleaseViewSet, basename="emergency-release")
    router.register("deployment-stages", DeploymentStageViewSet, basename="deployment-stage")
    router.register("release-rollbacks", RollbackViewSet, basename="release-rollback")
