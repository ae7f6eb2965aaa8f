"""Pages of Configuration Management (seed 003 ch. 4); one module per topic, named as in
services/, queries/, filters/, api/ and forms/.

``RecordButtonView`` is the one view behind every button on a record page that only calls
a service and returns with a message; each module declares its buttons (and their URLs) in
a table. ``record_paths`` gives the usual list/new/detail/edit URLs of a record type."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path
from django.views import View

from steward.core.views.patterns import StewardPageMixin


@dataclass(frozen=True)
class Button:
    """What a button does: its URL below the record's, the service it calls and the message
    when it succeeded."""

    route: str
    service: Callable[..., Any]
    done: str
    # The part of the record page to return to ("#lines").
    fragment: str = ""
    # Service arguments taken from the URL besides the record (the line to remove).
    url_args: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None


class RecordButtonView(StewardPageMixin, View):
    """A POST button on a record page: the record through ``query_one`` (404 for what the
    actor may not see), ``buttons[verb]``'s service with the record's id as ``record_arg``,
    a refusal as an error message, then back to ``record_url(record)`` (its own page).

    Like core's ``RecordTransitionView``, plus arguments from the URL and a fragment."""

    http_method_names = ["post"]
    query_one: Callable[[Any, Any], Model] | None = None
    record_arg = "record_id"
    record_url: Callable[[Any], str] | None = None
    buttons: Mapping[str, Button] = {}
    verb = ""
    # One message per refusal reason (a requisition lists every missing piece).
    split_errors = False

    @classmethod
    def urls(cls, prefix: str) -> list[URLPattern]:
        """One URL per button, ``<prefix>/<int:pk>/<route>``, named by its key."""
        return [
            path(f"{prefix}/<int:pk>/{button.route}", cls.as_view(verb=name), name=name)
            for name, button in cls.buttons.items()
        ]

    def post(self, request: HttpRequest, pk: int, **url_kwargs: Any) -> HttpResponse:
        query_one, record_url = type(self).query_one, type(self).record_url
        if query_one is None:
            raise NotImplementedError("Set query_one.")
        record = query_one(self.actor, pk)
        button = self.buttons[self.verb]
        extra = button.url_args(url_kwargs) if button.url_args else {}
        try:
            button.service(actor=self.actor, **{self.record_arg: record.pk}, **extra)
        except ValidationError as exc:
            for text in exc.messages if self.split_errors else [" ".join(exc.messages)]:
                messages.error(request, text)
        else:
            messages.success(request, button.done)
        url = record_url(record) if record_url else record.get_absolute_url()
        return HttpResponseRedirect(url + button.fragment)


ROUTES = {"list": "", "create": "new/", "detail": "<int:pk>/", "edit": "<int:pk>/edit/"}


def record_paths(prefix: str, name: str, **views: type[View]) -> list[URLPattern]:
    """The usual pages of a record type, for the kinds given (``list``, ``create``,
    ``detail``, ``edit``): ``<prefix>/``, ``new/``, ``<pk>/``, ``<pk>/edit/``, named
    ``<name>-<kind>``."""
    return [
        path(f"{prefix}/{ROUTES[kind]}", view.as_view(), name=f"{name}-{kind}")
        for kind, view in views.items()
    ]
