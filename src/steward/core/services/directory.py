"""People, organisations, support groups and roles: the directory every process uses."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from steward.core import journal, permissions, registry, versioning
from steward.core.choices import Role, ScopeKind, allowed_scopes
from steward.core.edits import check_edit, reject_unknown, save_changes, save_new
from steward.core.models import (
    Organisation,
    OrganisationMembership,
    Person,
    RoleAssignment,
    SupportGroup,
    SupportGroupMembership,
)

ORGANISATION_FIELDS = [
    "name",
    "kind",
    "code",
    "email",
    "phone",
    "address",
    "website",
    "notes",
    "is_active",
]
PERSON_FIELDS = [
    "first_name", "last_name", "email", "phone", "mobile", "job_title", "location", "time_zone",
    "is_active",
]  # fmt: skip
GROUP_FIELDS = ["name", "organisation", "email", "description", "skills", "calendar", "is_active"]


# --- Organisations ---------------------------------------------------------------------


def organisation_create(
    *, actor: Person, permission: str = "core.organisation.change", **data: Any
) -> Organisation:
    """Register an organisation. ``permission`` is the right the actor needs: an area that
    keeps one kind of organisation itself passes its own right after checking the kind
    (suppliers: ``configuration.supplier.change``)."""
    permissions.require(actor, permission)
    reject_unknown(data, ORGANISATION_FIELDS)
    with transaction.atomic():
        return save_new(Organisation(**data), actor=actor)


def organisation_update(
    *,
    actor: Person,
    organisation_id: int,
    data: dict[str, Any],
    permission: str = "core.organisation.change",
    expected_version: int | None = None,
) -> Organisation:
    reject_unknown(data, ORGANISATION_FIELDS)
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        check_edit(actor, permission, organisation, expected_version)
        save_changes(organisation, data, ORGANISATION_FIELDS, actor=actor)
    return organisation


# --- People ----------------------------------------------------------------------------


def person_create(
    *,
    actor: Person,
    username: str,
    organisations: list[Organisation] | None = None,
    primary_organisation: Organisation | None = None,
    password: str | None = None,
    permission: str = "core.person.change",
    **data: Any,
) -> Person:
    """Register a person; without a password they are a contact who cannot log in.
    ``permission``: as for ``organisation_create`` (supplier contacts)."""
    permissions.require(actor, permission)
    reject_unknown(data, PERSON_FIELDS)
    with transaction.atomic():
        person = Person(username=username.strip(), **data)
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.full_clean(exclude=["password"])
        person.save()
        orgs = list(organisations or [])
        if primary_organisation and primary_organisation not in orgs:
            orgs.insert(0, primary_organisation)
        for org in orgs:
            OrganisationMembership.objects.create(
                person=person,
                organisation=org,
                is_primary=(org == (primary_organisation or orgs[0])),
            )
        journal.created(person, actor=actor)
    return person


def person_update(
    *,
    actor: Person,
    person_id: int,
    data: dict[str, Any],
    permission: str = "core.person.change",
    expected_version: int | None = None,
) -> Person:
    reject_unknown(data, PERSON_FIELDS)
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        check_edit(actor, permission, person, expected_version)
        save_changes(
            person,
            data,
            PERSON_FIELDS,
            actor=actor,
            clean=lambda: person.full_clean(exclude=["password"]),
        )
    return person


def person_join_organisation(
    *, actor: Person, person_id: int, organisation_id: int, is_primary: bool = False
) -> OrganisationMembership:
    permissions.require(actor, "core.person.change")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        organisation = Organisation.objects.get(pk=organisation_id)
        membership, _ = OrganisationMembership.objects.get_or_create(
            person=person, organisation=organisation
        )
        if is_primary:
            person.memberships.exclude(pk=membership.pk).update(is_primary=False)
            membership.is_primary = True
            membership.save(update_fields=["is_primary"])
        journal.system(person, text=f"Joined {organisation}.")
    return membership


# --- Support groups --------------------------------------------------------------------


def group_create(*, actor: Person, **data: Any) -> SupportGroup:
    permissions.require(actor, "core.group.change")
    reject_unknown(data, GROUP_FIELDS)
    with transaction.atomic():
        return save_new(SupportGroup(**data), actor=actor)


def group_update(
    *, actor: Person, group_id: int, data: dict[str, Any], expected_version: int | None = None
) -> SupportGroup:
    reject_unknown(data, GROUP_FIELDS)
    with transaction.atomic():
        group = SupportGroup.objects.select_for_update().get(pk=group_id)
        check_edit(actor, "core.group.change", group, expected_version)
        save_changes(group, data, GROUP_FIELDS, actor=actor)
    return group


def group_add_member(
    *, actor: Person, group_id: int, person_id: int, skills: str = ""
) -> SupportGroupMembership:
    with transaction.atomic():
        group = SupportGroup.objects.select_for_update().get(pk=group_id)
        permissions.require(actor, "core.group.change", group)
        person = Person.objects.get(pk=person_id)
        if permissions.is_customer_side(person):
            raise ValidationError({"person": ["Customer people cannot join a support group."]})
        membership, created = SupportGroupMembership.objects.get_or_create(
            group=group, person=person, defaults={"skills": skills}
        )
        if created:
            versioning.touch(group)  # its members are part of the group
            journal.system(group, text=f"{person} joined the group.", data={"person": person.pk})
    return membership


def group_remove_member(*, actor: Person, group_id: int, person_id: int) -> None:
    with transaction.atomic():
        group = SupportGroup.objects.select_for_update().get(pk=group_id)
        permissions.require(actor, "core.group.change", group)
        deleted, _ = SupportGroupMembership.objects.filter(
            group=group, person_id=person_id
        ).delete()
        if deleted:
            versioning.touch(group)
            person = Person.objects.get(pk=person_id)
            journal.system(group, text=f"{person} left the group.", data={"person": person_id})


# --- Roles -----------------------------------------------------------------------------


def scope_kind_of(scope: models.Model | None) -> str:
    """Which ScopeKind a scope object is; raises ValidationError for anything else."""
    if scope is None:
        return ScopeKind.NONE
    found = registry.role_scope_for_label(scope._meta.label_lower)
    if found is not None:
        return found.kind
    raise ValidationError({"scope": [f"A role cannot be limited to a {scope._meta.verbose_name}."]})


def role_assign(
    *, actor: Person, person_id: int, role: str, scope: models.Model | None = None
) -> RoleAssignment:
    """Give ``role`` to a person, everywhere or limited to ``scope`` (a service, group, organisation)."""
    if role not in Role.values:
        raise ValidationError({"role": [f"Unknown role {role!r}."]})
    kind = scope_kind_of(scope)
    allowed = allowed_scopes(role)
    if kind not in allowed:
        names = ", ".join(sorted(ScopeKind(k).label.lower() for k in allowed))
        raise ValidationError({"scope": [f"{Role(role).label} can be given for: {names}."]})
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        permissions.require(actor, "core.role.change")
        scope_type = ContentType.objects.get_for_model(scope) if scope is not None else None
        assignment, created = RoleAssignment.objects.get_or_create(
            person=person,
            role=role,
            scope_type=scope_type,
            scope_id=scope.pk if scope is not None else None,
            defaults={"granted_by": actor},
        )
        if created:
            journal.system(person, text=f"Given the role {assignment}.", data={"role": role})
        permissions.forget(person)
    return assignment


def role_revoke(*, actor: Person, assignment_id: int) -> None:
    with transaction.atomic():
        assignment = RoleAssignment.objects.select_for_update().get(pk=assignment_id)
        permissions.require(actor, "core.role.change")
        person = assignment.person
        label = str(assignment)
        assignment.delete()
        journal.system(person, text=f"No longer {label}.", data={"role": assignment.role})
        permissions.forget(person)
