"""/api/v1/problem-candidates/: clusters of similar recent incident requests the candidate
job proposes (issue 15), ranked; ``POST .../{id}/register/`` registers a problem from one
(the answer's ``problem`` is its id), ``POST .../{id}/dismiss/`` dismisses it."""

from typing import Any

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import GuardedSerializer, IdField, RecordViewSet
from steward.problems import actions as problem_actions
from steward.problems import inputs
from steward.problems.filters.candidates import CandidateFilterSet
from steward.problems.models import ProblemCandidate
from steward.problems.queries import candidates as queries


class ProblemCandidateSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    incidents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ProblemCandidate
        fields = ["id", "status", "label", "service", "service_name", "category", "ci",
                  "ci_class", "size", "impact", "score", "cohesion", "first_seen",
                  "last_seen", "incidents", "problem", "decided_by", "decided_at",
                  "dismissal_reason", "fingerprint", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class CandidateRegisterSerializer(GuardedSerializer):
    inputs = inputs.CANDIDATE_REGISTER

    title = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                  help_text="Default: the words the incidents share.")  # fmt: skip
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    support_group = IdField(required=False, allow_null=True)
    specialist = IdField(required=False, allow_null=True,
                         help_text="Assign the new problem at once to this specialist.")  # fmt: skip


class CandidateDismissSerializer(GuardedSerializer):
    inputs = inputs.CANDIDATE_DISMISS

    reason = serializers.CharField(max_length=20000, help_text="Why the cluster is no problem.")


class ProblemCandidateViewSet(ActionEndpoints, RecordViewSet):
    """Problem candidates: clusters of similar incident requests not linked to a problem,
    best first (score: count and impact)."""

    action_table = staticmethod(lambda: problem_actions.CANDIDATE)
    summaries = {"list": "Problem candidates, ranked", "retrieve": "One problem candidate"}
    query = queries.candidates_for
    queryset = ProblemCandidate.objects.none()
    view_permission = queries.VIEW
    record_id = "candidate_id"
    serializer_class = ProblemCandidateSerializer
    filterset_class = CandidateFilterSet

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("incidents")


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("problem-candidates", ProblemCandidateViewSet, basename="problem-candidate")
