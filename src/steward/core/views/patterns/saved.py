"""What a person chooses about a list page: the visible columns (column chooser) and the
saved views (filters, sort and columns under a name, their own or shared with a group),
for every ``RecordListView`` (issue 13)."""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest

from steward.core import queries
from steward.core.models import Person
from steward.core.services.saved_views import clean_query, may_manage
from steward.core.views.patterns.base import Column

ALL = "all"


def list_key(request: HttpRequest) -> str:
    """The list page's URL name (``incidents:incident-list``): what a saved view is for."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else ""


def _session_key(key: str) -> str:
    return f"list-columns:{key}"


def chosen_columns(request: HttpRequest, columns: Sequence[Column], key: str) -> list[Column]:
    """The columns to show: ``?cols=`` (each a column key; ``all`` for every one), else the
    person's last choice on this list (kept in their session), else every column. A choice
    without any linking column keeps the first one, so each row still leads to its record."""
    wanted = request.GET.getlist("cols")
    session = getattr(request, "session", None)
    if wanted and session is not None:
        if ALL in wanted:
            session.pop(_session_key(key), None)
        else:
            session[_session_key(key)] = wanted
    elif session is not None:
        wanted = session.get(_session_key(key), [])
    if not wanted or ALL in wanted:
        return list(columns)
    shown = [c for c in columns if c.key in wanted]
    if not any(c.link or c.url for c in shown):
        first = next((c for c in columns if c.link or c.url), None)
        shown = ([first] if first else []) + shown
    return shown or list(columns)


def column_choices(columns: Sequence[Column], shown: Sequence[Column]) -> list[dict[str, Any]]:
    keys = {c.key for c in shown}
    return [{"key": c.key, "label": c.label, "shown": c.key in keys} for c in columns]


def saved_views_menu(
    actor: Person, request: HttpRequest, key: str, shown: Sequence[Column], all_count: int
) -> dict[str, Any]:
    """The saved-views menu of a list: the views the person may use (own and their
    groups'), each with its URL, which one is open, and the current state to save."""
    views = list(queries.saved_views_for(actor, key))
    current = request.GET.get("view", "")
    path = request.path
    entries = []
    for view in views:
        params = view.query
        extra = urlencode([("cols", c) for c in view.columns] or [("cols", ALL)])
        query = "&".join(part for part in (params, extra, f"view={view.pk}") if part)
        entries.append(
            {
                "view": view,
                "url": f"{path}?{query}",
                "active": str(view.pk) == current,
                "shared": view.group_id is not None,
                "mine": view.owner_id == actor.pk,
                "manage": may_manage(actor, view),
            }
        )
    columns = [c.key for c in shown] if len(shown) < all_count else []
    return {
        "saved_views": entries,
        "current_view": next((e for e in entries if e["active"]), None),
        "save_query": clean_query(request.GET.urlencode()),
        "save_columns": columns,
        "my_groups": list(
            actor.group_memberships.select_related("group").values_list("group_id", "group__name")
        ),
    }
