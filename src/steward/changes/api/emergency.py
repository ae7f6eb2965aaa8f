"""Change Management: emergency changes (proc. 7, 8): the request bodies of the steps
``POST /api/v1/changes/{id}/emergency-transfer/``, ``.../emergency-test/`` and
``.../emergency-register/`` (rows of ``actions.CHANGE``; ``ChangeViewSet`` serves them)."""

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.changes import inputs
from steward.core.api.base import GuardedSerializer, choice_text


def _note(help_text: str) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text=help_text
    )


class EmergencyTransferSerializer(GuardedSerializer):
    inputs = inputs.EMERGENCY_TRANSFER

    environment = choice_text(
        [("test", "The test environment"), ("production", "Production")],
        help_text="Where the release administrator transfers the new release.",
    )
    note = _note("For the release administrator.")


class EmergencyTestSerializer(GuardedSerializer):
    inputs = inputs.EMERGENCY_TEST

    successful = serializers.BooleanField(
        help_text="true: the incident is resolved and the change coordinator asked to "
        "register the change; false: back to implementation, the service owner told."
    )
    note = serializers.CharField(
        max_length=5000, help_text="What the production test showed (the incident's solution)."
    )


class EmergencyRegisterSerializer(GuardedSerializer):
    inputs = inputs.EMERGENCY_REGISTER

    cmdb_updated = serializers.BooleanField(help_text="The CMDB has been updated.")
    capacity_updated = serializers.BooleanField(
        help_text="The Capacity Management information has been updated."
    )
    note = _note("Closure note.")


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router (its steps are the change's)."""
