"""Pages of the monitoring sources (seed 003 ch. 6): list, record page with how to send
events (the endpoint of its format and ready-to-paste examples), register, edit, rotate
the token, deactivate and activate (``actions.SOURCE``).

A token exists in one answer only: the page drawn after registering or rotating (not a
redirect, ``Cache-Control: no-store``); Steward keeps its digest."""

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.views import View

from steward.core.views.patterns import (
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ServiceFormView,
    StewardPageMixin,
    action_urls,
    apply_errors,
    header_buttons,
)
from steward.events.actions import SOURCE
from steward.events.choices import SourceKind
from steward.events.filters.sources import EventSourceFilterSet
from steward.events.forms.sources import SourceEditForm, SourceForm, source_initial
from steward.events.models import EventSource
from steward.events.queries import sources as queries
from steward.events.services import sources as svc

TOKEN_PLACEHOLDER = "<the source's token>"


@dataclass(frozen=True)
class Example:
    """One ready-to-paste way of sending events, for a source's page."""

    title: str
    text: str
    note: str = ""


def _generic(endpoint: str, token: str) -> list[Example]:
    event = {"resource": "web-01", "event_type": "HostDown", "severity": "critical",
             "summary": "web-01 does not answer ping", "attributes": {"site": "dc1"}}  # fmt: skip
    curl = (
        f"curl -X POST '{endpoint}' \\\n"
        f"  -H 'Authorization: Bearer {token}' \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        f"  -d '{json.dumps(event)}'"
    )
    return [
        Example("One event with curl", curl,
                'A batch is a list, or {"events": [...]}. "status": "resolved" clears it.'),
    ]  # fmt: skip


def _alertmanager(endpoint: str, token: str) -> list[Example]:
    yaml = (
        "receivers:\n"
        "  - name: steward\n"
        "    webhook_configs:\n"
        f"      - url: {endpoint}\n"
        "        send_resolved: true\n"
        "        http_config:\n"
        "          authorization:\n"
        "            type: Bearer\n"
        f"            credentials: {token}\n"
        "route:\n"
        "  receiver: steward\n"
    )
    return [Example("Alertmanager receiver (alertmanager.yml)", yaml,
                    "Keep send_resolved on: a resolved alert clears its event.")]  # fmt: skip


ZABBIX_PARAMETERS = [
    ("event_id", "{EVENT.ID}"), ("event_value", "{EVENT.VALUE}"),
    ("event_severity", "{EVENT.SEVERITY}"), ("host", "{HOST.NAME}"),
    ("trigger_id", "{TRIGGER.ID}"), ("event_name", "{EVENT.NAME}"),
    ("event_date", "{EVENT.DATE}"), ("event_time", "{EVENT.TIME}"),
    ("tags", "{EVENT.TAGSJSON}"), ("event_opdata", "{EVENT.OPDATA}"),
]  # fmt: skip


def _zabbix(endpoint: str, token: str) -> list[Example]:
    parameters = "\n".join(
        [f"url = {endpoint}", f"token = {token}"]
        + [f"{name} = {macro}" for name, macro in ZABBIX_PARAMETERS]
    )
    script = (
        "var p = JSON.parse(value), req = new HttpRequest();\n"
        "req.addHeader('Content-Type: application/json');\n"
        "req.addHeader('Authorization: Bearer ' + p.token);\n"
        "var url = p.url; delete p.url; delete p.token;\n"
        "try { p.tags = JSON.parse(p.tags); } catch (e) { p.tags = []; }\n"
        "var answer = req.post(url, JSON.stringify(p));\n"
        "if (req.getStatus() != 202) { throw 'Steward answered ' + req.getStatus() + ': ' + answer; }\n"
        "return 'OK';"
    )
    return [
        Example("Zabbix media type (Webhook): parameters", parameters,
                "Alerts > Media types > Create media type, type Webhook; then a user with "
                "this media and an action sending problems and recoveries to it."),
        Example("Zabbix media type: script", script),
    ]  # fmt: skip


EXAMPLES = {SourceKind.GENERIC: _generic, SourceKind.ALERTMANAGER: _alertmanager,
            SourceKind.ZABBIX: _zabbix}  # fmt: skip


def source_examples(source: EventSource, endpoint: str, token: str = "") -> list[Example]:
    """How to send events for the source's format, with its token when given (the page
    after registering or rotating) or a placeholder (never the token: it is not kept)."""
    make = EXAMPLES.get(source.kind, _generic)
    return make(endpoint, token or TOKEN_PLACEHOLDER)


def endpoint_url(request: HttpRequest, source: EventSource) -> str:
    return request.build_absolute_uri(queries.endpoint_path(source.kind))


