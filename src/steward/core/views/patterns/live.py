"""Live updates for list and record pages (``core.live``; docs/ARCHITECTURE.md "Live
updates"). A page with ``live = True`` draws its baseline into data- attributes
(``core/partials/live_list.html``, ``core/partials/live_record.html``); steward.js asks
the page's own URL with ``?_live=1`` every ``STEWARD_LIVE_SECONDS`` while the tab is
visible, and the view answers JSON instead of the page. Being the same view, the poll
sees exactly what the page sees: the same query restricted to the actor (404 for a
record they may not see), the same filters, sort and page. The poll carries the header
``X-Steward-Live: 1`` (without it the URL is the page as usual)."""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, JsonResponse

from steward.core import live
from steward.core import queries as core_queries
from steward.core.services.presence import presence_leave, presence_touch

LIVE_PARAM = "_live"
# Sent by steward.js with every poll. A poll records presence, so it must not be made by
# another site: an <img> or a form cannot set a header, and a cross-origin fetch with
# one needs a CORS preflight, which Steward never grants.
LIVE_HEADER = "X-Steward-Live"


def is_poll(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and request.GET.get(LIVE_PARAM) == "1"
        and request.headers.get(LIVE_HEADER) == "1"
    )


def _answer(data: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _whole(value: str | None) -> int | None:
    """A page's version or entry id: "" or missing is 0, else ASCII digits (never a 500)."""
    if not value:
        return 0
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _bad(name: str) -> JsonResponse:
    return _answer({"errors": {name: ["Give a whole number."]}}, status=400)


class LiveListMixin:
    """For ``RecordListView``: ``live = True`` makes the list reload its results region
    when what it shows changed."""

    live = False
    request: HttpRequest

    def live_context(self, paginator: Paginator, objects: list[Model]) -> dict[str, Any]:
        if not self.live:
            return {}
        model = paginator.object_list.model
        return {
            "token": live.list_token(model),
            "fingerprint": live.fingerprint(objects, _count(paginator)),
            "interval": live.interval_ms(),
        }

    def live_answer(self, qs: QuerySet, paginator_class: type[Paginator]) -> JsonResponse:
        token = live.list_token(qs.model)
        if token and token == self.request.GET.get("token"):
            return _answer({"changed": False, "token": token})
        paginator = paginator_class(qs, self.page_size())  # type: ignore[attr-defined]
        page = paginator.get_page(self.request.GET.get("page"))
        now = live.fingerprint(self.prepare_live(list(page.object_list)), _count(paginator))
        return _answer(
            {
                "changed": now != self.request.GET.get("fingerprint"),
                "token": token,
                "fingerprint": now,
            }
        )

    def prepare_live(self, objects: list[Model]) -> list[Model]:
        return objects


def _count(paginator: Paginator) -> Any:
    return getattr(paginator, "count_text", None) or paginator.count


class LiveRecordMixin:
    """For ``RecordDetailView``: ``live = True`` shows who else (staff) has the record open
    and a "This request was updated by Dana Desk. Reload" notice when someone else changed
    it; the page itself is never replaced under the person's hands."""

    live = False
    request: Any
    actor: Any

    def live_kind(self) -> str:
        return str(getattr(self, "kind_label", "") or "record").lower()

    def live_context(self, obj: Model) -> dict[str, Any]:
        if not self.live:
            return {}
        presence_touch(actor=self.actor, record=obj)
        return {
            **live.record_token(obj, self.actor),
            "interval": live.interval_ms(),
            "presence": live.presence_rows(core_queries.presence_for(self.actor, obj)),
        }

    def live_answer(self) -> JsonResponse:
        obj = self.get_object()  # type: ignore[attr-defined]
        version, entry = (
            _whole(self.request.GET.get("version")),
            _whole(self.request.GET.get("entry")),
        )
        if version is None:
            return _bad("version")
        if entry is None:
            return _bad("entry")
        if self.request.GET.get("leave") == "1":
            presence_leave(actor=self.actor, record=obj)
            return _answer({"left": True})
        presence_touch(actor=self.actor, record=obj, editing=self.request.GET.get("editing") == "1")
        changes = live.record_changes(obj, self.actor, version or 0, entry or 0)
        changes["presence"] = live.presence_rows(core_queries.presence_for(self.actor, obj))
        if changes["changed"]:
            changes["message"] = live.changed_text(self.live_kind(), changes["by"])
        return _answer(changes)
