"""Saved views of list pages (issue 13): a person saves a list's filters, sort and visible
columns under a name, for themselves or shared with a support group they belong to.

Only the owner renames or deletes a view; a view shared with a group may also be renamed
or deleted by that group's coordinator (a system administrator stands in). A saved view
is a person's setting, not a record of a process: like marking notifications read, its
writes are not journalled.
"""

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from steward.core import permissions, roles, transitions, versioning
from steward.core.choices import Role
from steward.core.ids import parse_id
from steward.core.models import Person, SavedView, SupportGroup

# Query parameters that are not part of a view: the page, an export, the view itself.
NOT_SAVED = frozenset({"page", "format", "view", "cols"})
_NAME_MAX = SavedView._meta.get_field("name").max_length
_QUERY_MAX = SavedView._meta.get_field("query").max_length
MAX_COLUMNS = 40


def clean_query(query: str) -> str:
    """The filters and sort of a list's query string (no page, export or columns)."""
    pairs = [
        (k, v) for k, v in parse_qsl(query or "", keep_blank_values=False) if k not in NOT_SAVED
    ]
    return urlencode(pairs)


def _clean(
    errors: dict[str, list[str]], name: Any, query: Any = "", columns: Any = ()
) -> tuple[str, str, list[str]]:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        errors["name"] = ["Give the view a name."]
    elif len(name) > _NAME_MAX:
        errors["name"] = [f"At most {_NAME_MAX} characters."]
    query = clean_query(query if isinstance(query, str) else "")
    if len(query) > _QUERY_MAX:
        errors["query"] = [f"At most {_QUERY_MAX} characters of filters."]
    if not isinstance(columns, list | tuple) or not all(
        isinstance(c, str) and 0 < len(c) <= 50 for c in columns
    ):
        errors["columns"] = ["Give the column keys as a list of names."]
        columns = []
    elif len(columns) > MAX_COLUMNS:
        errors["columns"] = [f"At most {MAX_COLUMNS} columns."]
    return name, query, list(dict.fromkeys(columns))


def may_manage(actor: Person, view: SavedView) -> bool:
    """The owner; for a view shared with a group, also that group's coordinator."""
    if view.owner_id == actor.pk:
        return True
    if view.group_id is None:
        return False
    if actor.is_superuser or Role.SYSTEM_ADMINISTRATOR in actor.role_names:
        return True
    return roles.holds(actor, Role.GROUP_COORDINATOR, view.group, or_everywhere=True)


def saved_view_create(
    *,
    actor: Person,
    list_key: str,
    name: str,
    query: str = "",
    columns: Iterable[str] = (),
    group: SupportGroup | int | None = None,
) -> SavedView:
    """Save a list's filters, sort and columns under a name; shared with ``group`` when
    given, which must be one of the actor's groups."""
    permissions.require(actor, "core.access")
    errors: dict[str, list[str]] = {}
    name, query, cols = _clean(errors, name, query, list(columns) if columns else [])
    try:
        reverse(list_key if isinstance(list_key, str) else "")
    except NoReverseMatch:
        errors["list_key"] = ["Not a list page."]
    if group is not None and not isinstance(group, SupportGroup):
        pk = parse_id(group)
        group = SupportGroup.objects.filter(pk=pk).first() if pk else None
        if group is None:
            errors["group"] = ["No such group."]
    if isinstance(group, SupportGroup) and not group.memberships.filter(person=actor).exists():
        errors["group"] = ["Share only with a group you belong to."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return SavedView.objects.create(
            owner=actor, group=group, list_key=list_key, name=name, query=query, columns=cols
        )


def _locked(actor: Person, view_id: Any, expected_version: int | None = None) -> SavedView:
    pk = parse_id(view_id)
    if pk is None:
        raise Http404("No such saved view.")
    view = transitions.lock(SavedView, pk)
    if not may_manage(actor, view):
        if view.owner_id != actor.pk and view.group_id is None:
            raise Http404("No such saved view.")  # someone's own: not even seen
        raise PermissionDenied("Only its owner or the group's coordinator may change this view.")
    versioning.check(view, expected_version)
    return view


def saved_view_update(
    *,
    actor: Person,
    view_id: Any,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> SavedView:
    """Rename a view, or save the list's current filters and columns into it."""
    unknown = sorted(set(data) - {"name", "query", "columns"})
    if unknown:
        raise ValidationError({k: ["This field cannot be changed here."] for k in unknown})
    with transaction.atomic():
        view = _locked(actor, view_id, expected_version)
        errors: dict[str, list[str]] = {}
        name, query, cols = _clean(
            errors,
            data.get("name", view.name),
            data.get("query", view.query),
            data.get("columns", view.columns),
        )
        if errors:
            raise ValidationError(errors)
        view.name, view.query, view.columns = name, query, cols
        view.save()
    return view


def saved_view_delete(*, actor: Person, view_id: Any) -> None:
    with transaction.atomic():
        _locked(actor, view_id).delete()
