"""POST /api/v1/events/ingest/, /api/v1/events/alertmanager/, /api/v1/events/zabbix/: the
event ingestion endpoints as the API documents them (seed 003 ch. 6: the events procedure 1
handles). In production ``steward/wsgi.py`` answers these paths with the lean app of
``steward.events.ingest`` before Django; these twins answer them inside Django (the test
client, ``runserver`` without the wrapper) by calling the same function, so both give the
same status and body. They exist for the schema an integrator reads.
"""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.routers import DefaultRouter

from steward.core.api.schema import StewardAutoSchema
from steward.events import formats, ingest
from steward.events.choices import EventCategory, Severity, SourceKind


class SourceTokenAuthentication(BaseAuthentication):
    """The source's token is checked by the ingestion function itself (cached digest);
    this class only names the scheme in the schema."""

    def authenticate(self, request: Request) -> None:
        return None


class SourceTokenScheme(OpenApiAuthenticationExtension):
    target_class = SourceTokenAuthentication
    name = "sourceToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The token of a monitoring source (Event Management, Sources), "
            "sent as Authorization: Bearer <token>, or in the header X-Steward-Token.",
        }


class SourceTokenChecked(BasePermission):
    """Lets the request through to the ingestion function, which checks the token (not
    AllowAny: the schema would then say no credentials are needed)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return True


class JsonOnly(BaseContentNegotiation):
    """The answer is JSON whatever Accept says, as the lean path's is."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


WHO = (
    "Who may call it: a monitoring source, with its token (Authorization: Bearer <token>, "
    "or X-Steward-Token). A token of another kind of source is refused with 403 naming "
    "the endpoint for its kind; an unknown or revoked token, or a switched-off source, 401."
)


class SourceTokenSchema(StewardAutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        # Not StewardAutoSchema's: it states who may call from the permission catalogue of
        # signed-in people, and a source is not one.
        operation = AutoSchema.get_operation(self, *args, **kwargs)
        if operation is not None:
            operation["description"] = f"{operation.get('description', '')}\n\n{WHO}".strip()
        return operation


# --- The documented bodies -------------------------------------------------------------------


class IngestRefusalSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The event's place in the body's list, from 0.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field.",
    )


class IngestResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Events taken: they are kept, whatever happens.")
    refused = IngestRefusalSerializer(many=True, help_text="Events not taken, with why.")


def _text(limit: int, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": limit}
    return {**schema, "description": description} if description else schema


GENERIC_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["event_type"],
    "properties": {
        "source": _text(formats.SOURCE_MAX, "Informative: the tool that sent it."),
        "resource": _text(
            formats.RESOURCE_MAX,
            "What the event is about: a CI's name, alias or attribute value. This or ci.",
        ),
        "ci": _text(formats.RESOURCE_MAX, "Another name for resource."),
        "event_type": {"type": "string", "minLength": 1, "maxLength": formats.EVENT_TYPE_MAX},
        "severity": {
            "type": "string",
            "enum": list(Severity.values),
            "description": "Default major.",
        },
        "summary": _text(formats.SUMMARY_MAX),
        "time": {
            "type": "string",
            "format": "date-time",
            "description": "When it happened (ISO 8601; without an offset: UTC). Default now.",
        },
        "status": {
            "type": "string",
            "enum": list(formats.STATUSES),
            "description": "Resolved clears the event of the same fingerprint. Default firing.",
        },
        "category": {
            "type": "string",
            "enum": list(EventCategory.values),
            "description": "Default: the category of the event type in Steward.",
        },
        "attributes": {"type": "object", "description": "Anything else, kept as sent."},
        "fingerprint": {
            "type": "string",
            "minLength": 1,
            "maxLength": formats.FINGERPRINT_MAX,
            "description": "What makes repeats one event. Default: from resource and event_type.",
        },
    },
    "additionalProperties": False,
}

GENERIC_BODY = {
    "anyOf": [
        GENERIC_EVENT,
        {"type": "array", "items": GENERIC_EVENT, "minItems": 1},
        {
            "type": "object",
            "required": ["events"],
            "properties": {"events": {"type": "array", "items": GENERIC_EVENT, "minItems": 1}},
            "additionalProperties": False,
        },
    ]
}

