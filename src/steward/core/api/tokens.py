"""/api/v1/tokens/: a person's own API tokens. The key is shown once, when created."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core import inputs
from steward.core.api.base import GuardedSerializer, StewardViewSet
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


@extend_schema_view(
    list=extend_schema(summary="My API tokens"),
    retrieve=extend_schema(summary="One of my API tokens"),
    create=extend_schema(
        summary="Create an API token (the key is in this answer only)",
        request=ApiTokenCreateSerializer,
        responses={201: ApiTokenCreatedSerializer},
    ),
    destroy=extend_schema(summary="Revoke an API token"),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StewardViewSet):
    query = tokens_for
    queryset = ApiToken.objects.none()  # for the schema; requests use query(actor)
    serializer_class = ApiTokenSerializer
    filter_backends: list = []

    def create(self, request: Request) -> Response:
        serializer = ApiTokenCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, key = token_create(
            actor=request.user,
            name=serializer.validated_data["name"],
            expires_at=serializer.validated_data.get("expires_at"),
        )
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        token = self.get_object()
        token_revoke(actor=request.user, token_id=token.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("tokens", ApiTokenViewSet, basename="apitoken")
