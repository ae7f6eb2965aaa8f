"""/api/v1/incidents/ (seed 003 ch. 8, procedures 1-6) with one endpoint per step of the
process (``POST /api/v1/incidents/{id}/resolve/`` ...), the request's actions, its journal
and its attachments; and /api/v1/routing-rules/ (procedure 2).

Writes call ``steward.incidents.services.incidents``; reads come from
``steward.incidents.queries.incidents``: a requester sees their own requests, a customer
representative also their organisation's, provider staff every request. Files are added
through ``POST /api/v1/attachments/`` with ``record_type=incidents.incidentrequest``.
"""

from typing import Any

from django.db.models import QuerySet, prefetch_related_objects
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.configuration.models import CIClass, ConfigurationItem
from steward.configuration.queries.cis import ci_classes_for, cis_for
from steward.core import attachments, fields, journal, permissions
from steward.core import queries as core_queries
from steward.core.api.actions import ActionEndpoints
from steward.core.api.attachments import AttachmentSerializer
from steward.core.api.base import (
    FieldsBuiltOnce,
    GuardedSerializer,
    RecordViewSet,
    ServiceCreate,
    ServiceUpdate,
    choice_text,
    visible,
)
from steward.core.api.clocks import ClockSerializer, clocks_response
from steward.core.api_base import KeysetPagination, PositionPagination
from steward.core.ids import parse_id
from steward.core.models import JournalEntry, Organisation, Person, SupportGroup, TimeEntry
from steward.core.queries import groups_for, organisations_for, people_for
from steward.core.services import work
from steward.incidents import actions as incident_actions
from steward.incidents import inputs
from steward.incidents.api.bulk import IncidentBulkEndpoint
from steward.incidents.api.links import IncidentLinkEndpoints
from steward.incidents.api.steps import TextOrTemplate, template_field, time_spent_field
from steward.incidents.choices import (
    Channel,
    Impact,
    IncidentStatus,
    ResolutionCode,
    ServiceType,
    Urgency,
)
from steward.incidents.filters.incidents import IncidentFilterSet, is_ranked
from steward.incidents.models import (
    Category,
    IncidentAction,
    IncidentRequest,
    RoutingRule,
)
from steward.incidents.queries import incidents as queries
from steward.incidents.queries import templates as template_queries
from steward.incidents.queries.routing import may_read_rules, routing_rules_for
from steward.incidents.services import actions, routing
from steward.incidents.services import incidents as svc
from steward.service_level.models import Service
from steward.service_level.queries import services_for

VIEW = "incidents.incident.view"
WORK = "incidents.incident.work"
ROUTING = "incidents.routing.change"
ASSIGN = "incidents.incident.assign"
ESCALATE = "incidents.incident.escalate"
CLOSE = "incidents.incident.close"
VERIFY = "incidents.incident.verify"
ATTACH_HELP = (
    "Add a file with POST /api/v1/attachments/ (multipart: record_type="
    "incidents.incidentrequest, record_id, file)."
)


def _categories_for(actor: Person) -> QuerySet[Category]:
    if not permissions.has(actor, VIEW):
        return Category.objects.none()
    return Category.objects.filter(is_active=True)


def _services_plain(actor: Person) -> QuerySet[Service]:
    """The services the actor may see, without their owner, hours and provider: a
    registration reads the service's own columns only."""
    return services_for(actor).select_related(None)


def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, default="", **kwargs)


# --- Incident requests ---------------------------------------------------------------------