def token_page(request: HttpRequest, source: EventSource, token: str, title: str) -> HttpResponse:
    """The one answer that shows the token, never cached."""
    endpoint = endpoint_url(request, source)
    context = {"title": title, "source": source, "token": token, "endpoint": endpoint,
               "examples": source_examples(source, endpoint, token)}  # fmt: skip
    response = render(request, "events/source_token.html", context)
    response["Cache-Control"] = "no-store"
    return response


class SourceListView(RecordListView):
    permission = svc.VIEW
    title = "Event sources"
    query = queries.sources_for
    filterset_class = EventSourceFilterSet
    default_sort = "name"
    create_url_name = "events:source-create"
    create_permission = svc.MANAGE
    create_label = "Register a source"
    primary_filters = ("q", "kind", "is_active")
    columns = (
        Column("name", "Name", sort="name", link=True),
        Column("kind", "Format", value="get_kind_display", sort="kind"),
        Column("active", "Active", value=lambda s: "Yes" if s.is_active else "No",
               sort="is_active"),
        Column("token", "Token", value=lambda s: f"{s.token_hint}…", classes="nowrap"),
        Column("operator", "Operator", value="operator.display_name", classes="hide-sm"),
        Column("rate", "Rate limit (events/s)", value="rate_limit", sort="rate_limit",
               classes="num hide-sm"),
    )  # fmt: skip


class SourceDetailView(RecordDetailView):
    permission = svc.VIEW
    template_name = "events/source_detail.html"
    query_one = queries.source_for
    list_url_name = "events:source-list"
    kind_label = "Event source"
    note_permission = svc.VIEW

    def get_title(self, obj: EventSource) -> str:
        return obj.name

    def get_fields(self, obj: EventSource) -> list[Field]:
        return [
            Field("Format", obj.get_kind_display()),
            Field("Active", "Yes" if obj.is_active else "No: its events are refused"),
            Field(
                "Token",
                f"{obj.token_hint}… (issued {obj.token_created_at:%Y-%m-%d %H:%M})"
                if obj.token_created_at
                else f"{obj.token_hint}…",
            ),
            Field(
                "Operator",
                obj.operator.display_name if obj.operator else None,
                url=obj.operator.get_absolute_url() if obj.operator else "",
            ),
            Field("Support group", obj.support_group.name if obj.support_group else None),
            Field("Rate limit", f"{obj.rate_limit:,} events per second"),
            Field("Description", obj.description or None, wide=True),
        ]

    def get_actions(self, obj: EventSource) -> list[Any]:
        return [
            Action("Edit", reverse("events:source-edit", args=[obj.pk]), svc.MANAGE),
            Action("Rotate the token", reverse("events:source-rotate-token", args=[obj.pk]),
                   svc.MANAGE, method="post",
                   confirm="Issue a new token? The current one stops working within seconds."),
            *header_buttons(SOURCE, self.actor, obj),
        ]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        source = context["record"]
        endpoint = endpoint_url(self.request, source)
        context.update(source_endpoint=endpoint, source_examples=source_examples(source, endpoint))
        return context


class SourceCreateView(ServiceFormView):
    """Ch. 6: register a source; the answer shows its token, this once."""

    permission = svc.MANAGE
    form_class = SourceForm
    title = "Register an event source"
    submit_label = "Register"
    cancel_url = reverse_lazy("events:source-list")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                source, token = svc.source_create(actor=self.actor, **form.service_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return token_page(request, source, token, f"Source “{source.name}” registered")
        return self.render_form(form, status=400)


class SourceEditView(RecordEditView):
    permission = svc.MANAGE
    query_one = queries.source_for
    form_class = SourceEditForm
    title_format = "Edit {obj.name}"
    success_message = "Source saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return source_initial(self.get_object())

    def perform(self, form: SourceEditForm) -> Any:
        return self.update_record(form, svc.source_update, "source_id", data=form.service_data())


class SourceRotateTokenView(StewardPageMixin, View):
    """Ch. 6: a new token for the source, shown in this answer only."""

    http_method_names = ["post"]
    permission = svc.MANAGE

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        source = queries.source_for(self.actor, pk)
        token = svc.source_rotate_token(actor=self.actor, source_id=source.pk)
        source.refresh_from_db()
        return token_page(request, source, token, f"New token for “{source.name}”")


urlpatterns = [
    path("events/sources/", SourceListView.as_view(), name="source-list"),
    path("events/sources/new/", SourceCreateView.as_view(), name="source-create"),
    path("events/sources/<int:pk>/", SourceDetailView.as_view(), name="source-detail"),
    path("events/sources/<int:pk>/edit/", SourceEditView.as_view(), name="source-edit"),
    path("events/sources/<int:pk>/rotate-token/", SourceRotateTokenView.as_view(),
         name="source-rotate-token"),
    *action_urls(SOURCE, page=SourceDetailView, prefix="events/sources"),
]  # fmt: skip
