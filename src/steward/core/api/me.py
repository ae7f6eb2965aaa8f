"""/api/v1/me/: the calling person (session or token): who they are, the organisations
they belong to and represent, their support groups, their roles with scope, the
permissions those give, and where their API tokens are."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from steward.core import permissions
from steward.core.api.directory import scope_kind
from steward.core.choices import Role
from steward.core.models import Organisation, Person


class MeOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="provider, customer or supplier.")
    is_primary = serializers.BooleanField()
    represents = serializers.BooleanField(
        help_text="Whether the person is its customer representative (sees its requests)."
    )


class MeGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_available = serializers.BooleanField()


class MeRoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_label = serializers.CharField()
    scope_type = serializers.CharField(help_text="none (everywhere), service, group, organisation.")
    scope_id = serializers.IntegerField(allow_null=True)
    scope_name = serializers.CharField(help_text="Empty when the role holds everywhere.")


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    customer_side = serializers.BooleanField(
        help_text="Only customer roles: sees their organisations' records and public text only."
    )
    organisations = MeOrganisationSerializer(many=True)
    support_groups = MeGroupSerializer(many=True)
    roles = MeRoleSerializer(many=True)
    permissions = serializers.ListField(
        child=serializers.CharField(),
        help_text="Permission codes the roles give (somewhere: a scoped role counts only on "
        "its service, group or organisation's records).",
    )
    tokens = serializers.URLField(help_text="The person's API tokens (/api/v1/tokens/).")


def me(person: Person, request: Request) -> dict[str, Any]:
    """What ``MeSerializer`` shows of ``person``."""
    assignments = list(person.role_assignments.select_related("scope_type").order_by("role", "pk"))
    organisation_type = ContentType.objects.get_for_model(Organisation)
    represented = {
        a.scope_id
        for a in assignments
        if a.role == Role.CUSTOMER_REPRESENTATIVE and a.scope_type_id == organisation_type.pk
    }
    memberships = person.memberships.select_related("organisation").order_by("organisation__name")
    groups = person.group_memberships.select_related("group").order_by("group__name")
    return {
        "id": person.pk,
        "username": person.get_username(),
        "name": person.display_name,
        "email": person.email,
        "customer_side": permissions.is_customer_side(person),
        "organisations": [
            {
                "id": m.organisation_id,
                "name": m.organisation.name,
                "kind": m.organisation.kind,
                "is_primary": m.is_primary,
                "represents": m.organisation_id in represented,
            }
            for m in memberships
        ],
        "support_groups": [
            {"id": m.group_id, "name": m.group.name, "is_available": m.is_available} for m in groups
        ],
        "roles": [
            {
                "role": a.role,
                "role_label": a.get_role_display(),
                "scope_type": scope_kind(a),
                "scope_id": a.scope_id,
                "scope_name": str(a.scope) if a.scope_type_id and a.scope is not None else "",
            }
            for a in assignments
        ],
        "permissions": [p for p in permissions.catalogue() if permissions.has(person, p)],
        "tokens": request.build_absolute_uri(reverse("apitoken-list")),
    }


class MeView(APIView):
    @extend_schema(summary="Who I am: my organisations, groups, roles and permissions",
                   responses=MeSerializer)  # fmt: skip
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(me(request.user, request)).data)
