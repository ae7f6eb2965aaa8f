"""Saving, renaming and deleting a list page's saved views (the menu of every list page,
``core/partials/list_tools.html``), through ``core/services/saved_views``."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme

from steward.core.errors import StaleVersion
from steward.core.ids import parse_id
from steward.core.services import saved_views as svc
from steward.core.views.patterns import ServicePostView


def _back(request: HttpRequest) -> str:
    wanted = request.POST.get("next", "")
    ok = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if ok and wanted.startswith("/") else "/"


class SavedViewPost(ServicePostView):
    permission = "core.access"

    def get_success_url(self) -> str:
        return getattr(self, "_next", None) or _back(self.request)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().post(request, *args, **kwargs)
        except (PermissionDenied, StaleVersion) as exc:
            messages.error(request, str(exc) or "You may not change this view.")
            return HttpResponseRedirect(_back(request))


class SavedViewCreateView(SavedViewPost):
    def perform(self) -> str:
        data = self.request.POST
        view = svc.saved_view_create(
            actor=self.actor,
            list_key=data.get("list_key", ""),
            name=data.get("name", ""),
            query=data.get("query", ""),
            columns=data.getlist("columns"),
            group=data.get("group") or None,
        )
        columns = "&".join(f"cols={c}" for c in view.columns) or "cols=all"
        base = _back(self.request).split("?")[0]
        self._next = f"{base}?{view.query}&{columns}&view={view.pk}".replace("?&", "?")
        shared = f", shared with {view.group.name}" if view.group_id else ""
        return f"View “{view.name}” saved{shared}."


class SavedViewUpdateView(SavedViewPost):
    def perform(self, pk: int) -> str:
        data = self.request.POST
        changes: dict[str, Any] = {}
        if "name" in data:
            changes["name"] = data["name"]
        if "query" in data:
            changes["query"] = data["query"]
            changes["columns"] = data.getlist("columns")
        view = svc.saved_view_update(
            actor=self.actor,
            view_id=pk,
            data=changes,
            expected_version=parse_id(data.get("lock_version")),
        )
        return f"View “{view.name}” saved."


class SavedViewDeleteView(SavedViewPost):
    def perform(self, pk: int) -> str:
        svc.saved_view_delete(actor=self.actor, view_id=pk)
        return "View deleted."


urlpatterns = [
    path("saved-views/", SavedViewCreateView.as_view(), name="saved-view-create"),
    path("saved-views/<int:pk>/", SavedViewUpdateView.as_view(), name="saved-view-update"),
    path("saved-views/<int:pk>/delete/", SavedViewDeleteView.as_view(), name="saved-view-delete"),
]
