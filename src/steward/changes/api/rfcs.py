"""/api/v1/requests-for-change/: requests for change from the five sources and the change
coordinator's review (seed 003 ch. 3 proc. 1), a step of ``actions.RFC``
(``POST .../{id}/review/``). Release Management's queue: ``?status=to_release``."""

from typing import Any

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.changes import actions as change_actions
from steward.changes import inputs
from steward.changes.choices import ChangeCategory, RfcSource
from steward.changes.filters.rfcs import RfcFilterSet
from steward.changes.models import RequestForChange
from steward.changes.queries import rfcs as queries
from steward.changes.services import rfcs as services
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import GuardedSerializer, IdField, ServiceCreate, choice_text


class RequestForChangeSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    change_number = serializers.CharField(source="change.number", read_only=True, default=None)
    policy_name = serializers.CharField(source="policy.name", read_only=True, default=None)

    class Meta:
        model = RequestForChange
        fields = ["id", "lock_version", "number", "title", "description", "source", "status",
                  "service", "service_name", "requested_by", "customer", "coordinator",
                  "incident", "origin_reference", "wanted_by", "standard_template",
                  *services.CONDITIONS, "rejection", "policy", "policy_name",
                  "decision_note", "decided_at", "change", "change_number", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields


def _answer(help_text: str) -> serializers.BooleanField:
    return serializers.BooleanField(required=False, allow_null=True, help_text=help_text)


class RfcConditionsSerializer(GuardedSerializer):
    """The six answers proc. 1's rules read; null or left out: not answered."""

    inputs = inputs.RFC_SUBMIT

    causes_outage_in_service_hours = _answer(
        "A service becomes unavailable or degraded during service hours."
    )
    functionality_changes = _answer("The functionality of a service becomes different.")
    cmdb_update = _answer("The CMDB requires an update.")
    problem_fix = _answer("It asks for the prevention or fix of a problem.")
    single_coordinator = _answer("A single change coordinator can coordinate it.")
    extra_funding = _answer("Additional funding is required.")


class RfcSubmitSerializer(RfcConditionsSerializer):
    inputs = inputs.RFC_SUBMIT

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    service = IdField(help_text="The service the change is for.")
    source = choice_text(RfcSource.choices)
    incident = IdField(
        required=False, allow_null=True, help_text="The incident request it comes from."
    )
    origin_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=40,
        help_text="The known error, release requirement document or return-to-production "
        "request it comes from (sources known_error, release, continuity).",
    )  # fmt: skip
    wanted_by = serializers.DateTimeField(required=False, allow_null=True)
    standard_template = IdField(
        required=False, allow_null=True, help_text="The standard change template asked for."
    )


class RfcReviewSerializer(RfcConditionsSerializer):
    inputs = inputs.RFC_REVIEW

    decision = choice_text(services.DECISION_CHOICES)
    template = IdField(required=False, allow_null=True, help_text="A change template.")
    task_templates = serializers.ListField(child=IdField(), required=False)
    category = choice_text(ChangeCategory.choices, required=False)
    policy = IdField(required=False, allow_null=True, help_text="The policy it conflicts with.")
    change = IdField(
        required=False, allow_null=True,
        help_text="An open change to add it to (a request from a known error).",
    )  # fmt: skip
    note = serializers.CharField(required=False, allow_blank=True)


class RequestForChangeViewSet(ActionEndpoints, ServiceCreate):
    """Requests for change (seed 003 ch. 3 proc. 1): submitted from one of the five
    sources, then reviewed by a change coordinator of the service."""

    action_table = staticmethod(lambda: change_actions.RFC)
    summaries = {
        "list": "Requests for change",
        "retrieve": "One request for change",
        "create": "Submit a request for change",
    }
    query = queries.rfcs_for
    queryset = RequestForChange.objects.none()
    view_permission = services.VIEW
    change_permission = services.SUBMIT
    record_id = "rfc_id"
    serializer_class = RequestForChangeSerializer
    create_serializer = RfcSubmitSerializer
    create_service = services.rfc_submit
    filterset_class = RfcFilterSet

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        arguments = {
            "title": data["title"],
            "description": data.get("description", ""),
            "service_id": data["service"],
            "source": data["source"],
            "incident_id": data.get("incident"),
            "origin_reference": data.get("origin_reference", ""),
            "wanted_by": data.get("wanted_by"),
            "standard_template_id": data.get("standard_template"),
        }
        arguments.update({name: data.get(name) for name in services.CONDITIONS})
        return arguments


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("requests-for-change", RequestForChangeViewSet, basename="requestforchange")
