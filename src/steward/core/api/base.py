"""Base viewset every area's API builds on."""

from typing import Any

from rest_framework import viewsets


class StewardViewSet(viewsets.GenericViewSet):
    """Base for every resource: the queryset comes from the area's ``queries`` for the actor.

    Subclasses set ``query`` (``people_for``-style function), ``view_permission``, and
    implement ``create``/``update`` by calling services; nothing here writes.
    """

    query: Any = None
    view_permission: str | None = None
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):  # type: ignore[override]
        return type(self).query(self.request.user)
