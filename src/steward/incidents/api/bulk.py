"""``POST /api/v1/incidents/bulk/`` (issue 13): one action for many requests, each through
its own service in its own transaction, with the version the caller read; the answer
lists each request's outcome (``services/bulk.py``)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core.api.base import GuardedSerializer, IdField, choice_text, visible
from steward.core.models import Person, SupportGroup
from steward.core.queries import groups_for, people_for
from steward.incidents import inputs
from steward.incidents.choices import Impact, PendingReason, ResolutionCode, Urgency
from steward.incidents.models import IncidentRequest
from steward.incidents.queries.incidents import incidents_for
from steward.incidents.services import bulk

RESULTS = ["updated", "unchanged", "stale", "denied", "refused", "not_found"]


class IncidentBulkItemSerializer(serializers.Serializer):
    id = IdField(help_text="The request's id.")
    lock_version = serializers.IntegerField(
        min_value=0,
        max_value=2_147_483_647,
        help_text="The version you read (the list's lock_version, or the ETag): a request "
        "changed since is refused as stale, not overwritten.",
    )


class IncidentBulkSerializer(GuardedSerializer):
    inputs = inputs.BULK

    items = IncidentBulkItemSerializer(many=True, help_text="The requests, at most 200.")
    action = choice_text(list(bulk.ACTIONS.items()))
    support_group = visible(groups_for, SupportGroup, required=False, allow_null=True)
    assignee = visible(people_for, Person, required=False, allow_null=True)
    status = choice_text(list(bulk.STATUSES.items()), required=False)
    pending_reason = choice_text(PendingReason.choices, required=False)
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    resolution_code = choice_text(ResolutionCode.choices, required=False)
    impact = choice_text(Impact.choices, required=False)
    urgency = choice_text(Urgency.choices, required=False)
    into = visible(
        incidents_for,
        IncidentRequest,
        required=False,
        allow_null=True,
        help_text="merge: the request that continues.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def validate_items(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not value:
            raise serializers.ValidationError("Give at least one request.")
        if len(value) > bulk.MAX_ITEMS:
            raise serializers.ValidationError(f"At most {bulk.MAX_ITEMS} requests at once.")
        return value


class IncidentBulkOutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    result = serializers.ChoiceField(choices=RESULTS)
    ok = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why it was refused; empty when done.")


class IncidentBulkResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    updated = serializers.IntegerField()
    refused = serializers.IntegerField()
    summary = serializers.CharField(help_text='"12 updated, 2 refused: INC… (reason)".')
    outcomes = IncidentBulkOutcomeSerializer(many=True)


class IncidentBulkEndpoint:
    """The bulk endpoint of ``IncidentViewSet``."""

    @extend_schema(
        summary="Change many requests at once (assign, take, status, priority, merge)",
        description=(
            "Each request goes through the same step as a single change, on its own: the "
            "others are still done when one is refused. A request changed "
            "since `lock_version` is refused as `stale`; one you may not change as "
            "`denied`; one the process refuses in its state as `refused`; one you cannot "
            "see as `not_found`. Always 200 with one outcome per request; 400 when the "
            "action or its fields are wrong (nothing written)."
        ),
        request=IncidentBulkSerializer,
        responses=IncidentBulkResultSerializer,
    )
    @action(detail=False, methods=["post"], url_path="bulk", filterset_class=None)
    def bulk(self, request: Request) -> Response:
        data = self.validated(IncidentBulkSerializer)  # type: ignore[attr-defined]
        items = [(i["id"], i["lock_version"]) for i in data.pop("items")]
        chosen = data.pop("action")
        result = bulk.incidents_bulk(actor=request.user, items=items, action=chosen, fields=data)
        return Response(
            {
                "action": chosen,
                "updated": len(result.updated),
                "refused": len(result.refused),
                "summary": result.summary(),
                "outcomes": [
                    {
                        "id": o.incident_id,
                        "number": o.number,
                        "result": o.result,
                        "ok": o.ok,
                        "reason": o.reason,
                    }
                    for o in result.outcomes
                ],
            }
        )
