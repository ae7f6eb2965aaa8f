"""/api/v1/ people, organisations, support groups, role assignments and the role catalogue.

Reads go through ``steward.core.queries``; writes call ``steward.core.services.directory``.
Each write first fetches the object (404 for what the caller may not see), then checks the
right to change it (403), and only then validates the payload (400), so a refused caller
learns nothing from validation messages. The services check the right again.
"""

from typing import Any

from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core import inputs, permissions, queries, registry
from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    InternalFieldsHidden,
    ListParametersChecked,
    ServiceCreate,
    ServiceUpdate,
)
from steward.core.choices import Role, ScopeKind, allowed_scopes
from steward.core.filters import (
    OrganisationFilterSet,
    PersonFilterSet,
    RoleAssignmentFilterSet,
    SupportGroupFilterSet,
)
from steward.core.ids import parse_id
from steward.core.models import (
    Organisation,
    Person,
    RoleAssignment,
    SupportGroup,
    SupportGroupMembership,
)
from steward.core.services import directory as svc


def _actor(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return request.user if request is not None else None


# --- Organisations ---------------------------------------------------------------------


class OrganisationSerializer(InternalFieldsHidden, GuardedSerializer, serializers.ModelSerializer):
    inputs = inputs.ORGANISATION
    internal_fields = ("notes",)  # the provider's notes about the organisation

    class Meta:
        model = Organisation
        fields = ["id", "lock_version", *svc.ORGANISATION_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class OrganisationViewSet(ServiceCreate, ServiceUpdate):
    summaries = {
        "list": "Organisations (customer people: their own)",
        "create": "Register an organisation",
        "update": "Change an organisation",
        "partial_update": "Change some fields of an organisation",
    }
    query = queries.organisations_for
    queryset = Organisation.objects.none()  # for the schema; requests use query(actor)
    view_permission = "core.organisation.view"
    change_permission = "core.organisation.change"
    record_id = "organisation_id"
    serializer_class = OrganisationSerializer
    create_service = svc.organisation_create
    update_service = svc.organisation_update
    reread = False
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    filterset_class = OrganisationFilterSet


# --- People ----------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    """A person as others see them; never the password hash or admin flags."""

    display_name = serializers.CharField(read_only=True)
    can_log_in = serializers.SerializerMethodField()
    organisations = serializers.SerializerMethodField()
    primary_organisation = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id", "lock_version", "username", "display_name", *svc.PERSON_FIELDS, "can_log_in",
            "organisations", "primary_organisation",
        ]  # fmt: skip
        read_only_fields = fields

    def get_can_log_in(self, obj: Person) -> bool:
        return obj.has_usable_password()

    def get_organisations(self, obj: Person) -> list[int]:
        return [m.organisation_id for m in obj.memberships.all()]

    def get_primary_organisation(self, obj: Person) -> int | None:
        return next((m.organisation_id for m in obj.memberships.all() if m.is_primary), None)


class PersonCreateSerializer(GuardedSerializer, serializers.ModelSerializer):
    inputs = inputs.PERSON_CREATE(organisation=None)

    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Leave out for a contact who cannot log in.",
    )
    organisations = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Organisation.objects.none()
    )
    primary_organisation = serializers.PrimaryKeyRelatedField(
        required=False, allow_null=True, queryset=Organisation.objects.none()
    )

    class Meta:
        model = Person
        fields = [
            "username",
            "password",
            *svc.PERSON_FIELDS,
            "organisations",
            "primary_organisation",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only organisations the caller may see can be referenced.
        visible = queries.organisations_for(_actor(self))
        self.fields["organisations"].child_relation.queryset = visible
        self.fields["primary_organisation"].queryset = visible

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        password = attrs.get("password")
        if password:
            candidate = Person(
                **{
                    k: v
                    for k, v in attrs.items()
                    if k in {"username", "first_name", "last_name", "email"}
                }
            )
            try:
                validate_password(password, user=candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from None
        return attrs


class PersonUpdateSerializer(GuardedSerializer, serializers.ModelSerializer):
    inputs = inputs.PERSON

    class Meta:
        model = Person
        fields = svc.PERSON_FIELDS


class PersonViewSet(ServiceCreate, ServiceUpdate):
    summaries = {
        "list": "People (customer people: those of their organisations)",
        "create": "Register a person",
        "update": "Change a person",
        "partial_update": "Change some fields of a person",
    }
    query = queries.people_for
    queryset = Person.objects.none()
    view_permission = "core.person.view"
    change_permission = "core.person.change"
    record_id = "person_id"
    serializer_class = PersonSerializer
    create_serializer = PersonCreateSerializer
    create_service = svc.person_create
    update_serializer = PersonUpdateSerializer
    update_service = svc.person_update
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    filterset_class = PersonFilterSet

    def get_queryset(self):  # type: ignore[override]
        return super().get_queryset().prefetch_related("memberships")

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        # A blank password is none: a contact who cannot log in.
        return {**data, "password": data.get("password") or None}


# --- Support groups --------------------------------------------------------------------


class SupportGroupMemberSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(source="person.display_name", read_only=True)

    class Meta:
        model = SupportGroupMembership
        fields = ["person", "display_name", "skills", "is_available"]
        read_only_fields = fields


class SupportGroupMemberAddSerializer(GuardedSerializer):
    inputs = inputs.GROUP_MEMBER

    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())
    skills = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = queries.people_for(_actor(self))


class SupportGroupSerializer(GuardedSerializer, serializers.ModelSerializer):
    inputs = inputs.GROUP

    members = SupportGroupMemberSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = SupportGroup
        fields = ["id", "lock_version", *svc.GROUP_FIELDS, "members", "created_at", "updated_at"]
        read_only_fields = ["id", "members", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor = _actor(self)
        if actor is not None:
            self.fields["organisation"].queryset = queries.organisations_for(actor)
            self.fields["calendar"].queryset = queries.calendars_for(actor)


class SupportGroupViewSet(ServiceCreate, ServiceUpdate):
    summaries = {
        "list": "Support groups with their members",
        "create": "Create a support group",
        "update": "Change a support group",
        "partial_update": "Change some fields of a support group",
    }
    created_routes = {"add_member": ("supportgroup-detail", "record")}
    query = queries.groups_for
    queryset = SupportGroup.objects.none()
    view_permission = "core.group.view"
    change_permission = "core.group.change"
    record_id = "group_id"
    serializer_class = SupportGroupSerializer
    create_service = svc.group_create
    update_service = svc.group_update
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    filterset_class = SupportGroupFilterSet

    def get_queryset(self):  # type: ignore[override]
        return super().get_queryset().prefetch_related("memberships__person")

    @extend_schema(
        summary="Add a member to the group",
        request=SupportGroupMemberAddSerializer,
        responses={201: SupportGroupMemberSerializer},
    )
    @action(detail=True, methods=["post"], url_path="members")
    def add_member(self, request: Request, pk: str | None = None) -> Response:
        group = self.get_object()
        self.require_change(group)
        serializer = SupportGroupMemberAddSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        membership = svc.group_add_member(
            actor=request.user,
            group_id=group.pk,
            person_id=serializer.validated_data["person"].pk,
            skills=serializer.validated_data["skills"],
        )
        return Response(
            SupportGroupMemberSerializer(membership).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(summary="Remove a member from the group", request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<person_id>[0-9]+)")
    def remove_member(
        self, request: Request, pk: str | None = None, person_id: str = ""
    ) -> Response:
        group = self.get_object()
        self.require_change(group)
        member = parse_id(person_id)  # a number no person can have is not a member either
        if member is None or not group.memberships.filter(person_id=member).exists():
            raise Http404("That person is not a member of this group.")
        svc.group_remove_member(actor=request.user, group_id=group.pk, person_id=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Role assignments ------------------------------------------------------------------


def scope_kind(assignment: RoleAssignment) -> str:
    if assignment.scope_type_id is None:
        return ScopeKind.NONE
    ct = assignment.scope_type
    # Which model each scope kind names comes from the areas (registry.role_scope).
    found = registry.role_scope_for_label(f"{ct.app_label}.{ct.model}")
    return found.kind if found else ct.model


class RoleAssignmentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.display_name", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    scope_type = serializers.SerializerMethodField()
    scope_name = serializers.SerializerMethodField()

    class Meta:
        model = RoleAssignment
        fields = [
            "id", "person", "person_name", "role", "role_label", "scope_type", "scope_id",
            "scope_name", "created_at", "granted_by",
        ]  # fmt: skip
        read_only_fields = fields

    def get_scope_type(self, obj: RoleAssignment) -> str:
        return scope_kind(obj)

    def get_scope_name(self, obj: RoleAssignment) -> str:
        return str(obj.scope) if obj.scope_type_id and obj.scope is not None else ""


class RoleAssignmentCreateSerializer(GuardedSerializer):
    inputs = inputs.ROLE_ASSIGNMENT(scope=None)

    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())
    role = serializers.ChoiceField(choices=Role.choices)
    scope_type = serializers.ChoiceField(
        choices=ScopeKind.choices,
        default=ScopeKind.NONE,
        help_text="What the role is limited to; 'none' gives it everywhere.",
    )
    scope_id = IdField(required=False, allow_null=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = queries.people_for(_actor(self))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        role, kind, scope_id = attrs["role"], attrs["scope_type"], attrs.get("scope_id")
        allowed = allowed_scopes(role)
        if kind not in allowed:
            names = ", ".join(sorted(str(k) for k in allowed))
            raise serializers.ValidationError(
                {"scope_type": [f"{Role(role).label} can be limited to: {names}."]}
            )
        if kind == ScopeKind.NONE:
            if scope_id is not None:
                raise serializers.ValidationError(
                    {"scope_id": ["Leave this out for a role held everywhere."]}
                )
            attrs["scope"] = None
            return attrs
        if scope_id is None:
            raise serializers.ValidationError({"scope_id": [f"Give the id of the {kind}."]})
        try:
            model = apps.get_model(registry.ROLE_SCOPES[kind].model)
            attrs["scope"] = model._default_manager.get(pk=scope_id)
        except (LookupError, models.ObjectDoesNotExist):
            raise serializers.ValidationError({"scope_id": [f"No {kind} {scope_id}."]}) from None
        return attrs


class RoleAssignmentViewSet(ServiceCreate):
    summaries = {
        "list": "Who holds which role",
        "create": "Give a role",
        "destroy": "Take a role away",
    }
    query = queries.role_assignments_for
    queryset = RoleAssignment.objects.none()
    view_permission = "core.role.view"
    change_permission = "core.role.change"
    serializer_class = RoleAssignmentSerializer
    create_serializer = RoleAssignmentCreateSerializer
    create_service = svc.role_assign
    filterset_class = RoleAssignmentFilterSet

    def get_queryset(self):  # type: ignore[override]
        return super().get_queryset().prefetch_related("scope")

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"person_id": data["person"].pk, "role": data["role"], "scope": data["scope"]}

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        assignment = self.get_object()
        self.require_change()
        svc.role_revoke(actor=request.user, assignment_id=assignment.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Role catalogue --------------------------------------------------------------------


class RolePermissionSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()


class RoleCatalogueSerializer(serializers.Serializer):
    role = serializers.CharField()
    label = serializers.CharField()
    # Plain strings: a second enum of the same choices would collide in the schema.
    allowed_scopes = serializers.ListField(
        child=serializers.CharField(), help_text="Values of scope_type this role may be given with."
    )
    permissions = RolePermissionSerializer(many=True)


def role_catalogue() -> list[dict[str, Any]]:
    """Every role with its label, the scopes it may be limited to and what it grants."""
    granted = permissions.catalogue()
    return [
        {
            "role": role.value,
            "label": role.label,
            "allowed_scopes": sorted(str(k) for k in allowed_scopes(role)),
            "permissions": [
                {"name": name, "description": description}
                for name, (description, roles) in granted.items()
                if role in roles
            ],
        }
        for role in Role
    ]


@extend_schema_view(
    list=extend_schema(summary="The roles, their scopes and the permissions they grant"),
    retrieve=extend_schema(summary="One role"),
)
class RoleViewSet(ListParametersChecked):
    serializer_class = RoleCatalogueSerializer
    pagination_class = None
    filter_backends: list = []
    lookup_field = "role"
    lookup_value_regex = r"[a-z_]+"
    view_permission = "core.role.view"

    def list(self, request: Request) -> Response:
        return Response(self.get_serializer(role_catalogue(), many=True).data)

    def retrieve(self, request: Request, role: str = "") -> Response:
        entry = next((r for r in role_catalogue() if r["role"] == role), None)
        if entry is None:
            raise Http404(f"No role {role!r}.")
        return Response(self.get_serializer(entry).data)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("organisations", OrganisationViewSet, basename="organisation")
    router.register("people", PersonViewSet, basename="person")
    router.register("groups", SupportGroupViewSet, basename="supportgroup")
    router.register("role-assignments", RoleAssignmentViewSet, basename="roleassignment")
    router.register("roles", RoleViewSet, basename="role")
