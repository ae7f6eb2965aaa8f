"""/api/v1/known-errors/: known errors (seed 003 ch. 9 proc. 3), read, and their workaround
edited (``PATCH``, honouring ``If-Match``); and the body of the problem's analysis review
(``POST /api/v1/problems/{id}/review/``)."""

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.core.api.base import GuardedSerializer, IdField, ServiceUpdate
from steward.problems import inputs
from steward.problems.filters.known_errors import KnownErrorFilterSet
from steward.problems.models import KnownError
from steward.problems.queries import known_errors as queries
from steward.problems.services import known_errors as services
from steward.problems.services.problems import COORDINATE, VIEW


def _answer(help_text: str) -> serializers.BooleanField:
    return serializers.BooleanField(required=False, allow_null=True, help_text=help_text)


class ProblemReviewSerializer(GuardedSerializer):
    """Proc. 3: the three answers are read (and required) for a proposed solution only;
    null or left out: not answered."""

    inputs = inputs.PROBLEM_REVIEW

    analysis_acceptable = serializers.BooleanField(
        help_text="False: assign it for a better analysis (``specialist`` required)."
    )
    unavailable_in_service_hours = _answer(services.QUESTIONS["unavailable_in_service_hours"])
    functionality_changes = _answer(services.QUESTIONS["functionality_changes"])
    cmdb_update = _answer(services.QUESTIONS["cmdb_update"])
    specialist = IdField(required=False, allow_null=True,
                         help_text="For a better analysis, or to implement the fix.")  # fmt: skip
    support_group = IdField(required=False, allow_null=True, help_text="The specialist's group.")
    change = IdField(required=False, allow_null=True,
                     help_text="A known error: a change to suggest adding it to.")  # fmt: skip
    note = serializers.CharField(required=False, allow_blank=True)


class KnownErrorSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    problem_number = serializers.CharField(source="problem.number", read_only=True)
    rfc_number = serializers.CharField(source="rfc.number", read_only=True, default=None)
    rfc_status = serializers.CharField(source="rfc.status", read_only=True, default=None)
    change = serializers.SerializerMethodField(help_text="The change of the request (id).")

    class Meta:
        model = KnownError
        fields = ["id", "lock_version", "number", "title", "status", "service", "service_name",
                  "category", "problem", "problem_number", "root_cause", "workaround",
                  "workaround_steps", "solution", "rfc", "rfc_number", "rfc_status", "change",
                  "workaround_solution", "resolved_at", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_change(self, known_error: KnownError) -> int | None:
        change = known_error.change
        return getattr(change, "pk", None)


class KnownErrorUpdateSerializer(GuardedSerializer):
    """The workaround and how to apply it; only those sent change."""

    inputs = inputs.KNOWN_ERROR_UPDATE

    workaround = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    workaround_steps = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class KnownErrorViewSet(ServiceUpdate):
    """Known errors (proc. 3): raised by the analysis review, passed to Change Management."""

    http_method_names = ["get", "patch", "head", "options"]
    summaries = {
        "list": "Known errors",
        "retrieve": "One known error",
        "partial_update": "Change an open known error's workaround",
    }
    query = queries.known_errors_for
    queryset = KnownError.objects.none()
    view_permission = VIEW
    change_permission = COORDINATE
    record_id = "known_error_id"
    serializer_class = KnownErrorSerializer
    update_serializer = KnownErrorUpdateSerializer
    update_service = services.known_error_update
    filterset_class = KnownErrorFilterSet


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("known-errors", KnownErrorViewSet, basename="knownerror")