ALERTMANAGER_BODY = {
    "type": "object",
    "required": ["alerts"],
    "properties": {
        "version": {"type": "string", "example": "4"},
        "groupKey": {"type": "string"},
        "status": {"type": "string", "enum": ["firing", "resolved"]},
        "receiver": {"type": "string"},
        "alerts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["labels"],
                "properties": {
                    "status": {"type": "string", "enum": ["firing", "resolved"]},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                    "startsAt": {"type": "string", "format": "date-time"},
                    "endsAt": {"type": "string", "format": "date-time"},
                    "generatorURL": {"type": "string"},
                    "fingerprint": {"type": "string"},
                },
            },
        },
    },
}

ZABBIX_BODY = {
    "type": "object",
    "required": ["event_value", "host", "trigger_id", "event_name"],
    "properties": {
        "event_id": {"type": "string"},
        "event_value": {"type": "string", "enum": ["1", "0"]},
        "event_severity": {
            "type": "string",
            "enum": ["Not classified", "Information", "Warning", "Average", "High", "Disaster"],
        },
        "host": {"type": "string", "maxLength": formats.RESOURCE_MAX},
        "trigger_id": {"type": "string"},
        "event_name": {"type": "string", "maxLength": formats.SUMMARY_MAX},
        "event_date": {"type": "string", "example": "2026.03.01"},
        "event_time": {"type": "string", "example": "08:30:00"},
        "tags": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"tag": {"type": "string"}, "value": {"type": "string"}},
            },
        },
        "event_opdata": {"type": "string"},
    },
}

GENERIC_EXAMPLES = [
    OpenApiExample(
        "One event",
        value={
            "resource": "web-01",
            "event_type": "disk_full",
            "severity": "major",
            "summary": "/var is 97% full",
            "time": "2026-03-01T08:30:00Z",
            "attributes": {"mount": "/var", "used_percent": 97},
        },
        request_only=True,
    ),
    OpenApiExample(
        "A batch",
        value={
            "events": [
                {"resource": "core-switch", "event_type": "link_down", "severity": "critical"},
                {"ci": "web-01", "event_type": "link_down", "status": "resolved"},
            ]
        },
        request_only=True,
    ),
]

ALERTMANAGER_EXAMPLES = [
    OpenApiExample(
        "Two alerts of one group",
        value={
            "version": "4",
            "groupKey": '{}:{alertname="InstanceDown"}',
            "status": "firing",
            "receiver": "steward",
            "alerts": [
                {
                    "status": "firing",
                    "labels": {
                        "alertname": "InstanceDown",
                        "instance": "web-01:9100",
                        "severity": "critical",
                    },
                    "annotations": {"summary": "web-01 is down"},
                    "startsAt": "2026-03-01T08:30:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
                    "fingerprint": "5f1e7d2c9a3b4e61",
                },
                {
                    "status": "resolved",
                    "labels": {
                        "alertname": "InstanceDown",
                        "instance": "web-02:9100",
                        "severity": "critical",
                    },
                    "annotations": {"summary": "web-02 is down"},
                    "startsAt": "2026-03-01T08:20:00Z",
                    "endsAt": "2026-03-01T08:29:00Z",
                    "fingerprint": "0c7a1b2d3e4f5a69",
                },
            ],
        },
        request_only=True,
    )
]

ZABBIX_EXAMPLES = [
    OpenApiExample(
        "A problem",
        value={
            "event_id": "48213",
            "event_value": "1",
            "event_severity": "High",
            "host": "web-01",
            "trigger_id": "23817",
            "event_name": "High CPU utilization (over 90% for 5m)",
            "event_date": "2026.03.01",
            "event_time": "08:30:00",
            "tags": [{"tag": "category", "value": "capacity"}],
            "event_opdata": "Current utilization: 94 %",
        },
        request_only=True,
    )
]

