"""/api/v1/lockouts/: login lockouts in force and lifting them (system administrators)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core import inputs, queries
from steward.core.api.base import GuardedSerializer, ListParametersChecked
from steward.core.services.lockouts import lockout_release


class LockoutSerializer(serializers.Serializer):
    username = serializers.CharField(
        allow_null=True, help_text="The login name locked out; null: every login name."
    )
    ip_address = serializers.IPAddressField(
        allow_null=True, help_text="The address locked out; null: every address."
    )
    rule = serializers.CharField(
        source="rule.name", help_text="account_address, address or account."
    )
    failures = serializers.IntegerField(help_text="Failed logins counted by the rule.")
    since = serializers.DateTimeField(help_text="When the failures reached the rule's limit.")
    until = serializers.DateTimeField(help_text="When the lockout ends by itself.")


class LockoutReleaseSerializer(GuardedSerializer, serializers.Serializer):
    inputs = inputs.LOCKOUT_RELEASE

    username = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text="Leave out for an address."
    )
    ip_address = serializers.IPAddressField(
        required=False, allow_blank=True, help_text="Leave out for a login name."
    )


class LockoutReleasedSerializer(serializers.Serializer):
    lifted = serializers.IntegerField(help_text="How many lockouts this ended.")


class LockoutViewSet(ListParametersChecked):
    serializer_class = LockoutSerializer
    pagination_class = None
    filter_backends: list = []
    view_permission = "core.lockout.change"

    @extend_schema(summary="Login lockouts in force (system administrators)")
    def list(self, request: Request) -> Response:
        return Response(LockoutSerializer(queries.lockouts_for(request.user), many=True).data)

    @extend_schema(
        summary="Lift a lockout: forget the failed logins of a login name, an address or both",
        request=LockoutReleaseSerializer,
        responses={200: LockoutReleasedSerializer},
    )
    @action(detail=False, methods=["post"])
    def release(self, request: Request) -> Response:
        serializer = LockoutReleaseSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        lifted = lockout_release(actor=request.user, **serializer.validated_data)
        return Response({"lifted": lifted})


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("lockouts", LockoutViewSet, basename="lockout")
