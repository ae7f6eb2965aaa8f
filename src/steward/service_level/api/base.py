"""What the Service Level Management resources share: target and reason payloads. The
generic helpers (visible references, choices as text, ``RecordViewSet``) are in core."""

from rest_framework import serializers

# The shared resource helpers live in core; re-exported for this area's modules.
from steward.core.api.base import (
    GuardedSerializer,
    RecordViewSet,
    actor_of,
    choice_text,
    visible,
    whole_number,
)
from steward.service_level import inputs
from steward.service_level.choices import TargetKind
from steward.service_level.services._common import MAX_TARGET_SECONDS

__all__ = ["RecordViewSet", "actor_of", "choice_text", "visible"]


class TargetSpecSerializer(GuardedSerializer):
    """One target given with an agreement or catalog item."""

    inputs = inputs.TARGET

    kind = choice_text(TargetKind.choices)
    priority = serializers.CharField(required=False, allow_blank=True, default="")
    target_seconds = whole_number(
        min_value=1, max_value=MAX_TARGET_SECONDS, required=False, allow_null=True
    )
    target_percent = serializers.DecimalField(
        max_digits=6, decimal_places=3, required=False, allow_null=True
    )
    target_count = whole_number(required=False, allow_null=True)
    warning_percent = whole_number(min_value=1, max_value=100, required=False, default=75)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why; kept on the record.")
