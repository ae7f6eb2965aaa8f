"""The operator console (seed 003 ch. 6 proc. 1): the open events grouped by incident
request, each cause with its symptoms under it, with the handling instructions of each
event's type; acknowledge and close per event or for the ticked ones. It updates itself
(``core.live``: the page polls its own URL; an unchanged console costs one aggregate
query, ``queries.events.console_token``)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.views import View
from django.views.generic import TemplateView

from steward.configuration.queries.cis import cis_for
from steward.core import live, permissions
from steward.core.views.patterns import StewardPageMixin
from steward.core.views.patterns.live import is_poll
from steward.core.views.patterns.selects import Select
from steward.events.filters.events import ConsoleFilterSet
from steward.events.forms.console import EventBulkForm
from steward.events.models import EventSource
from steward.events.queries import events as queries
from steward.events.services.console import HANDLE, events_bulk

SEVERITY_TONES = {"critical": "red", "major": "amber", "minor": "purple", "warning": "blue",
                  "info": "grey"}  # fmt: skip


class ConsoleView(StewardPageMixin, TemplateView):
    permission = queries.VIEW
    template_name = "events/console.html"
    partial_template_name = "events/partials/console_results.html"

    def filtered(self) -> tuple[ConsoleFilterSet, Any]:
        qs = queries.console_events(self.actor)
        filterset = ConsoleFilterSet(self.request.GET or None, queryset=qs, request=self.request)
        self.restrict_filters(filterset)
        if filterset.is_bound and not filterset.is_valid():
            return filterset, None  # lists nothing and says why, never a silent drop
        return filterset, filterset.qs

    def restrict_filters(self, filterset: ConsoleFilterSet) -> None:
        fields = filterset.form.fields
        sources = EventSource.objects.order_by("name").values_list("pk", "name")
        fields["source"].widget = Select(choices=[("", "Any"), *sources])
        cis = (
            cis_for(self.actor)
            .filter(pk__in=queries.console_events(self.actor).values("ci_id"))
            .order_by("name")
            .values_list("pk", "name")
        )
        fields["ci"].widget = Select(choices=[("", "Any"), *cis])
        fields["severity"].empty_label = "Any"
        fields["severity"].widget.choices = fields["severity"].choices
        fields["hide_acknowledged"].widget = forms.CheckboxInput(
            check_test=lambda v: str(v).lower() in ("true", "on", "1")
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_poll(request):
            return self.live_answer()
        filterset, qs = self.filtered()
        groups = queries.console_groups(self.actor, qs) if qs is not None else []
        for group in groups:
            for _depth, row in group.rows:
                row.tone = SEVERITY_TONES.get(row.event.severity, "grey")
        context = self.get_context_data(
            title="Event console",
            filter_form=filterset.form,
            filter_errors=[m for ms in filterset.form.errors.values() for m in ms]
            if qs is None
            else [],
            filters_active=bool(request.GET),
            groups=groups,
            event_count=sum(g.count for g in groups),
            may_handle=permissions.has(self.actor, HANDLE),
            bulk_form=EventBulkForm(actor=self.actor),
            here=request.get_full_path(),
            live={
                "token": queries.console_token(),
                "fingerprint": queries.console_fingerprint(groups),
                "interval": live.interval_ms(),
            },
        )
        partial = getattr(request, "htmx", False) and not request.htmx.history_restore_request
        response = render(request, self.partial_template_name if partial else self.template_name,
                          context)  # fmt: skip
        patch_vary_headers(response, ["HX-Request"])
        return response

    def live_answer(self) -> JsonResponse:
        """An unchanged console: one aggregate query. A moved token: the console's rows
        again (the operator's filters applied), changed only when what they show moved."""
        token = queries.console_token()
        if token == self.request.GET.get("token"):
            return _json({"changed": False, "token": token})
        _filterset, qs = self.filtered()
        groups = queries.console_groups(self.actor, qs) if qs is not None else []
        now = queries.console_fingerprint(groups)
        changed = now != self.request.GET.get("fingerprint")
        return _json({"changed": changed, "token": token, "fingerprint": now})


def _json(data: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


class ConsoleBulkView(StewardPageMixin, View):
    """POST the console's selection: each ticked event through its own service
    (``events_bulk``); the outcome comes back as one message on the console."""

    permission = HANDLE
    http_method_names = ["post"]
    form_class = EventBulkForm

    def post(self, request: HttpRequest) -> HttpResponse:
        back = _back(request)
        form = EventBulkForm(request.POST, actor=self.actor)
        if not form.is_valid():
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label or 'Selection'}: {error}")
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        try:
            result = events_bulk(actor=self.actor, action=data["action"],
                                 event_ids=data["pick"], note=data["note"])  # fmt: skip
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
            return HttpResponseRedirect(back)
        (messages.warning if result.refused else messages.success)(request, result.summary())
        return HttpResponseRedirect(back)


def _back(request: HttpRequest) -> str:
    """The console with the operator's filters (``next``), never another site."""
    wanted = request.POST.get("next") or ""
    console = reverse("events:console")
    return wanted if wanted.startswith(console) and "//" not in wanted else console


urlpatterns = [
    path("events/", ConsoleView.as_view(), name="console"),
    path("events/selected/", ConsoleBulkView.as_view(), name="console-bulk"),
]
