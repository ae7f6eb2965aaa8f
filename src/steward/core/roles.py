"""Who holds which role: the one place areas ask "who is the X (of Y)?" and "is P an X?".

Roles are ``RoleAssignment`` rows, held everywhere (no scope) or limited to one scope (a
service, a support group, an organisation). Permissions (``core.permissions``) answer "may
P do this"; these lookups answer the procedures' "tell the service owner", "the group
coordinator decides", "a representative of the customer".
"""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models

from steward.core import refcache
from steward.core.choices import Role
from steward.core.models import Organisation, Person, RoleAssignment, SupportGroup

DESK_ROLES = frozenset({Role.SERVICE_DESK_ANALYST, Role.SYSTEM_ADMINISTRATOR})


def _roles(role: str | Iterable[str]) -> list[str]:
    return [role] if isinstance(role, str) else list(role)


def _scope_q(scope: models.Model | None, prefix: str = "") -> models.Q:
    if scope is None:
        return models.Q(**{f"{prefix}scope_type__isnull": True})
    ct = ContentType.objects.get_for_model(scope, for_concrete_model=True)
    return models.Q(**{f"{prefix}scope_type": ct, f"{prefix}scope_id": scope.pk})


def holders(
    role: str | Iterable[str],
    scope: models.Model | None = None,
    *,
    anywhere: bool = False,
) -> list[Person]:
    """Active people holding ``role`` (or any of several) limited to ``scope``, or held
    everywhere when ``scope`` is None; ``anywhere`` counts every assignment, scoped or not.
    Ordered by id, each person once."""
    condition = models.Q(role_assignments__role__in=_roles(role))
    if not anywhere:
        condition &= _scope_q(scope, "role_assignments__")
    return list(Person.objects.filter(condition, is_active=True).distinct().order_by("pk"))


def holds(
    person: Person,
    role: str | Iterable[str],
    scope: models.Model | None = None,
    *,
    or_everywhere: bool = False,
) -> bool:
    """True when ``person`` holds ``role`` limited to ``scope`` (everywhere when None);
    ``or_everywhere`` also accepts the role held everywhere. An unsaved scope holds nothing."""
    if scope is not None and scope.pk is None:
        return False
    where = _scope_q(scope)
    if or_everywhere and scope is not None:
        where |= _scope_q(None)
    return RoleAssignment.objects.filter(where, person=person, role__in=_roles(role)).exists()


def represented_organisations(person: Person) -> set[int]:
    """The organisations ``person`` is a customer representative of.

    Not cached: a representative named during the request counts at once (as before)."""
    ct = ContentType.objects.get_for_model(Organisation, for_concrete_model=True)
    return set(
        RoleAssignment.objects.filter(
            person=person, role=Role.CUSTOMER_REPRESENTATIVE, scope_type=ct
        ).values_list("scope_id", flat=True)
    )


def represents(person: Person, organisation_id: int | None) -> bool:
    """True when ``person`` is a customer representative of that organisation."""
    if organisation_id is None:
        return False
    return holds(person, Role.CUSTOMER_REPRESENTATIVE, Organisation(pk=organisation_id))


def is_desk(person: Person) -> bool:
    """Service desk analysts and system administrators (roles held everywhere), superusers."""
    return person.is_superuser or bool(DESK_ROLES & person.role_names)


def desk_people(group: SupportGroup | None = None) -> list[Person]:
    """The active members of the service desk ``group`` (the caller's default group), else
    every service desk analyst."""
    if group is not None:
        members = list(group.members.filter(is_active=True).order_by("pk"))
        if members:
            return members
    return holders(Role.SERVICE_DESK_ANALYST)


COORDINATORS = "core.group_coordinators"
# Every registration tells the group's coordinators; who they are (and whether they are
# active, their address) changes far less often. A login stamping ``last_login`` changes
# nothing here.
refcache.register(COORDINATORS, RoleAssignment, Person, ignore_fields=("last_login",))


def group_coordinators(group: SupportGroup | None) -> list[Person]:
    """The coordinators of ``group`` (none for no group). The people are shared with other
    requests of the process (``core.refcache``): read them, do not change them."""
    if group is None:
        return []
    coordinators = refcache.cached(
        COORDINATORS, lambda: holders(Role.GROUP_COORDINATOR, group), key=group.pk
    )
    return list(coordinators)
