"""/api/v1/release-requests/: the requests for change Change Management handed to Release
Management and their handling (seed 003 ch. 10 proc. 1); ``POST .../{id}/review/`` is the
release coordinator's review (a step of ``actions.HANDLING``), ``GET .../{id}/next-steps/``
what the caller may do next."""

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import GuardedSerializer, IdField, RecordViewSet, choice_text
from steward.releases import actions as release_actions
from steward.releases import inputs
from steward.releases.filters.handling import HandlingFilterSet
from steward.releases.models import RfcHandling
from steward.releases.queries import releases as queries
from steward.releases.services import handling as services


class RfcHandlingSerializer(serializers.ModelSerializer):
    rfc_number = serializers.CharField(source="rfc.number", read_only=True)
    rfc_title = serializers.CharField(source="rfc.title", read_only=True)
    rfc_source = serializers.CharField(source="rfc.source", read_only=True)
    requested_by = serializers.IntegerField(
        source="rfc.requested_by_id", read_only=True, allow_null=True,
        help_text="Who asked for the change (a person id).",
    )  # fmt: skip
    service_name = serializers.CharField(source="service.name", read_only=True)
    release_number = serializers.CharField(source="release.number", read_only=True, default=None)

    class Meta:
        model = RfcHandling
        fields = ["id", "lock_version", "rfc", "rfc_number", "rfc_title", "rfc_source",
                  "requested_by", "service", "service_name", "status", "received_at",
                  *services.CONDITIONS, "cab_required", "effort_hours", "cost", "coordinator",
                  "decision_note", "decided_at", "release", "release_number", "included_at",
                  "outcome_note", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


def _answer(help_text: str) -> serializers.BooleanField:
    return serializers.BooleanField(help_text=help_text)


class HandlingReviewSerializer(GuardedSerializer):
    """The release coordinator's review (proc. 1): the four answers and the decision the
    rule gives for them."""

    inputs = inputs.HANDLING_REVIEW

    problem_fix = _answer("It asks for the prevention or fix of a problem.")
    single_coordinator = _answer("A single change coordinator can coordinate it.")
    functionality_changes = _answer("It makes the functionality of a service different.")
    extra_funding = _answer("It requires additional funding.")
    decision = choice_text(services.DECISION_CHOICES)
    effort_hours = serializers.DecimalField(
        max_digits=8, decimal_places=1, min_value=0, required=False, allow_null=True,
        help_text="Implementation effort in hours (required for decision cab).",
    )  # fmt: skip
    cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True,
        help_text="Implementation cost (required for decision cab).",
    )  # fmt: skip
    release = IdField(
        required=False, allow_null=True,
        help_text="no_cab: an open release of the service (registered, justification or "
        "coordination).",
    )  # fmt: skip
    new_release_title = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text="no_cab: register a new release with this title instead.",
    )  # fmt: skip
    note = serializers.CharField(required=False, allow_blank=True, max_length=20000,
                                 help_text="Passing it back: the reason.")  # fmt: skip


class RfcHandlingViewSet(ActionEndpoints, RecordViewSet):
    """Requests for change with Release Management (proc. 1), newest first."""

    action_table = staticmethod(lambda: release_actions.HANDLING)
    summaries = {
        "list": "Requests for change handed to Release Management",
        "retrieve": "One request for change's handling",
    }
    query = queries.handlings_for
    queryset = RfcHandling.objects.none()
    view_permission = services.svc.VIEW
    record_id = "handling_id"
    serializer_class = RfcHandlingSerializer
    filterset_class = HandlingFilterSet


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("release-requests", RfcHandlingViewSet, basename="release-request")
