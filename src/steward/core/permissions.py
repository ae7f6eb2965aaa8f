"""The one permission check used by services, API, pages, CLI and exports.

Each area registers which roles grant each permission (``grant``). A role held
everywhere grants it on every record; a role limited to a scope (a service, a
support group, an organisation) grants it on records whose ``permission_scopes()``
include that scope. What a person may *see* in lists is decided by each area's
``queries`` module, which uses ``scopes_for`` and ``customer_organisation_ids``.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models

from steward.core.choices import Role

# permission name -> roles that grant it
_GRANTS: dict[str, set[str]] = defaultdict(set)
_DESCRIPTIONS: dict[str, str] = {}

ALL_ROLES = frozenset(Role.values)
PROVIDER_ROLES = ALL_ROLES - {Role.REQUESTER, Role.CUSTOMER_REPRESENTATIVE}


def grant(permission: str, roles: Iterable[str], description: str = "") -> None:
    """Declare that ``roles`` grant ``permission`` (called at app start-up)."""
    _GRANTS[permission].update(roles)
    if description:
        _DESCRIPTIONS[permission] = description


def catalogue() -> dict[str, tuple[str, frozenset[str]]]:
    """Every registered permission with its description and granting roles."""
    return {p: (_DESCRIPTIONS.get(p, ""), frozenset(r)) for p, r in sorted(_GRANTS.items())}


def _assignments(actor: Any) -> list[tuple[str, int | None, int | None]]:
    """(role, scope content type id, scope id) for the actor, cached on the instance."""
    cached = getattr(actor, "_steward_assignments", None)
    if cached is None:
        cached = list(actor.role_assignments.values_list("role", "scope_type_id", "scope_id"))
        actor._steward_assignments = cached
    return cached


def preload(people: Iterable[Any]) -> None:
    """Read the role assignments of ``people`` in one query and cache them on each, so a
    chooser checking ``has`` for every candidate does not query once per person."""
    people = [p for p in people if getattr(p, "pk", None) is not None]
    if not people:
        return
    assignments = people[0].role_assignments.model  # RoleAssignment, without an import cycle
    found: dict[int, list[tuple[str, int | None, int | None]]] = defaultdict(list)
    rows = assignments.objects.filter(person__in=[p.pk for p in people]).values_list(
        "person_id", "role", "scope_type_id", "scope_id"
    )
    for person_id, role, scope_type_id, scope_id in rows:
        found[person_id].append((role, scope_type_id, scope_id))
    for person in people:
        person._steward_assignments = found[person.pk]


def forget(actor: Any) -> None:
    """Drop cached roles after they change."""
    for attr in ("_steward_assignments", "_role_names"):
        if hasattr(actor, attr):
            delattr(actor, attr)


def _is_active(actor: Any) -> bool:
    return bool(actor) and not isinstance(actor, AnonymousUser) and actor.is_active


def _scope_keys(obj: Any) -> set[tuple[int, int]]:
    scopes = obj.permission_scopes() if hasattr(obj, "permission_scopes") else [obj]
    keys = set()
    for scope in scopes:
        if isinstance(scope, models.Model) and scope.pk is not None:
            ct = ContentType.objects.get_for_model(scope, for_concrete_model=True)
            keys.add((ct.id, scope.pk))
    return keys


def has(actor: Any, permission: str, obj: Any = None) -> bool:
    """True when ``actor`` holds a role granting ``permission`` (on ``obj`` when given).

    Without ``obj`` a scoped role counts too: the actor may do it somewhere, and the
    area's queries narrow the records.
    """
    if not _is_active(actor):
        return False
    if actor.is_superuser:
        return True
    roles = _GRANTS.get(permission)
    if not roles:
        return False
    relevant = [(ct, sid) for role, ct, sid in _assignments(actor) if role in roles]
    if not relevant:
        return False
    if obj is None or any(ct is None for ct, _ in relevant):
        return True
    keys = _scope_keys(obj)
    return any((ct, sid) in keys for ct, sid in relevant)


def require(actor: Any, permission: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``has(actor, permission, obj)``."""
    if not has(actor, permission, obj):
        raise PermissionDenied(f"You may not do this ({permission}).")


def has_any_role(actor: Any) -> bool:
    """True for a person who may use Steward at all (any role, or a superuser)."""
    return _is_active(actor) and (actor.is_superuser or bool(_assignments(actor)))


def scopes_for(actor: Any, permission: str) -> tuple[bool, dict[int, set[int]]]:
    """(granted everywhere?, {scope content type id: {scope ids}}) for ``permission``.

    Queries use it to narrow a list to the services, groups or organisations where
    the actor holds a granting role.
    """
    if not _is_active(actor):
        return False, {}
    if actor.is_superuser:
        return True, {}
    roles = _GRANTS.get(permission, set())
    scoped: dict[int, set[int]] = defaultdict(set)
    for role, ct, sid in _assignments(actor):
        if role not in roles:
            continue
        if ct is None:
            return True, {}
        scoped[ct].add(sid)
    return False, dict(scoped)


def is_customer_side(actor: Any) -> bool:
    """A person whose every role is a customer-side one sees only their organisations' records."""
    if not _is_active(actor) or actor.is_superuser:
        return False
    roles = {role for role, _, _ in _assignments(actor)}
    return bool(roles) and roles <= {Role.REQUESTER, Role.CUSTOMER_REPRESENTATIVE}


def customer_organisation_ids(actor: Any) -> set[int]:
    """The organisations whose records a customer-side person may see."""
    cached = getattr(actor, "_steward_org_ids", None)
    if cached is None:
        cached = set(actor.memberships.values_list("organisation_id", flat=True))
        actor._steward_org_ids = cached
    return cached
