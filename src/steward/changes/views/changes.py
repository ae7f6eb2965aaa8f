"""Pages: changes (seed 003 ch. 3): the list, the record page (its sections come from each
topic: ``views/sections.py``) and the step URLs of ``actions.CHANGE``."""

from importlib import import_module
from typing import Any

from steward.changes.actions import CHANGE
from steward.changes.filters.changes import ChangeFilterSet
from steward.changes.models import Change
from steward.changes.queries import changes as queries
from steward.changes.services import changes as svc
from steward.changes.views.sections import SECTIONS
from steward.configuration.views import record_paths
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Column,
    Field,
    RecordDetailView,
    RecordListView,
    action_urls,
    header_buttons,
)

TONES.update(
    {
        "registered": "blue",
        "risk_analysis": "blue",
        "planning": "blue",
        "approval": "amber",
        "implementation": "amber",
        "production_test": "amber",
        "backed_out": "red",
    }
)


def _window(change: Change) -> str:
    if not change.planned_start:
        return ""
    start = change.planned_start.strftime("%Y-%m-%d %H:%M")
    end = change.planned_end.strftime("%Y-%m-%d %H:%M") if change.planned_end else "?"
    return f"{start} - {end}"


class ChangeListView(RecordListView):
    permission = svc.VIEW
    title = "Changes"
    query = queries.changes_for
    filterset_class = ChangeFilterSet
    default_sort = "-number"
    primary_filters = ("q", "status", "change_type", "category")
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("title", "Title", sort="title", link=True),
        Column("type", "Type", value=lambda c: c.get_change_type_display(), sort="change_type"),
        Column("service", "Service", value="service.name", sort="service__name"),
        STATUS_COLUMN,
        Column("window", "Window", value=_window, sort="planned_start", classes="nowrap"),
        Column("coordinator", "Coordinator", value="coordinator.display_name", classes="hide-sm"),
    )

    def restrict_filters(self, filterset: Any) -> None:
        for name in ("service", "coordinator", "ci"):
            filterset.form.fields.pop(name, None)


def person(who: Any) -> str | None:
    return who.display_name if who else None


def _section(spec: str) -> Any:
    module, name = spec.split(":")
    return getattr(import_module(module), name)


class ChangeDetailView(RecordDetailView):
    permission = svc.VIEW
    template_name = "changes/change_detail.html"
    query_one = queries.change_for
    status_field = "status"
    list_url_name = "changes:change-list"
    note_permission = svc.COORDINATE
    accepts_attachments = True

    def get_title(self, obj: Change) -> str:
        return obj.title

    def get_fields(self, obj: Change) -> list[Field]:
        return [
            Field("Type", obj.get_change_type_display()),
            Field("Category", obj.get_category_display()),
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field("Change coordinator", person(obj.coordinator)),
            Field("Requested by", person(obj.requested_by)),
            Field("Implementation window", _window(obj) or None),
            Field("Risk", obj.get_risk_level_display() or None),
            Field("Description", obj.description, wide=True),
            Field("Implementation plan", obj.plan, wide=True),
            Field("Backout plan", obj.backout_plan, wide=True),
        ]

    def get_actions(self, obj: Change) -> list[Any]:
        return header_buttons(CHANGE, self.actor, obj)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        change = context["record"]
        context["panel"] = CHANGE.panel(
            self.actor,
            change,
            failed=kwargs.get("failed_action", ""),
            form=kwargs.get("failed_form"),
        )
        sections = []
        for template, spec in SECTIONS:
            part = _section(spec)(self.request, change)
            context.update(part)
            sections.append(template)
        context["change_sections"] = sections
        return context


urlpatterns = [
    *record_paths("changes", "change", list=ChangeListView, detail=ChangeDetailView),
    *action_urls(CHANGE, page=ChangeDetailView),
]


def impact_section(request: Any, change: Change) -> dict[str, Any]:
    """The risk and impact part of the change page's context (views/sections.py)."""
    return {}
