"""The shell's own pages: My work, global search and the profile with API tokens."""

import logging
import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views import View

from steward.core import permissions, queries, registry
from steward.core.api_auth import token_create, token_revoke, tokens_for
from steward.core.forms import TokenForm
from steward.core.models import SupportGroupMembership
from steward.core.registry import SearchHit
from steward.core.templatetags.steward import display_value, resolve, resolve_display
from steward.core.views.patterns import (
    Cell,
    Column,
    Related,
    ServicePostView,
    StewardPageMixin,
    apply_errors,
)

log = logging.getLogger(__name__)

# What a record number looks like: a prefix and digits (INC000123, CHG42).
NUMBER_RE = re.compile(r"^[A-Za-z]{1,8}\d{1,12}$")
MAX_QUERY = 200


def _row_url(row: Any) -> str:
    """Where a My work row links to: ``url`` of a dict, else ``get_absolute_url()``."""
    if isinstance(row, dict):
        return str(row.get("url", ""))
    get_url = getattr(row, "get_absolute_url", None)
    return get_url() if callable(get_url) else ""


def _text(row: Any, path: str) -> str:
    """A value from an object or dict by path, as display text."""
    if isinstance(row, dict):
        return display_value(resolve(row, path))
    return resolve_display(row, path)


def _cells(row: Any, keys: list[str]) -> list[Cell]:
    """A My work row: its first value links to the record, a status is a badge."""
    url = _row_url(row)
    cells = []
    for i, key in enumerate(keys):
        text = _text(row, key)
        link = url if i == 0 else ""
        cells.append(Cell(value=text, text=text, url=link, badge=key == "status" and not link))
    return cells


def work_card(section: registry.WorkSection) -> Related:
    """A "My work" section as the table card of record pages (columns named after the
    attribute paths: ``assigned_group.name`` → "Assigned group")."""
    keys = list(section.columns)
    columns = [Column(key, key.split(".")[0].replace("_", " ").capitalize()) for key in keys]
    table = [_cells(row, keys) for row in section.rows]
    return Related(
        section.title, section.rows, columns, section.empty_text, section.list_url, table
    )


class MyWorkView(StewardPageMixin, View):
    """What is assigned to me and my groups, my unread notifications and my groups.
    Customer-side people land on their home instead (``registry.customer_home``)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        actor = self.actor
        if registry.CUSTOMER_HOME and permissions.is_customer_side(actor):
            return HttpResponseRedirect(reverse(registry.CUSTOMER_HOME[0]))
        sections: list[registry.WorkSection] = []
        for provider in registry.WORK_PROVIDERS:
            sections.extend(provider(actor))
        unread = list(queries.notifications_for(actor).filter(read_at__isnull=True)[:8])
        members = SupportGroupMembership.objects.select_related("person").order_by(
            "person__last_name", "person__first_name"
        )
        groups = list(
            queries.groups_for(actor)
            .filter(pk__in=queries.my_group_ids(actor))
            .prefetch_related(Prefetch("memberships", queryset=members))
        )
        return render(
            request,
            "core/my_work.html",
            {
                "title": "My work",
                "sections": [work_card(s) for s in sections],
                "unread": unread,
                "groups": groups,
                "open_count": sum(len(s.rows) for s in sections),
            },
        )


def run_search(actor: Any, text: str) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for provider in registry.SEARCH_PROVIDERS:
        try:
            hits.extend(provider(actor, text))
        except Exception:
            # One broken area must not take search down for everyone; the log says which.
            log.exception("search provider %s failed", getattr(provider, "__name__", provider))
    return hits


class SearchView(StewardPageMixin, View):
    """Global search; an exact record number opens the record straight away."""

    def get(self, request: HttpRequest) -> HttpResponse:
        text = request.GET.get("q", "").strip()[:MAX_QUERY]
        hits = run_search(self.actor, text) if text else []
        if text and NUMBER_RE.match(text):
            exact = [h for h in hits if h.number and h.number.upper() == text.upper()]
            if len(exact) == 1:
                return HttpResponseRedirect(exact[0].url)
        groups: dict[str, list[SearchHit]] = {}
        for hit in hits:
            groups.setdefault(hit.kind, []).append(hit)
        return render(
            request,
            "core/search.html",
            {
                "title": f"Search: {text}" if text else "Search",
                "search_query": text,
                "groups": list(groups.items()),
                "hit_count": len(hits),
            },
        )


class ProfileView(StewardPageMixin, View):
    """My details, my roles and my API tokens (create shows the key once; revoke)."""

    def context(self, form: TokenForm | None = None, new_key: str = "") -> dict[str, Any]:
        actor = self.actor
        can_tokens = permissions.has(actor, "core.token.own")
        return {
            "title": "My profile",
            "person": actor,
            "memberships": actor.memberships.select_related("organisation"),
            "roles": actor.role_assignments.select_related("scope_type"),
            "groups": actor.group_memberships.select_related("group"),
            "tokens": list(tokens_for(actor)) if can_tokens else [],
            "can_tokens": can_tokens,
            "token_form": form or TokenForm(),
            "new_key": new_key,
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "core/me.html", self.context())


class TokenCreateView(StewardPageMixin, View):
    permission = "core.token.own"
    form_class = TokenForm

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TokenForm(request.POST, actor=self.actor)
        profile = ProfileView(request=request)
        if form.is_valid():
            try:
                token, key = token_create(
                    actor=self.actor, name=form.cleaned_data["name"], expires_at=form.expires_at()
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                # Rendered, not redirected: the key exists only in this response.
                messages.success(request, f"Token “{token.name}” created.")
                response = render(request, "core/me.html", profile.context(new_key=key))
                response["Cache-Control"] = "no-store"
                return response
        return render(request, "core/me.html", profile.context(form=form), status=400)


class TokenRevokeView(ServicePostView):
    def get_success_url(self) -> str:
        return reverse("core:me") + "#tokens"

    def perform(self, pk: int) -> str:
        if not tokens_for(self.actor).filter(pk=pk).exists():
            raise Http404("No such token.")
        token = token_revoke(actor=self.actor, token_id=pk)
        return f"Token “{token.name}” revoked; it no longer works."


urlpatterns = [
    path("", MyWorkView.as_view(), name="my-work"),
    path("search/", SearchView.as_view(), name="search"),
    path("me/", ProfileView.as_view(), name="me"),
    path("me/tokens/", TokenCreateView.as_view(), name="token-create"),
    path("me/tokens/<int:pk>/revoke/", TokenRevokeView.as_view(), name="token-revoke"),
]
