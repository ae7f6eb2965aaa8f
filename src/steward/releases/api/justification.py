"""/api/v1/business-cases/: business cases (seed 003 ch. 10 proc. 3), read, a draft's
figures changed (``PATCH``, honouring ``If-Match``), and their steps (one
``POST .../{id}/<step>/`` per row of ``steward.releases.actions.BUSINESS_CASE``: submit,
approve, reject, adjust, abandon). The release's own steps (``justify``,
``prepare-business-case``, ``abandon``) are endpoints of /api/v1/releases/; their request
bodies are here."""

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import GuardedSerializer, ServiceUpdate
from steward.releases import actions as release_actions
from steward.releases import inputs
from steward.releases.filters.justification import BusinessCaseFilterSet
from steward.releases.models import BusinessCase
from steward.releases.queries import justification as queries
from steward.releases.services import justification as services
from steward.releases.services.releases import COORDINATE, VIEW

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


def _money(help_text: str, *, required: bool = True) -> serializers.DecimalField:
    extra = {} if required else {"required": False, "allow_null": True}
    return serializers.DecimalField(help_text=help_text, **extra, **MONEY)


class ReleaseJustifySerializer(GuardedSerializer):
    """Proc. 3: figures left out keep the release's own."""

    inputs = inputs.RELEASE_JUSTIFY

    estimated_cost = _money("The release's estimated cost (required, here or already).",
                            required=False)  # fmt: skip
    available_budget = _money("The service owner's budget available; null: none known.",
                              required=False)  # fmt: skip
    budget_reference = serializers.CharField(required=False, allow_blank=True, max_length=60)


class BusinessCasePrepareSerializer(GuardedSerializer):
    inputs = inputs.BUSINESS_CASE_PREPARE

    costs = _money("What implementing the release costs.")
    benefits = serializers.CharField(max_length=20000, help_text="What it brings for its cost.")
    budget_requested = _money("The budget to be made available (more than 0).")
    budget_reference = serializers.CharField(required=False, allow_blank=True, max_length=60)


class BusinessCaseUpdateSerializer(GuardedSerializer):
    """A draft's figures; only those sent change."""

    inputs = inputs.BUSINESS_CASE_UPDATE

    costs = _money("What implementing the release costs.", required=False)
    benefits = serializers.CharField(required=False, max_length=20000)
    budget_requested = _money("The budget to be made available.", required=False)
    budget_reference = serializers.CharField(required=False, allow_blank=True, max_length=60)


class BusinessCaseAdjustSerializer(GuardedSerializer):
    """Proc. 3: the new round's figures; those left out are copied from the rejected case."""

    inputs = inputs.BUSINESS_CASE_ADJUST

    costs = _money("Adjusted costs.", required=False)
    benefits = serializers.CharField(required=False, max_length=20000)
    budget_requested = _money("Adjusted budget requested.", required=False)
    budget_reference = serializers.CharField(required=False, allow_blank=True, max_length=60)


class BusinessCaseApproveSerializer(GuardedSerializer):
    inputs = inputs.BUSINESS_CASE_DECIDE

    note = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class BusinessCaseRejectSerializer(GuardedSerializer):
    inputs = inputs.BUSINESS_CASE_DECIDE

    note = serializers.CharField(max_length=20000, help_text="Why it is rejected (required).")


class ReleaseAbandonSerializer(GuardedSerializer):
    inputs = inputs.RELEASE_ABANDON

    reason = serializers.CharField(max_length=20000, help_text="Why it is abandoned.")


class BusinessCaseSerializer(serializers.ModelSerializer):
    release_number = serializers.CharField(source="release.number", read_only=True)
    service = serializers.IntegerField(source="release.service_id", read_only=True)
    service_name = serializers.CharField(source="release.service.name", read_only=True)

    class Meta:
        model = BusinessCase
        fields = ["id", "lock_version", "number", "release", "release_number", "service",
                  "service_name", "round", "status", "costs", "benefits", "budget_requested",
                  "budget_reference", "submitted_at", "decided_by", "decided_at",
                  "decision_note", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class BusinessCaseViewSet(ActionEndpoints, ServiceUpdate):
    """Business cases (proc. 3): prepared through POST /api/v1/releases/{id}/prepare-business-case/,
    then one endpoint per step."""

    http_method_names = ["get", "patch", "post", "head", "options"]
    action_table = staticmethod(lambda: release_actions.BUSINESS_CASE)
    summaries = {
        "list": "Business cases of releases",
        "retrieve": "One business case",
        "partial_update": "Change a draft business case's figures",
    }
    query = queries.business_cases_for
    queryset = BusinessCase.objects.none()
    view_permission = VIEW
    change_permission = COORDINATE
    record_id = "case_id"
    serializer_class = BusinessCaseSerializer
    update_serializer = BusinessCaseUpdateSerializer
    update_service = services.business_case_update
    filterset_class = BusinessCaseFilterSet


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("business-cases", BusinessCaseViewSet, basename="business-case")
