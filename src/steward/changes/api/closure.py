"""Change Management: production test and closure (proc. 6). Their endpoints are steps of
the change (``POST /api/v1/changes/{id}/production-test/`` and ``.../close/``, rows of
``actions.CHANGE``); the request body of ``close`` is here."""

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.changes import inputs
from steward.core.api.base import GuardedSerializer


class ChangeProductionTestSerializer(GuardedSerializer):
    """Proc. 6: the specialist's verdict; ``requirements_met`` must be given."""

    inputs = inputs.PRODUCTION_TEST

    requirements_met = serializers.BooleanField(help_text="All requirements of the change met.")
    improvement_over_before = serializers.BooleanField(
        required=False, default=False, help_text="Not all met, but better than before."
    )
    security_or_data_risk = serializers.BooleanField(
        required=False, default=False, help_text="It causes a security or data integrity risk."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeCloseSerializer(GuardedSerializer):
    inputs = inputs.CHANGE_CLOSE

    note = serializers.CharField(required=False, allow_blank=True, default="")


def register(router: DefaultRouter) -> None:
    """The closure steps are on /api/v1/changes/ (api/changes.py)."""
