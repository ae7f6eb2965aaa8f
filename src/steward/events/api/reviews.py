"""/api/v1/event-review/ and /api/v1/outage-review/: the operations manager's event review
(seed 003 ch. 6 proc. 2) and outage review (proc. 3), every table of the pages "Event
review" and "Outage review"; raising an improvement (``POST /api/v1/event-review/raise/``)
and recording an outage finding (``POST /api/v1/outage-review/{id}/record/``, the id
being the incident request's)."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core.api.base import GuardedSerializer, IdField
from steward.core.api.schema import StewardAutoSchema
from steward.core.filters import refuse_unknown_parameters
from steward.events import inputs
from steward.events.choices import OutageFinding, ReviewTopic
from steward.events.queries import reviews as queries
from steward.events.services import reviews as svc

PERIOD_PARAMETERS = [
    OpenApiParameter("period", str, enum=[v for v, _ in queries.RANGES],
                     description="Default 30 (the last 30 days)."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="yyyy-mm-dd, the first day."),
    OpenApiParameter("to", OpenApiTypes.DATE,
                     description="yyyy-mm-dd, the last day (default today)."),
]  # fmt: skip


class ReviewPeriodQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=[value for value, _ in queries.RANGES], required=False, default=queries.LAST_30
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, input_formats=["iso-8601"])
        fields["to"] = serializers.DateField(required=False, input_formats=["iso-8601"])
        return fields


def period_of(params: Any) -> queries.Period:
    """The period the query parameters ask for (400 naming a parameter that cannot be used)."""
    query = ReviewPeriodQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    try:
        return queries.period_for(data["period"], data.get("from"), data.get("to"))
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None


class _PeriodFields(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(source="period.first", help_text="The first day.")
        fields["to"] = serializers.DateField(source="period.last", help_text="The last day.")
        return fields


class ImprovementRaisedSerializer(serializers.Serializer):
    incident = serializers.IntegerField(source="incident.pk", help_text="The incident request.")
    number = serializers.CharField(source="incident.number")
    status = serializers.CharField(source="incident.status")
    raised_at = serializers.DateTimeField(source="improvement.raised_at")


class _Finding(serializers.Serializer):
    topic = serializers.ChoiceField(choices=ReviewTopic.choices)
    subject = serializers.CharField(help_text="What it is about: the key of its improvements.")
    raised = ImprovementRaisedSerializer(
        allow_null=True, help_text="The improvement last raised for it."
    )
    may_raise = serializers.BooleanField(help_text="False while the last one raised is open.")


class _SourceFinding(_Finding):
    source = serializers.IntegerField(source="source.pk")
    source_name = serializers.CharField(source="source.name")


class EventReviewNoisySerializer(_SourceFinding):
    event_type = serializers.CharField(source="figures.event_type")
    events = serializers.IntegerField(
        source="figures.events", help_text="First seen in the period."
    )
    repeats = serializers.IntegerField(source="figures.repeats", help_text="Sum of their counts.")
    with_incident = serializers.IntegerField(
        source="figures.with_incident", help_text="Events that led to an incident request."
    )
    share = serializers.FloatField(source="figures.share", allow_null=True, help_text="Percent.")


class EventReviewUnmatchedSerializer(_SourceFinding):
    resource = serializers.CharField(source="figures.resource")
    events = serializers.IntegerField(source="figures.events")
    repeats = serializers.IntegerField(source="figures.repeats")
    last_seen = serializers.DateTimeField(source="figures.last_seen")


class EventReviewMissingInstructionsSerializer(_Finding):
    code = serializers.CharField(source="figures.code")
    name = serializers.CharField(source="figures.name")
    defined = serializers.BooleanField(
        source="figures.defined", help_text="False: events name a type nobody defined."
    )
    events = serializers.IntegerField(source="figures.events")


class EventReviewIdleRuleSerializer(_Finding):
    kind = serializers.CharField(source="figures.kind")
    name = serializers.CharField(source="figures.name")
    active = serializers.BooleanField(source="figures.active")
    in_period = serializers.IntegerField(
        source="figures.in_period", help_text="Events it correlated in the period."
    )
    fired_count = serializers.IntegerField(source="figures.fired_count", help_text="In all.")
    last_fired_at = serializers.DateTimeField(source="figures.last_fired_at", allow_null=True)


class EventReviewSerializer(_PeriodFields):
    noisy_monitors = EventReviewNoisySerializer(source="noisy", many=True)
    unmatched = EventReviewUnmatchedSerializer(many=True)
    missing_instructions = EventReviewMissingInstructionsSerializer(many=True)
    idle_correlation_rules = EventReviewIdleRuleSerializer(source="idle_rules", many=True)


class ImprovementRaiseSerializer(GuardedSerializer):
    inputs = inputs.IMPROVEMENT_RAISE

    topic = serializers.ChoiceField(choices=ReviewTopic.choices)
    subject = serializers.CharField(max_length=200, help_text="What the improvement is about.")
    description = serializers.CharField(max_length=10000, help_text="What should be changed.")
    source = IdField(
        required=False,
        allow_null=True,
        help_text="The monitoring source; its support group is the default.",
    )
    support_group = IdField(
        required=False, allow_null=True, help_text="The group that will implement it."
    )


class ImprovementRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    topic = serializers.ChoiceField(choices=ReviewTopic.choices)
    subject = serializers.CharField()
    incident = serializers.IntegerField(source="incident_id")
    number = serializers.CharField(source="incident.number")
    support_group = serializers.IntegerField(source="incident.support_group_id", allow_null=True)
    raised_by = serializers.IntegerField(source="raised_by_id")
    raised_at = serializers.DateTimeField()


class OneAnswerSchema(StewardAutoSchema):
    """The review is one object, though the route is a collection's ``list``."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class EventReviewViewSet(viewsets.GenericViewSet):
    # The schema documents the Location of the 201 (core.api.schema reads this).
    created_routes = {"raise_improvement": ("incident-detail", "id")}
    """The event review of a period (default: the last 30 days): monitors generating
    unnecessary events, events without a matched CI, event types without handling
    instructions, correlation rules never firing; each finding with the improvement
    request raised for it."""

    schema = OneAnswerSchema()
    view_permission = queries.REVIEW
    query_parameters = ("period", "from", "to")
    pagination_class = None
    filter_backends: list = []

    @extend_schema(summary="Event review (proc. 2)", parameters=PERIOD_PARAMETERS,
                   responses=EventReviewSerializer)  # fmt: skip
    def list(self, request: Request) -> Response:
        refuse_unknown_parameters(request, self)
        review = queries.event_review(request.user, period_of(request.query_params))
        return Response(EventReviewSerializer(review).data)

    @extend_schema(
        summary="Raise an improvement (an incident request to the responsible group)",
        description="Registers an incident request (user service request, requester the "
        "caller) explaining what should be changed, assigned to the group given or else the "
        "source's support group, and records it as the improvement raised for the finding "
        "(topic and subject). Refused while one raised for the same finding is open.",
        request=ImprovementRaiseSerializer,
        responses={201: ImprovementRequestSerializer},
    )
    @action(detail=False, methods=["post"], url_path="raise", url_name="raise")
    def raise_improvement(self, request: Request) -> Response:
        body = ImprovementRaiseSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        improvement = svc.improvement_raise(actor=request.user, **body.validated_data)
        # Location: the incident request raised (the improvement has no URL of its own).
        where = request.build_absolute_uri(
            reverse("incident-detail", args=[improvement.incident_id])
        )
        return Response(ImprovementRequestSerializer(improvement).data,
                        status=status.HTTP_201_CREATED, headers={"Location": where})  # fmt: skip


class OutageHintSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class OutageEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    source = serializers.IntegerField(source="source_id")
    event_type = serializers.CharField()
    ci = serializers.IntegerField(source="ci_id", allow_null=True)
    summary = serializers.CharField()
    first_seen_at = serializers.DateTimeField()
    status = serializers.CharField()
    handling = serializers.CharField()
    incident = serializers.IntegerField(source="incident_id", allow_null=True)
    handling_instructions = serializers.SerializerMethodField()

    def get_handling_instructions(self, event: Any) -> str:
        return queries.instructions_of(event)


class OutageFindingSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(choices=OutageFinding.choices)
    note = serializers.CharField()
    follow_up = serializers.IntegerField(source="follow_up_id", allow_null=True)
    reviewed_by = serializers.IntegerField(source="reviewed_by_id")
    reviewed_at = serializers.DateTimeField()


class OutageReviewRowSerializer(serializers.Serializer):
    incident = serializers.IntegerField(source="incident.pk")
    number = serializers.CharField(source="incident.number")
    title = serializers.CharField(source="incident.title")
    service = serializers.IntegerField(source="incident.service_id", allow_null=True)
    impact = serializers.CharField(source="incident.impact")
    registered_at = serializers.DateTimeField(source="incident.created_at")
    resolved_at = serializers.DateTimeField(source="incident.resolved_at")
    table = serializers.ChoiceField(choices=list(queries.TABLE_NAMES))
    event_generated = serializers.ChoiceField(
        source="how", choices=[queries.LINKED, queries.NEARBY, queries.NONE],
        help_text="linked: its own events; nearby: events on its CIs from 2 hours before "
        "registration to resolution; none.",
    )  # fmt: skip
    events = OutageEventSerializer(many=True)
    suppressed = OutageEventSerializer(many=True, help_text="Nearby events correlation suppressed.")
    hints = OutageHintSerializer(
        many=True, help_text="Why the instructions were possibly not followed."
    )
    review = OutageFindingSerializer(allow_null=True)


