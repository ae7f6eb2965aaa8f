"""The record page's "Handling" panel (issue 13): status, priority, group, assignee and
configuration items edited in place (``core.views.patterns.InlineEditView``), each saved
through its service from the version the person saw (a stale edit is refused with the
other person's change), journalled by the service; a field the person may not change is
read-only. The status changes through the process's steps, offered in the panel. Also the
ranking of the "Next steps" (one primary action for the viewer and the request's state)
and the template filler of the reply and resolve forms."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views import View

from steward.core import permissions
from steward.core.actions import ranked
from steward.core.models import Person, TemplateKind
from steward.core.roles import is_desk
from steward.core.services import work
from steward.core.views.patterns import (
    InlineEditView,
    InlineField,
    StewardPageMixin,
    panel_rows,
)
from steward.incidents import forms as f
from steward.incidents.actions import ASSIGN, INCIDENT, WORK
from steward.incidents.choices import OPEN_STATUSES, PendingReason
from steward.incidents.choices import IncidentStatus as S
from steward.incidents.models import IncidentRequest
from steward.incidents.queries import incidents as queries
from steward.incidents.queries.templates import filled_template
from steward.incidents.services import incidents as svc
from steward.incidents.services.people import is_coordinator, may_work

PRIORITY_WORDS = {"1": "Critical", "2": "High", "3": "Medium", "4": "Low"}
# Steps that move the status, offered when the status is "changed" in the panel.
STATUS_STEPS = ("take", "resume", "pending", "resolve", "accept", "close", "reopen", "cancel")


def _words(label: str) -> str:
    """A choice's label without its number ("2 - High" → "high")."""
    return label.split(" - ", 1)[-1].lower()