# 401, 403 and 429 (with Retry-After) are documented for every operation.
ANSWERS = {
    202: OpenApiResponse(
        IngestResultSerializer,
        description="Accepted: the accepted events are kept (committed) before this answer; "
        "the refused ones are listed with their messages.",
    ),
    400: OpenApiResponse(
        description="Not JSON, not in the endpoint's format, or every event refused (then "
        "with accepted and refused as in a 202, each refusal also in errors)."
    ),
    413: OpenApiResponse(
        description="The body is over the byte limit, or holds more events than one request may."
    ),
    503: OpenApiResponse(
        description="The event store is unavailable: nothing was accepted; send again."
    ),
}


def _response(answer: ingest.Answer) -> HttpResponse:
    response = HttpResponse(answer.content(), status=answer.status)
    for name, value in answer.header_list():
        response[name] = value
    return response


class _IngestViewSet(viewsets.ViewSet):
    """Base of the three: the source's token instead of a person's, the ingestion
    function's answer for every method (405 for all but POST)."""

    kind: str = SourceKind.GENERIC
    authentication_classes = [SourceTokenAuthentication]
    permission_classes = [SourceTokenChecked]
    throttle_classes: list = []  # the source's own rate, in the ingestion function
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnly
    schema = SourceTokenSchema()
    # The ingestion function's headers only (DRF adds Allow to every answer).
    default_response_headers: dict[str, str] = {}

    def _ingest(self, request: Request) -> HttpResponse:
        meta = request._request.META
        return _response(ingest.ingest(self.kind, meta, request._request.read))

    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return self._ingest(request)

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return self._ingest(request)


class EventIngestViewSet(_IngestViewSet):
    kind = SourceKind.GENERIC

    @extend_schema(
        summary="Send events (generic JSON)",
        request={"application/json": GENERIC_BODY},
        responses=ANSWERS,
        examples=GENERIC_EXAMPLES,
    )
    def create(self, request: Request) -> HttpResponse:
        """Takes one event, a list of events, or {"events": [...]} from a monitoring
        source, up to the batch limit. Each event needs event_type and resource (or ci);
        the rest has defaults. Repeats of one fingerprint become one event in Steward with
        a count; status resolved clears it. A bad event is refused with its messages and
        costs none of the good ones beside it: the answer lists each refused event by its
        index. Accepted events are kept before the answer, and handled within seconds."""
        return self._ingest(request)


class AlertmanagerIngestViewSet(_IngestViewSet):
    kind = SourceKind.ALERTMANAGER

    @extend_schema(
        summary="Prometheus Alertmanager webhook receiver",
        request={"application/json": ALERTMANAGER_BODY},
        responses=ANSWERS,
        examples=ALERTMANAGER_EXAMPLES,
    )
    def create(self, request: Request) -> HttpResponse:
        """The webhook of Prometheus Alertmanager (version 4): point a receiver's
        webhook_configs url here with the source's token in http_config.authorization.
        Each alert of a grouped notification is one event: fingerprint from the alert's
        fingerprint, resource from the labels instance, host, service or job, event type
        from alertname, severity from the label severity (critical or page: critical;
        error or major: major; warning; info or none: info; others: warning), summary from
        the annotations summary or description. A resolved alert clears its event."""
        return self._ingest(request)


class ZabbixIngestViewSet(_IngestViewSet):
    kind = SourceKind.ZABBIX

    @extend_schema(
        summary="Zabbix webhook receiver",
        request={"application/json": ZABBIX_BODY},
        responses=ANSWERS,
        examples=ZABBIX_EXAMPLES,
    )
    def create(self, request: Request) -> HttpResponse:
        """One Zabbix problem (event_value 1) or recovery (0), as the Steward media type
        sends it (the script is in Steward's operations guide). The trigger and host make
        the fingerprint, so the recovery clears its problem. Severity: Disaster is
        critical, High major, Average minor, Warning warning, Information and Not
        classified info. Times without an offset are in Steward's time zone."""
        return self._ingest(request)


def register(router: DefaultRouter) -> None:
    # Before the events resource: these paths must never read as an event's id.
    router.register("events/ingest", EventIngestViewSet, basename="event-ingest")
    router.register("events/alertmanager", AlertmanagerIngestViewSet, basename="event-alertmanager")
    router.register("events/zabbix", ZabbixIngestViewSet, basename="event-zabbix")
