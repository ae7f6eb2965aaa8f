"""The request bodies of the incident steps (``steward.incidents.actions``): one
serializer per step that takes input, checked against the step's ``inputs``."""

from typing import Any

from rest_framework import serializers

from steward.core.api.base import GuardedSerializer, choice_text, visible
from steward.core.models import Person, SupportGroup
from steward.core.queries import groups_for, people_for
from steward.core.services.work import MAX_MINUTES
from steward.incidents import inputs
from steward.incidents.choices import (
    EMERGENCY_CATEGORIES,
    PendingReason,
    ResolutionCode,
    SendBackReason,
)
from steward.incidents.models import Solution
from steward.incidents.queries.solutions import solutions_for

DECISIONS = [
    ("continuity", "Recover the service at its continuity site (on-duty manager)"),
    ("emergency_change", "Implement the resolution as an emergency change"),
    ("back_to_specialists", "The specialists continue"),
]


def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, default="", **kwargs)


class IncidentAssignSerializer(GuardedSerializer):
    inputs = inputs.ASSIGNMENT

    support_group = visible(groups_for, SupportGroup, required=False, allow_null=True)
    assignee = visible(people_for, Person, required=False, allow_null=True)
    reason = _text(max_length=5000)


class IncidentSendBackSerializer(GuardedSerializer):
    inputs = inputs.SEND_BACK

    reason = choice_text(SendBackReason.choices)
    note = serializers.CharField(max_length=5000)


class IncidentPendingSerializer(GuardedSerializer):
    inputs = inputs.PENDING

    reason = choice_text(PendingReason.choices)
    note = _text(max_length=5000)


class IncidentNoteSerializer(GuardedSerializer):
    inputs = inputs.NOTE

    note = _text(max_length=5000)


class IncidentReasonSerializer(GuardedSerializer):
    inputs = inputs.CANCEL

    reason = _text(max_length=5000)


class IncidentAssessChangeSerializer(GuardedSerializer):
    inputs = inputs.ASSESS_CHANGE

    causes_service_unavailability = serializers.BooleanField(
        help_text="A service becomes unavailable or degraded during service hours."
    )
    changes_service_functionality = serializers.BooleanField(
        help_text="The functionality of a service becomes different."
    )
    requires_cmdb_update = serializers.BooleanField(help_text="The CMDB needs to be updated.")


class IncidentEscalationDecisionSerializer(GuardedSerializer):
    inputs = inputs.ESCALATION_DECISION

    decision = choice_text(DECISIONS)
    note = _text(max_length=5000)
    specialist = visible(
        people_for,
        Person,
        required=False,
        allow_null=True,
        help_text="emergency_change: the specialist asked to implement it (required then).",
    )
    category = choice_text(
        EMERGENCY_CATEGORIES,
        required=False,
        default="infrastructure",
        help_text="emergency_change: an infrastructure or an application change.",
    )


def time_spent_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_MINUTES,
        help_text="Minutes spent on this action (recorded with it, reported per group and person).",
    )


def template_field(kind: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=f"A {kind} template (GET /api/v1/response-templates/): filled in for the "
        f"request and used when the text is left out.",
    )


class TextOrTemplate:
    """The text field ``text_field`` may be left out when a ``template`` is given; with
    neither, a 400 names the text field (beside any other field's message)."""

    text_field = ""
    message = ""

    def to_internal_value(self, data: Any) -> Any:
        get = getattr(data, "get", None)
        missing = bool(get) and not str(get(self.text_field) or "").strip() and not get("template")
        error = {self.text_field: [self.message]}
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as exc:
            if missing and isinstance(exc.detail, dict):
                exc.detail.setdefault(self.text_field, error[self.text_field])
            raise
        if missing:
            raise serializers.ValidationError(error)
        return value


class IncidentResolveSerializer(TextOrTemplate, GuardedSerializer):
    inputs = inputs.RESOLVE
    text_field = "resolution"
    message = "Write the resolution or choose a template."

    resolution = serializers.CharField(required=False, allow_blank=True, default="")
    resolution_code = choice_text(ResolutionCode.choices)
    solution = visible(solutions_for, Solution, required=False, allow_null=True)
    workaround = serializers.BooleanField(
        default=False, help_text="A workaround, likely to recur: the problem coordinator is told."
    )
    time_spent = time_spent_field()
    template = template_field("resolution")
    override_reason = _text(
        max_length=5000,
        help_text="A request needing Change Management without a linked change: why it is "
        "resolved without one (journaled). Refused (400) without it.",
    )


class IncidentReopenSerializer(GuardedSerializer):
    inputs = inputs.REOPEN

    reason = serializers.CharField(max_length=5000)
    support_group = visible(
        groups_for,
        SupportGroup,
        required=False,
        allow_null=True,
        help_text="Service desk only: the group to reassign it to.",
    )