class OutageReviewSerializer(_PeriodFields):
    outages = OutageReviewRowSerializer(many=True)
    more = serializers.BooleanField(help_text=f"More than {queries.MAX_INCIDENTS} requests.")


class OutageRecordSerializer(GuardedSerializer):
    inputs = inputs.OUTAGE_REVIEW_RECORD

    finding = serializers.ChoiceField(choices=OutageFinding.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10000,
        help_text="Required for not_worth_monitoring: why.",
    )
    follow_up_description = serializers.CharField(
        required=False, allow_blank=True, max_length=10000,
        help_text="Required for correlation_correction and monitoring_correction: the "
        "correction requested from the group maintaining the monitoring.",
    )  # fmt: skip
    support_group = IdField(required=False, allow_null=True,
                            help_text="The follow-up's group (default: the monitoring "
                            "source's support group).")  # fmt: skip


class OutageReviewViewSet(viewsets.GenericViewSet):
    """The outage review of a period (default: the last 30 days): the high-impact incident
    requests (impact 1 or 2, restorations) resolved in it, each with whether an event was
    generated, its events and their handling instructions, the hints that they were
    possibly not followed, and the finding recorded."""

    schema = OneAnswerSchema()
    view_permission = queries.REVIEW
    query_parameters = ("period", "from", "to")
    pagination_class = None
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"

    @extend_schema(summary="Outage review (proc. 3)", parameters=PERIOD_PARAMETERS,
                   responses=OutageReviewSerializer)  # fmt: skip
    def list(self, request: Request) -> Response:
        refuse_unknown_parameters(request, self)
        review = queries.outage_review(request.user, period_of(request.query_params))
        return Response(OutageReviewSerializer(review).data)

    @extend_schema(
        summary="Record the outage review's finding on an incident request",
        description="One finding per request: recording again replaces it. A correlation "
        "or monitoring correction registers the follow-up incident request (once).",
        request=OutageRecordSerializer,
        responses={200: OutageFindingSerializer},
    )
    @action(detail=True, methods=["post"], url_path="record", url_name="record")
    def record(self, request: Request, pk: str | None = None) -> Response:
        body = OutageRecordSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        review = svc.outage_review_record(actor=request.user, incident_id=pk, **body.validated_data)
        return Response(OutageFindingSerializer(review).data)


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("event-review", EventReviewViewSet, basename="event-review")
    router.register("outage-review", OutageReviewViewSet, basename="outage-review")