class IncidentSerializer(FieldsBuiltOnce):
    status = choice_text(IncidentStatus.choices, read_only=True)
    priority = serializers.CharField(read_only=True, help_text="1 (critical) to 4 (low).")
    impact = choice_text(Impact.choices, read_only=True)
    urgency = choice_text(Urgency.choices, read_only=True)
    service_type = choice_text(ServiceType.choices, read_only=True)
    channel = choice_text(Channel.choices, read_only=True)
    pending_reason = serializers.CharField(read_only=True)
    escalation = serializers.CharField(read_only=True)
    sent_back_reason = serializers.CharField(read_only=True)
    resolution_code = serializers.CharField(read_only=True)
    requester_name = serializers.CharField(source="requester.display_name", read_only=True)

    class Meta:
        model = IncidentRequest
        fields = [
            "id", "lock_version", "number", "title", "description", "status", "priority", "impact", "urgency",
            "service_type", "channel", "requester", "requester_name", "customer", "service",
            "cis", "category", "support_group", "assignee", "pending_reason",
            "sent_back_reason", "causes_service_unavailability",
            "changes_service_functionality", "requires_cmdb_update", "escalation",
            "escalated_to", "escalated_at", "resolution", "resolution_code", "solution",
            "resolved_at", "first_contact_resolution", "closed_at", "reopen_count",
            "problem_coordinator_informed_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class IncidentResolveNowSerializer(serializers.Serializer):
    resolution = serializers.CharField()
    resolution_code = choice_text(ResolutionCode.choices)


class IncidentCreateSerializer(GuardedSerializer):
    inputs = inputs.REGISTER(channel=fields.staff())

    requester = visible(
        people_for,
        Person,
        required=False,
        help_text="Whom the request is for; the caller when left out.",
    )
    title = serializers.CharField(max_length=200)
    description = _text()
    channel = choice_text(
        Channel.choices,
        required=False,
        help_text="Defaults to api (portal for requesters and customer representatives).",
    )
    service = visible(_services_plain, Service, required=False, allow_null=True)
    cis = visible(cis_for, ConfigurationItem, many=True, required=False)
    category = visible(_categories_for, Category, required=False, allow_null=True)
    service_type = choice_text(ServiceType.choices, required=False)
    impact = choice_text(Impact.choices, required=False)
    urgency = choice_text(Urgency.choices, required=False)
    support_group = visible(
        groups_for,
        SupportGroup,
        required=False,
        allow_null=True,
        help_text="Leave out to let the routing rules choose.",
    )
    assignee = visible(people_for, Person, required=False, allow_null=True)
    resolve_now = IncidentResolveNowSerializer(
        required=False, help_text="Resolved at registration (first contact, service desk)."
    )


class IncidentUpdateSerializer(GuardedSerializer):
    inputs = inputs.UPDATE

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    service = visible(services_for, Service, required=False, allow_null=True)
    cis = visible(cis_for, ConfigurationItem, many=True, required=False)
    category = visible(_categories_for, Category, required=False, allow_null=True)
    service_type = choice_text(ServiceType.choices, required=False)
    impact = choice_text(Impact.choices, required=False)
    urgency = choice_text(Urgency.choices, required=False)
    causes_service_unavailability = serializers.BooleanField(required=False, allow_null=True)
    changes_service_functionality = serializers.BooleanField(required=False, allow_null=True)
    requires_cmdb_update = serializers.BooleanField(required=False, allow_null=True)


class IncidentReplySerializer(TextOrTemplate, GuardedSerializer):
    inputs = inputs.REPLY
    text_field = "body"
    message = "Write something or choose a template."

    body = serializers.CharField(
        max_length=20000,
        required=False,
        allow_blank=True,
        default="",
        help_text="In a work note, @username tells a colleague who may see the request.",
    )
    public = serializers.BooleanField(
        default=True, help_text="False: an internal work note (provider staff only)."
    )
    time_spent = time_spent_field()
    template = template_field("reply")


class TimeEntrySerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.display_name", read_only=True)

    class Meta:
        model = TimeEntry
        fields = ["id", "minutes", "activity", "person", "person_name", "support_group",
                  "journal_entry", "created_at"]  # fmt: skip
        read_only_fields = fields


class IncidentTimeSerializer(serializers.Serializer):
    total_minutes = serializers.IntegerField()
    entries = TimeEntrySerializer(many=True)


class FilledTemplateSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The template filled in for the request.")
    unknown = serializers.ListField(
        child=serializers.CharField(),
        help_text="Placeholders it has no value for (kept as written).",
    )


class IncidentJournalEntrySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    actor_name = serializers.SerializerMethodField()
    time_spent = serializers.SerializerMethodField(
        help_text="Minutes recorded with this entry (staff only; null when none)."
    )

    class Meta:
        model = JournalEntry
        fields = ["id", "kind", "actor", "actor_name", "field", "old_value", "new_value",
                  "body", "time_spent", "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_actor_name(self, obj: JournalEntry) -> str:
        return obj.actor.display_name if obj.actor_id else "Steward"

    def get_time_spent(self, obj: JournalEntry) -> int | None:
        entry = getattr(obj, "time_entry", None)
        request = self.context.get("request")
        if entry is None or (request and permissions.is_customer_side(request.user)):
            return None
        return entry.minutes


class IncidentActionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = IncidentAction
        fields = ["id", "position", "title", "description", "status", "support_group",
                  "assignee", "due_at", "completed_at", "result", "created_at"]  # fmt: skip
        read_only_fields = fields


class IncidentActionWriteSerializer(GuardedSerializer):
    inputs = inputs.ACTION

    title = serializers.CharField(max_length=200)
    description = _text()
    support_group = visible(groups_for, SupportGroup, required=False, allow_null=True)
    assignee = visible(people_for, Person, required=False, allow_null=True)
    due_at = serializers.DateTimeField(required=False, allow_null=True)


class IncidentActionCompleteSerializer(GuardedSerializer):
    inputs = inputs.ACTION_COMPLETE

    result = _text(max_length=5000)


@extend_schema_view(
    list=extend_schema(
        summary="Incident requests you may see (requesters: their own; customer "
        "representatives: their organisation's)",
        description="Most urgent, then oldest first. With q (full-text search over the "
        "title, description, resolution and public replies, and for staff the work notes): "
        "the best matches first, next paging through them by position.",
    ),
    retrieve=extend_schema(summary="One incident request", description=ATTACH_HELP),
    create=extend_schema(
        summary="Register an incident request (procedure 1)",
        description="Requesters register for themselves; without a group the routing "
        "rules choose one.",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer},
    ),
    partial_update=extend_schema(
        summary="Change what the request is about (priority is recomputed)",
        request=IncidentUpdateSerializer,
        responses=IncidentSerializer,
    ),
)
class IncidentViewSet(IncidentBulkEndpoint, IncidentLinkEndpoints, ActionEndpoints, RecordViewSet):
    # One endpoint per step of the process, and next-steps (steward.incidents.actions).
    action_table = staticmethod(lambda: incident_actions.INCIDENT)
    created_routes = {
        "reply": ("incident-journal", "record"),
        "incident_actions": ("incident-actions", "record"),
        "links": ("incident-links", "record"),
    }
    query = queries.incidents_for
    queryset = IncidentRequest.objects.none()
    view_permission = VIEW
    record_id = "incident_id"
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    # The queue order (most urgent, then oldest) with a keyset cursor: the 20th page of a
    # group's queue costs what the first does.
    pagination_class = KeysetPagination
    keyset_ordering = ("priority", "created_at", "pk")

    def get_queryset(self) -> QuerySet[IncidentRequest]:  # type: ignore[override]
        # Only what IncidentSerializer reads (the requester's name): each further join of
        # the visibility query costs PostgreSQL more planning than the queue page's whole
        # index scan takes to run (six joins: ~12 ms of planning against 0.7 ms).
        return (
            queries.incidents_for(self.request.user)
            .select_related(None)
            .select_related("requester")
            .prefetch_related("cis")
        )

    def paginate_queryset(self, queryset: Any) -> list | None:
        # With ``q`` the list is a search result, best first: paged by position.
        if is_ranked(queryset) and self.paginator is not None:
            self._paginator = PositionPagination()
        return super().paginate_queryset(queryset)

    def create(self, request: Request) -> Response:
        data = self.validated(IncidentCreateSerializer)
        actor = request.user
        customer_side = permissions.is_customer_side(actor)
        data.setdefault("requester", actor)
        data.setdefault("channel", Channel.PORTAL if customer_side else Channel.API)
        incident = svc.incident_register(actor=actor, **data)
        # Answered from the record just written (its related records are the validated
        # ones): reading it back through the seven-table queue query would cost more than
        # the registration's own statements.
        if data.get("cis"):
            prefetch_related_objects([incident], "cis")
        else:
            # An evaluated empty list, as a prefetch leaves it: iterating ``none()`` itself
            # would still compile the query to learn it is empty.
            none = ConfigurationItem.objects.none()
            none._result_cache, none._prefetch_done = [], True
            incident._prefetched_objects_cache = {"cis": none}
        return self.show(incident, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        permissions.require(request.user, WORK, incident)
        data = self.validated(IncidentUpdateSerializer, partial=True, record=incident)
        svc.incident_update(actor=request.user, incident_id=incident.pk, data=data)
        return self.refreshed(incident.pk)

    @extend_schema(
        summary="Reply to the requester, or add an internal work note",
        request=IncidentReplySerializer,
        responses={201: IncidentJournalEntrySerializer},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        data = self.validated(IncidentReplySerializer, record=incident)
        entry = svc.incident_add_reply(actor=request.user, incident_id=incident.pk, **data)
        return Response(IncidentJournalEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    # -- nested: journal, attachments, actions ------------------------------------------------

    @extend_schema(
        summary="The request's journal, oldest first (customer-side people: public entries)",
        responses=IncidentJournalEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def journal(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        entries = (
            journal.timeline(incident, actor=request.user)
            .select_related("time_entry")
            .order_by("created_at", "pk")
        )
        context = self.get_serializer_context()
        return Response(IncidentJournalEntrySerializer(entries, many=True, context=context).data)

    @extend_schema(
        summary="Time spent on the request: the total and each entry (staff only)",
        responses=IncidentTimeSerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def time(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        permissions.require(request.user, WORK, incident)
        rows = list(work.time_entries_of(incident).order_by("created_at", "pk"))
        data = {"total_minutes": sum(r.minutes for r in rows), "entries": rows}
        return Response(IncidentTimeSerializer(data).data)

    @extend_schema(
        summary="A reply or resolution template filled in for the request",
        parameters=[
            OpenApiParameter(
                "template",
                OpenApiTypes.INT,
                required=True,
                description="The template's id (GET /api/v1/response-templates/).",
            )
        ],
        responses=FilledTemplateSerializer,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="fill-template",
        url_name="fill-template",
        pagination_class=None,
        filterset_class=None,
    )
    def fill_template(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        permissions.require(request.user, WORK, incident)
        template = (
            core_queries.response_templates_for(request.user)
            .filter(pk=parse_id(request.query_params.get("template")))
            .first()
        )
        if template is None:
            raise serializers.ValidationError({"template": ["Choose one of your templates."]})
        filled = template_queries.filled_template(
            request.user, incident, template.pk, template.kind
        )
        return Response(FilledTemplateSerializer(filled).data)

    @extend_schema(
        summary="The request's SLA clocks (OLA and UC too for provider staff)",
        responses=ClockSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def clocks(self, request: Request, pk: str | None = None) -> Response:
        return clocks_response(request, self.get_object())

    @extend_schema(
        summary="The request's attachments",
        description=ATTACH_HELP,
        responses=AttachmentSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        files = attachments.of_record(request.user, incident).order_by("created_at", "pk")
        return Response(AttachmentSerializer(files, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The request's actions (tasks)",
        responses=IncidentActionSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Add an action (the request stays open while it is open)",
        request=IncidentActionWriteSerializer,
        responses={201: IncidentActionSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="actions",
        url_name="actions",
        pagination_class=None,
        filterset_class=None,
    )
    def incident_actions(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        if request.method == "POST":
            permissions.require(request.user, WORK, incident)
            data = self.validated(IncidentActionWriteSerializer, record=incident)
            created = actions.action_add(actor=request.user, incident_id=incident.pk, **data)
            return Response(IncidentActionSerializer(created).data, status=status.HTTP_201_CREATED)
        if permissions.is_customer_side(request.user):
            return Response([])
        rows = incident.actions.order_by("position")
        return Response(IncidentActionSerializer(rows, many=True).data)

    @extend_schema(
        summary="Complete an action",
        parameters=[OpenApiParameter("position", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=IncidentActionCompleteSerializer,
        responses=IncidentActionSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"actions/(?P<position>[0-9]+)/complete",
        url_name="action-complete",
    )
    def action_complete(
        self, request: Request, pk: str | None = None, position: str | None = None
    ) -> Response:
        incident = self.get_object()
        found = incident.actions.filter(position=position).first()
        if found is None or permissions.is_customer_side(request.user):
            raise NotFound("No such action.")
        data = self.validated(IncidentActionCompleteSerializer, record=incident)
        done = actions.action_complete(actor=request.user, action_id=found.pk, **data)
        return Response(IncidentActionSerializer(done).data)


# --- Routing rules (procedure 2) --------------------------------------------------------


class RoutingRuleSerializer(serializers.ModelSerializer):
    service_type = serializers.CharField(read_only=True)

    class Meta:
        model = RoutingRule
        fields = ["id", "lock_version", "order", "name", "is_active", "service", "ci_class", "category",
                  "customer", "service_type", "keywords", "support_group", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields


class RoutingRuleWriteSerializer(GuardedSerializer):
    inputs = inputs.ROUTING_RULE

    order = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False)
    name = serializers.CharField(max_length=150)
    is_active = serializers.BooleanField(required=False)
    service = visible(services_for, Service, required=False, allow_null=True)
    ci_class = visible(ci_classes_for, CIClass, required=False, allow_null=True)
    category = visible(_categories_for, Category, required=False, allow_null=True)
    customer = visible(organisations_for, Organisation, required=False, allow_null=True)
    service_type = choice_text(
        [("", "Any"), *ServiceType.choices], required=False, allow_blank=True
    )
    keywords = serializers.CharField(max_length=300, required=False, allow_blank=True)
    support_group = visible(groups_for, SupportGroup)


class RoutingRuleUpdateSerializer(RoutingRuleWriteSerializer):
    name = serializers.CharField(max_length=150, required=False)
    support_group = visible(groups_for, SupportGroup, required=False)


class RoutingRuleViewSet(ServiceCreate, ServiceUpdate):
    summaries = {
        "list": "Routing rules, in the order they are tried (procedure 2)",
        "create": "Add a routing rule",
        "partial_update": "Change a routing rule",
        "destroy": "Remove a routing rule",
    }
    query = routing_rules_for
    queryset = RoutingRule.objects.none()
    change_permission = ROUTING
    record_id = "rule_id"
    serializer_class = RoutingRuleSerializer
    create_serializer = RoutingRuleWriteSerializer
    create_service = routing.routing_rule_create
    update_serializer = RoutingRuleUpdateSerializer
    update_service = routing.routing_rule_update

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if not may_read_rules(request.user):
            raise PermissionDenied("You may not see the routing rules.")

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        rule = self.guarded_object()
        routing.routing_rule_delete(actor=request.user, rule_id=rule.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("incidents", IncidentViewSet, basename="incident")
    router.register("routing-rules", RoutingRuleViewSet, basename="routing-rule")
