"""Pages of Configuration Management (seed 003 ch. 4); one module per topic, named as in
services/, queries/, filters/, api/ and forms/.

The buttons of the record pages are declared in the area's action tables
(``steward.configuration.actions``, URLs through ``core.views.patterns.action_urls``).
``record_paths`` gives the usual list/new/detail/edit URLs of a record type."""

from django.urls import URLPattern, path
from django.views import View

ROUTES = {"list": "", "create": "new/", "detail": "<int:pk>/", "edit": "<int:pk>/edit/"}


def record_paths(prefix: str, name: str, **views: type[View]) -> list[URLPattern]:
    """The usual pages of a record type, for the kinds given (``list``, ``create``,
    ``detail``, ``edit``): ``<prefix>/``, ``new/``, ``<pk>/``, ``<pk>/edit/``, named
    ``<name>-<kind>``."""
    return [
        path(f"{prefix}/{ROUTES[kind]}", view.as_view(), name=f"{name}-{kind}")
        for kind, view in views.items()
    ]
