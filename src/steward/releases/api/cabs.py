"""/api/v1/cabs/ and /api/v1/cab-meetings/ (seed 003 ch. 10 proc. 2): the CAB of each
service and its members; the meetings (``POST`` schedules one) with one
``POST .../{id}/<step>/`` per row of ``steward.releases.actions.MEETING`` (invite,
finalise, open, vote, close, close-rejected, publish-minutes, register-release,
reschedule, cancel). A meeting's representation carries its agenda: per request the
counts, the outcome and each member's vote."""

from typing import Any

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    ServiceCreate,
    ServiceUpdate,
    choice_text,
)
from steward.releases import actions as release_actions
from steward.releases import inputs
from steward.releases.choices import ReleaseType, Vote
from steward.releases.filters.cabs import CabFilterSet, CabMeetingFilterSet
from steward.releases.models import Cab, CabMeeting
from steward.releases.queries import releases as queries
from steward.releases.services import cabs as services
from steward.releases.services.releases import COORDINATE, MANAGE_CAB, VIEW

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class CabSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    members = serializers.SerializerMethodField(help_text="The members (ids of people).")

    class Meta:
        model = Cab
        fields = ["id", "lock_version", "service", "service_name", "name", "usual_place",
                  "members", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_members(self, cab: Cab) -> list[int]:
        return sorted(p.pk for p in cab.members.all())


class CabCreateSerializer(GuardedSerializer):
    inputs = inputs.CAB_CREATE

    service = IdField(help_text="The service (one CAB each).")
    name = serializers.CharField(max_length=120)
    members = serializers.ListField(child=IdField(), required=False, max_length=200,
                                    help_text="People with the CAB member role for the service "
                                    "or everywhere.")  # fmt: skip
    usual_place = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CabUpdateSerializer(GuardedSerializer):
    inputs = inputs.CAB_UPDATE

    name = serializers.CharField(max_length=120, required=False)
    members = serializers.ListField(child=IdField(), required=False, max_length=200,
                                    help_text="All the members (replaces them).")  # fmt: skip
    usual_place = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CabViewSet(ServiceCreate, ServiceUpdate):
    """CABs (proc. 2): one per service, with its members."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    summaries = {
        "list": "CABs",
        "retrieve": "One CAB",
        "create": "Set up the CAB of a service (proc. 2)",
        "partial_update": "Change a CAB's name, usual place or members",
    }
    query = queries.cabs_for
    queryset = Cab.objects.none()
    view_permission = VIEW
    change_permission = MANAGE_CAB
    record_id = "cab_id"
    serializer_class = CabSerializer
    create_serializer = CabCreateSerializer
    create_service = services.cab_create
    update_serializer = CabUpdateSerializer
    update_service = services.cab_update
    filterset_class = CabFilterSet

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("members")

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"service_id": data["service"], "name": data["name"],
                "member_ids": data.get("members", []),
                "usual_place": data.get("usual_place", "")}  # fmt: skip


class VoteSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id")
    vote = serializers.CharField()
    cast_at = serializers.DateTimeField()


class AgendaItemSerializer(serializers.Serializer):
    rfc = serializers.IntegerField(source="rfc_id")
    rfc_number = serializers.CharField(source="rfc.number")
    title = serializers.CharField(source="rfc.title")
    position = serializers.IntegerField()
    reject_votes = serializers.SerializerMethodField()
    include_votes = serializers.SerializerMethodField()
    no_opinion_votes = serializers.SerializerMethodField()
    outcome = serializers.CharField(help_text="rejected, included or backlog; empty until closed.")
    votes = VoteSerializer(many=True, help_text="Each member's vote.")

    def _count(self, item: Any, vote: str) -> int:
        return sum(1 for v in item.votes.all() if v.vote == vote)

    def get_reject_votes(self, item: Any) -> int:
        return self._count(item, Vote.REJECT)

    def get_include_votes(self, item: Any) -> int:
        return self._count(item, Vote.INCLUDE)

    def get_no_opinion_votes(self, item: Any) -> int:
        return self._count(item, Vote.NO_OPINION)


class CabMeetingSerializer(serializers.ModelSerializer):
    cab_name = serializers.CharField(source="cab.name", read_only=True)
    service = serializers.IntegerField(source="cab.service_id", read_only=True)
    members = serializers.SerializerMethodField(
        help_text="The members when it opened (ids): the two-thirds are of them."
    )
    votes_needed = serializers.SerializerMethodField(
        help_text="Two-thirds of the members: the votes a rejection or an inclusion needs."
    )
    agenda = AgendaItemSerializer(many=True, read_only=True)

    class Meta:
        model = CabMeeting
        fields = ["id", "lock_version", "number", "cab", "cab_name", "service", "status",
                  "starts_at", "place", "submission_deadline", "coordinator", "invited_at",
                  "agenda_finalised_at", "opened_at", "closed_at", "members", "votes_needed",
                  "agenda", "next_meeting", "minutes", "minutes_published_at",
                  "rejected_closed_at", "release", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_members(self, meeting: CabMeeting) -> list[int]:
        return sorted(p.pk for p in meeting.members.all())

    def get_votes_needed(self, meeting: CabMeeting) -> int | None:
        count = len(meeting.members.all())
        return services.threshold(count) if count else None


class MeetingScheduleSerializer(GuardedSerializer):
    inputs = inputs.MEETING_SCHEDULE

    cab = IdField(help_text="The CAB that meets.")
    starts_at = serializers.DateTimeField(help_text="In the future.")
    place = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                  help_text="Empty: the CAB's usual place.")  # fmt: skip
    submission_deadline = serializers.DateTimeField(help_text="Before starts_at.")


class MeetingRescheduleSerializer(GuardedSerializer):
    inputs = inputs.MEETING_RESCHEDULE

    starts_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    submission_deadline = serializers.DateTimeField()


class MeetingCancelSerializer(GuardedSerializer):
    inputs = inputs.MEETING_CANCEL

    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class MeetingVoteSerializer(GuardedSerializer):
    inputs = inputs.MEETING_VOTE

    votes = serializers.DictField(
        child=serializers.ChoiceField(choices=Vote.values), allow_empty=False,
        help_text="{request for change id: reject, include or no_opinion}; any of the "
        "meeting's requests, each once.",
    )  # fmt: skip


class MeetingCloseSerializer(GuardedSerializer):
    inputs = inputs.MEETING_CLOSE

    next_starts_at = serializers.DateTimeField(help_text="The next meeting, agreed first.")
    next_place = serializers.CharField(max_length=200)
    next_deadline = serializers.DateTimeField(help_text="The next submission deadline.")
    minutes = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class MeetingMinutesSerializer(GuardedSerializer):
    inputs = inputs.MEETING_MINUTES

    minutes = serializers.CharField(max_length=20000)


class MeetingReleaseSerializer(GuardedSerializer):
    inputs = inputs.MEETING_RELEASE

    title = serializers.CharField(max_length=200)
    release_type = choice_text(ReleaseType.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_end = serializers.DateTimeField(required=False, allow_null=True)
    target_date = serializers.DateTimeField(required=False, allow_null=True)
    estimated_cost = serializers.DecimalField(required=False, allow_null=True, **MONEY)


class CabMeetingViewSet(ActionEndpoints, ServiceCreate):
    """CAB meetings (proc. 2): scheduled, then one endpoint per step."""

    http_method_names = ["get", "post", "head", "options"]
    action_table = staticmethod(lambda: release_actions.MEETING)
    summaries = {
        "list": "CAB meetings (the next first)",
        "retrieve": "One CAB meeting with its agenda, votes and outcomes",
        "create": "Schedule a CAB meeting (proc. 2)",
    }
    query = queries.meetings_for
    queryset = CabMeeting.objects.none()
    view_permission = VIEW
    change_permission = COORDINATE
    record_id = "meeting_id"
    serializer_class = CabMeetingSerializer
    create_serializer = MeetingScheduleSerializer
    create_service = services.meeting_schedule
    filterset_class = CabMeetingFilterSet

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("members", "agenda__rfc", "agenda__votes")

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"cab_id": data["cab"], "starts_at": data["starts_at"],
                "submission_deadline": data["submission_deadline"],
                "place": data.get("place", "")}  # fmt: skip


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("cabs", CabViewSet, basename="cab")
    router.register("cab-meetings", CabMeetingViewSet, basename="cab-meeting")
