"""/api/v1/releases/{id}/<step>/ bodies of the high-level plan (proc. 2) and release
coordination with the post-implementation review (proc. 4): the coordination rows of
``steward.releases.actions.RELEASE``; and /api/v1/release-changes/, the changes of the
plans (read; PATCH for a planned one)."""

from typing import Any

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.core.api.base import GuardedSerializer, IdField, ServiceUpdate, choice_text
from steward.releases import inputs
from steward.releases.filters.coordination import ReleaseChangeFilterSet
from steward.releases.forms.coordination import OUTCOME_CHOICES
from steward.releases.models import ReleasePlanItem
from steward.releases.queries import coordination as queries
from steward.releases.services import coordination as services


def ids(**kwargs: Any) -> serializers.ListField:
    """A list of record ids (at most 200)."""
    return serializers.ListField(child=IdField(), required=False, max_length=200, **kwargs)


class ReleaseChangeSerializer(serializers.ModelSerializer):
    release_number = serializers.CharField(source="release.number", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)
    change = serializers.SerializerMethodField(
        help_text="The change Change Management registered from the request (id), if any."
    )

    class Meta:
        model = ReleasePlanItem
        fields = ["id", "lock_version", "release", "release_number", "position", "title",
                  "service", "service_name", "change_coordinator", "requirements", "rfcs",
                  "duration_days", "depends_on", "additional", "status", "request", "change",
                  "sent_at", "completed_at", "outcome_note", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_change(self, item: ReleasePlanItem) -> int | None:
        return item.request.change_id if item.request_id else None


class PlanItemAddSerializer(GuardedSerializer):
    inputs = inputs.PLAN_ITEM_ADD

    title = serializers.CharField(max_length=200)
    service = IdField(help_text="The release's service or a service it depends on.")
    change_coordinator = IdField(help_text="A change coordinator of that service.")
    requirements = serializers.CharField(max_length=20000, help_text="The requirement document.")
    rfcs = ids(help_text="Requests for change of the release it covers.")
    duration_days = serializers.IntegerField(min_value=1, max_value=services.MAX_DAYS,
                                             required=False, default=1)  # fmt: skip
    depends_on = ids(help_text="Changes of the same plan it follows (no cycles).")


class PlanItemUpdateSerializer(GuardedSerializer):
    """The fields of a planned change; only those sent change."""

    inputs = inputs.PLAN_ITEM_UPDATE

    title = serializers.CharField(max_length=200, required=False)
    service = IdField(required=False)
    change_coordinator = IdField(required=False)
    requirements = serializers.CharField(max_length=20000, required=False)
    rfcs = ids()
    duration_days = serializers.IntegerField(min_value=1, max_value=services.MAX_DAYS,
                                             required=False)  # fmt: skip
    depends_on = ids()


class PlanItemRefSerializer(GuardedSerializer):
    inputs = inputs.PLAN_ITEM_REF

    item = IdField(help_text="A change of the release's plan (/api/v1/release-changes/).")


class CompleteChangeSerializer(GuardedSerializer):
    inputs = inputs.PLAN_ITEM_COMPLETE

    item = IdField(help_text="A change of the release whose requirements were sent.")
    outcome = choice_text(OUTCOME_CHOICES)
    note = serializers.CharField(max_length=20000, help_text="The short update in the release.")
    additional_change_possible = serializers.BooleanField(required=False, allow_null=True,
                                                          default=None)  # fmt: skip
    blackout_incomplete = serializers.BooleanField(required=False, allow_null=True, default=None)
    additional_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    additional_requirements = serializers.CharField(max_length=20000, required=False,
                                                    allow_blank=True)  # fmt: skip
    additional_coordinator = IdField(required=False, allow_null=True)
    additional_duration_days = serializers.IntegerField(min_value=1, max_value=services.MAX_DAYS,
                                                        required=False, allow_null=True)  # fmt: skip


class ReleaseCompleteSerializer(GuardedSerializer):
    inputs = inputs.RELEASE_COMPLETE

    fulfilled_rfcs = ids(
        help_text="The requests for change whose requirements were fulfilled (ids); the "
        "others are not met."
    )
    note = serializers.CharField(max_length=20000, required=False, allow_blank=True)


class ReleaseReviewSerializer(GuardedSerializer):
    inputs = inputs.RELEASE_REVIEW

    held_at = serializers.DateTimeField()
    attendees = ids(help_text="People who attended (a service owner of the service among them).")
    improvement_suggestions = serializers.CharField(max_length=20000, required=False,
                                                    allow_blank=True)  # fmt: skip
    decisions = serializers.CharField(max_length=20000, required=False, allow_blank=True)


class ReleaseChangeViewSet(ServiceUpdate):
    """The changes of the releases' high-level plans (proc. 2, 4)."""

    summaries = {
        "list": "The changes of the releases' plans",
        "retrieve": "One change of a release's plan",
        "partial_update": "Change a planned change of a release's plan (proc. 2)",
    }
    query = queries.plan_items_for
    queryset = ReleasePlanItem.objects.none()
    view_permission = services.svc.VIEW
    change_permission = services.COORDINATE
    record_id = "item_id"
    serializer_class = ReleaseChangeSerializer
    update_serializer = PlanItemUpdateSerializer
    update_service = services.plan_item_update
    filterset_class = ReleaseChangeFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("release", "position", "pk")


def register(router: DefaultRouter) -> None:
    router.register("release-changes", ReleaseChangeViewSet, basename="release-change")