def minutes_words(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


# --- What each row shows, who may change it, how it is saved -----------------------------


def _open_and(check: Any) -> Any:
    def may(actor: Person, incident: IncidentRequest) -> bool:
        return incident.status in OPEN_STATUSES and check(actor, incident)

    return may


def _may_regroup(actor: Person, incident: IncidentRequest) -> bool:
    return is_desk(actor) and permissions.has(actor, ASSIGN, incident)


def _may_reassign(actor: Person, incident: IncidentRequest) -> bool:
    return permissions.has(actor, ASSIGN, incident) and (
        is_desk(actor) or is_coordinator(actor, incident.support_group)
    )


def _status_links(actor: Person, incident: IncidentRequest) -> list[dict[str, Any]]:
    links = []
    for entry in (lambda p: [*p["buttons"], *p["steps"]])(INCIDENT.panel(actor, incident)):
        action = entry["action"]
        if action.key not in STATUS_STEPS:
            continue
        if entry["form"] is None:
            links.append({"label": action.label, "url": entry["url"], "method": "post"})
        else:
            url = f"{incident.get_absolute_url()}?step={action.key}#step-{action.key}"
            links.append({"label": f"{action.label}…", "url": url, "method": "get"})
    return links


def _save_update(name: str) -> Any:
    def save(actor: Person, incident: IncidentRequest, data: dict, version: int | None) -> Any:
        values = {k: data[k] for k in data if k in ("impact", "urgency", "cis")}
        return svc.incident_update(
            actor=actor, incident_id=incident.pk, data=values, expected_version=version
        )

    return save


def _save_assign(actor: Person, incident: IncidentRequest, data: dict, version: int | None) -> Any:
    return svc.incident_assign(
        actor=actor,
        incident_id=incident.pk,
        support_group=data.get("support_group"),
        assignee=data.get("assignee"),
        expected_version=version,
    )


def _show_cis(incident: IncidentRequest) -> dict[str, Any]:
    cis = incident.cis.select_related("ci_class").order_by("number")
    items = [
        {"text": f"{ci.number} {ci.name}", "url": ci.get_absolute_url(), "sub": ci.ci_class.name}
        for ci in cis
    ]
    return {"listed": items, "empty": "None recorded"}


def _show_group(incident: IncidentRequest) -> dict[str, Any]:
    group = incident.support_group
    return {
        "value": group.name if group else "",
        "link": group.get_absolute_url() if group else "",
        "empty": "No group yet",
    }


FIELDS = [
    InlineField(
        "status", "Status",
        show=lambda i: {"value": i.get_status_display(), "badge": i.status},
        links=_status_links,
    ),
    InlineField(
        "priority", "Priority",
        show=lambda i: {
            "value": f"P{i.priority} {PRIORITY_WORDS.get(i.priority, '')}",
            "badge": f"p{i.priority}",
            "note": f"Impact: {_words(i.get_impact_display())} · "
            f"urgency: {_words(i.get_urgency_display())}",
        },
        form=f.InlinePriorityForm, save=_save_update("priority"),
        may_edit=_open_and(may_work),
        initial=lambda i: {"impact": i.impact, "urgency": i.urgency},
        help="From impact and urgency (the priority matrix).",
    ),
    InlineField(
        "group", "Group", show=_show_group, form=f.InlineGroupForm, save=_save_assign,
        may_edit=_open_and(_may_regroup),
        initial=lambda i: {"support_group": i.support_group_id},
    ),
    InlineField(
        "assignee", "Assignee",
        show=lambda i: {
            "value": i.assignee.display_name if i.assignee_id else "", "empty": "Unassigned"
        },
        form=f.InlineAssigneeForm, save=_save_assign, may_edit=_open_and(_may_reassign),
        initial=lambda i: {"assignee": i.assignee_id},
    ),
    InlineField(
        "cis", "Configuration items", show=_show_cis, form=f.InlineCIsForm,
        save=_save_update("cis"), may_edit=_open_and(may_work),
        initial=lambda i: {"cis": list(i.cis.order_by("number"))},
    ),
    InlineField(
        "time", "Time spent",
        show=lambda i: {"value": minutes_words(work.time_total(i)) if work.time_total(i) else ""},
    ),
]  # fmt: skip


def panel_context(actor: Person, incident: IncidentRequest, editing: str = "") -> dict[str, Any]:
    """The panel as the record page draws it (``?edit=<field>`` without JavaScript)."""
    editing = editing if any(s.name == editing for s in FIELDS) else ""
    return {
        "panel_url": reverse("incidents:incident-panel", args=[incident.pk]),
        "inline_rows": panel_rows(
            FIELDS,
            actor,
            incident,
            url=lambda name: reverse("incidents:incident-panel-field", args=[incident.pk, name]),
            editing=editing,
        ),
    }


class IncidentPanelView(InlineEditView):
    """GET: the panel (a field's URL: with its form); POST to a field's URL: save it."""

    permission = WORK
    query_one = queries.incident_for
    fields = FIELDS

    def panel_url(self, record: Any) -> str:
        return reverse("incidents:incident-panel", args=[record.pk])

    def field_url(self, record: Any, name: str) -> str:
        return reverse("incidents:incident-panel-field", args=[record.pk, name])


# --- Next steps: one primary action -------------------------------------------------------


def primary_step(actor: Person, incident: IncidentRequest) -> tuple[str | None, str]:
    """The step the viewer most likely takes next (an action key, or "reply"), and why."""
    mine = incident.assignee_id == actor.pk
    if incident.status in (S.NEW, S.ASSIGNED):
        if incident.assignee_id is None or mine:
            return "take", "Nobody works on it yet." if not mine else "Assigned to you."
        return "assign", "Assigned to someone else."
    if incident.status == S.PENDING:
        if incident.pending_reason == PendingReason.AWAITING_REQUESTER:
            return "reply", "Waiting for the requester."
        return "resume", "Waiting: resume when the wait is over."
    if incident.status == S.IN_PROGRESS:
        if incident.escalation and permissions.has(actor, "incidents.incident.escalate"):
            return "handle-escalation", "Escalated to you."
        return ("resolve", "You are working on it.") if mine else ("assign", "")
    if incident.status == S.RESOLVED:
        return ("close", "Resolved: close it for the requester, or reopen.")
    return None, ""


def ranked_steps(actor: Person, incident: IncidentRequest, panel: dict[str, Any]) -> dict[str, Any]:
    key, why = primary_step(actor, incident)
    offered = {e["action"].key for e in [*panel["buttons"], *panel["steps"]]}
    link = None
    if key == "reply" and may_work(actor, incident):
        link = {"label": "Reply to the requester", "url": "#id_body"}
    if key not in offered and link is None:
        fallback = [e for e in panel["buttons"] if e["action"].style == "primary"]
        key, why = (fallback[0]["action"].key, "") if fallback else (None, "")
    result = ranked(panel, key, link=link)
    result["primary_hint"] = why if (result["primary"] or result["primary_link"]) else ""
    return result


# --- Templates on the reply and resolve forms ---------------------------------------------


class FillTemplateView(StewardPageMixin, View):
    """htmx: the reply's or resolution's text box filled from the chosen template."""

    permission = WORK

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = queries.incident_for(self.actor, pk)
        kind = request.GET.get("kind")
        target = request.GET.get("target", "")
        if (
            kind not in TemplateKind.values
            or not target.replace("-", "").replace("_", "").isalnum()
        ):
            return HttpResponse("Unknown template kind or text box.", status=400)
        name = "body" if kind == TemplateKind.REPLY else "resolution"
        text = ""
        if request.GET.get("template"):
            try:
                text = filled_template(self.actor, incident, request.GET["template"], kind).text
            except ValidationError:
                return HttpResponse(status=204)  # a template not theirs: leave the text alone
        return render(
            request,
            "incidents/partials/template_text.html",
            {"name": name, "id": target, "text": text, "rows": 4 if name == "resolution" else 3},
        )


urlpatterns = [
    path("incidents/<int:pk>/panel/", IncidentPanelView.as_view(), name="incident-panel"),
    path(
        "incidents/<int:pk>/panel/<slug:field>/",
        IncidentPanelView.as_view(),
        name="incident-panel-field",
    ),
    path(
        "incidents/<int:pk>/fill-template/",
        FillTemplateView.as_view(),
        name="incident-fill-template",
    ),
]
