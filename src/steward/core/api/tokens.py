"""/api/v1/tokens/: a person's own API tokens. The key is shown once, when created."""

from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core import inputs
from steward.core.api.base import GuardedSerializer, RecordViewSet
from steward.core.api_auth import token_create, token_revoke, tokens_for
from steward.core.models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it later: recognisable by prefix, never the key or its hash."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
        read_only_fields = fields


class ApiTokenCreateSerializer(GuardedSerializer):
    inputs = inputs.TOKEN(expires_on=None)

    name = serializers.CharField(
        max_length=100, help_text="What uses the token, e.g. 'monitoring'."
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown this once only; store it safely.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiTokenViewSet(RecordViewSet):
    summaries = {
        "list": "My API tokens",
        "retrieve": "One of my API tokens",
        "create": "Create an API token (the key is in this answer only)",
        "destroy": "Revoke an API token",
    }
    query = tokens_for
    queryset = ApiToken.objects.none()  # for the schema; requests use query(actor)
    serializer_class = ApiTokenSerializer
    read_serializers = {"create": ApiTokenCreatedSerializer}
    create_serializer = ApiTokenCreateSerializer
    filter_backends: list = []

    def create(self, request: Request) -> Response:
        data = self.validated()
        token, key = token_create(
            actor=request.user, name=data["name"], expires_at=data.get("expires_at")
        )
        token.key = key
        return Response(self.get_serializer(token).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        token = self.get_object()
        token_revoke(actor=request.user, token_id=token.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("tokens", ApiTokenViewSet, basename="apitoken")
