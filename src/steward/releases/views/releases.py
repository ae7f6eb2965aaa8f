"""Pages: releases (seed 003 ch. 10): the list, the record page (its sections come from
each topic: ``views/sections.py``) and the step URLs of ``actions.RELEASE``."""

from importlib import import_module
from typing import Any

from django.urls import reverse, reverse_lazy

from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.actions import ranked
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ServiceFormView,
    action_urls,
    header_buttons,
)
from steward.core.views.patterns.selects import Select
from steward.releases.actions import RELEASE
from steward.releases.choices import HandlingStatus
from steward.releases.filters.releases import ReleaseFilterSet
from steward.releases.forms.releases import ReleaseEditForm, ReleaseRegisterForm, edit_initial
from steward.releases.models import Release
from steward.releases.queries import releases as queries
from steward.releases.services import releases as svc
from steward.releases.views.sections import LIST_LINKS, SECTIONS
from steward.service_level.queries import services_for

TONES.update(
    {
        "backlog": "grey",
        "justification": "amber",
        "coordination": "blue",
        "abandoned": "red",
    }
)


def person(who: Any) -> str | None:
    return who.display_name if who else None


def when(value: Any) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M") if value else None


def money(value: Any) -> str | None:
    return f"{value:,.2f}" if value is not None else None


class ReleaseListView(RecordListView):
    permission = svc.VIEW
    template_name = "releases/release_list.html"
    title = "Releases"
    query = queries.releases_for
    filterset_class = ReleaseFilterSet
    default_sort = "-number"
    create_url_name = "releases:release-create"
    create_permission = svc.COORDINATE
    create_label = "Register a release"
    primary_filters = ("q", "show", "mine", "status", "service")
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("title", "Title", sort="title", link=True),
        Column("service", "Service", value="service.name", sort="service__name"),
        Column("type", "Type", value=lambda r: r.get_release_type_display(), classes="hide-sm"),
        STATUS_COLUMN,
        Column("rfcs", "Requests", value="rfc_count", sort="rfc_count", classes="num"),
        Column(
            "start",
            "Deployment",
            value=lambda r: r.planned_start.strftime("%Y-%m-%d") if r.planned_start else "",
            sort="planned_start",
            classes="nowrap hide-sm",
        ),
    )

    def get_queryset(self) -> Any:
        return queries.with_rfc_counts(super().get_queryset())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["header_links"] = [
            {"label": label, "url": reverse(name)}
            for label, name, permission in LIST_LINKS
            if permissions.has(self.actor, permission)
        ]
        return context

    def restrict_filters(self, filterset: Any) -> None:
        fields = filterset.form.fields
        services = services_for(self.actor).order_by("name").values_list("pk", "name")
        fields["service"].widget = Select(choices=[("", "Any"), *services])
        fields["service"].label = "Service"


class ReleaseDetailView(RecordDetailView):
    permission = svc.VIEW
    template_name = "releases/release_detail.html"
    query_one = queries.release_for
    status_field = "status"
    list_url_name = "releases:release-list"
    note_permission = svc.VIEW
    accepts_attachments = True

    def get_title(self, obj: Release) -> str:
        return obj.title

    def get_fields(self, obj: Release) -> list[Field]:
        if obj.is_backlog:
            return [
                Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
                Field("Description", obj.description, wide=True),
            ]
        return [
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field("Type", obj.get_release_type_display()),
            Field("Release coordinator", person(obj.coordinator)),
            Field("Defined by", obj.cab_meeting.number if obj.cab_meeting_id else
                  ("A CAB meeting" if obj.cab_defined else "The release coordinator"),
                  url=obj.cab_meeting.get_absolute_url() if obj.cab_meeting_id else None),
            Field("Deployment starts", when(obj.planned_start)),
            Field("Deployment ends", when(obj.planned_end)),
            Field("In production by", when(obj.target_date)),
            Field("In production since", when(obj.production_at)),
            Field("Estimated cost", money(obj.estimated_cost)),
            Field("Available budget", money(obj.available_budget)),
            Field("Budget reference", obj.budget_reference or None),
            Field("Business justification", obj.get_justification_display()),
            Field("Description", obj.description, wide=True),
            Field("High-level implementation plan", obj.plan_notes, wide=True),
            Field("Rollback plan", obj.rollback_plan, wide=True),
        ]  # fmt: skip

    def get_actions(self, obj: Release) -> list[Any]:
        edit = []
        if obj.status not in svc.ENDED and not obj.is_backlog:
            url = reverse("releases:release-edit", args=[obj.pk])
            edit = [Action("Edit", url, svc.COORDINATE)]
        pages = [b for b in header_buttons(RELEASE, self.actor, obj) if b.method != "post"]
        return edit + pages

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        release = context["record"]
        panel = RELEASE.panel(
            self.actor, release, failed=kwargs.get("failed_action", ""),
            form=kwargs.get("failed_form"),
        )  # fmt: skip
        context["panel"] = panel
        entries = [*panel["buttons"], *panel["steps"]]
        first = next((e["action"].key for e in entries if e["action"].style == "primary"), None)
        context.update(ranked(panel, first))
        sections = []
        for template, spec in SECTIONS:
            module, name = spec.split(":")
            context.update(getattr(import_module(module), name)(self.request, release))
            sections.append(template)
        context["release_sections"] = sections
        return context


class ReleaseRegisterView(ServiceFormView):
    """Proc. 2: register a release."""

    permission = svc.COORDINATE
    form_class = ReleaseRegisterForm
    title = "Register a release"
    submit_label = "Register"
    success_message = "Release registered."
    cancel_url = reverse_lazy("releases:release-list")

    def perform(self, form: ReleaseRegisterForm) -> Any:
        return svc.release_register(actor=self.actor, **form.service_kwargs())


class ReleaseEditView(RecordEditView):
    permission = svc.COORDINATE
    query_one = queries.release_for
    form_class = ReleaseEditForm
    title_format = "Edit {obj.number} {obj.title}"
    success_message = "Release saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return edit_initial(self.get_object())

    def perform(self, form: ReleaseEditForm) -> Any:
        return self.update_record(form, svc.release_update, "release_id", data=form.service_data())


def requests_section(request: Any, release: Release) -> dict[str, Any]:
    """The requests for change in the release (or waiting in the backlog release)."""
    handlings = release.rfc_handlings.select_related("rfc", "rfc__requested_by").order_by(
        "rfc__number"
    )
    if release.is_backlog:  # those the CAB rejected keep the backlog as their last release
        handlings = handlings.filter(status=HandlingStatus.CAB_LIST)
    return {"release_requests": list(handlings)}


urlpatterns = [
    *record_paths(
        "releases",
        "release",
        list=ReleaseListView,
        create=ReleaseRegisterView,
        detail=ReleaseDetailView,
        edit=ReleaseEditView,
    ),
    *action_urls(RELEASE, page=ReleaseDetailView),
]
