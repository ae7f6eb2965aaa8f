"""Pages: requests for change with Release Management (seed 003 ch. 10 proc. 1): the
queue (open by default), a request's handling page with the release coordinator's review
(``actions.HANDLING``), and the button receiving requests handed over before Release
Management could receive them."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from steward.configuration.views import record_paths
from steward.core.actions import ranked
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Column,
    Field,
    RecordDetailView,
    RecordListView,
    action_urls,
)
from steward.core.views.patterns.selects import Select
from steward.releases.actions import HANDLING
from steward.releases.filters.handling import HandlingFilterSet
from steward.releases.forms.handling import CONDITION_LABELS
from steward.releases.models import RfcHandling
from steward.releases.queries import releases as queries
from steward.releases.services import handling as handling_svc
from steward.releases.services import releases as svc
from steward.releases.views.releases import money, person, when
from steward.service_level.queries import services_for

TONES.update({"received": "blue", "cab_list": "amber", "in_release": "purple",
              "passed_back": "grey", "fulfilled": "green", "unmet": "red"})  # fmt: skip
LIST = reverse_lazy("releases:handling-list")


def _answer(value: bool | None) -> str:
    return {True: "Yes", False: "No"}.get(value, "Not answered")  # type: ignore[arg-type]


def _release(h: RfcHandling) -> str:
    return h.release.number if h.release_id else ""


class HandlingListView(RecordListView):
    permission = svc.VIEW
    title = "Requests for change"
    query = queries.handlings_for
    filterset_class = HandlingFilterSet
    default_sort = "-received_at"
    primary_filters = ("q", "show", "status", "service")
    empty_text = "No request for change matches these filters."
    columns = (
        Column("number", "RFC", value="rfc.number", sort="rfc__number", link=True,
               classes="nowrap"),
        Column("title", "Title", value="rfc.title", sort="rfc__title", link=True),
        Column("service", "Service", value="service.name", sort="service__name"),
        Column("requested_by", "Requested by", value="rfc.requested_by.display_name",
               classes="hide-sm"),
        STATUS_COLUMN,
        Column("received_at", "Received", value=lambda h: when(h.received_at) or "",
               sort="received_at", classes="nowrap"),
        Column("release", "Release", value=_release, classes="nowrap hide-sm"),
    )  # fmt: skip

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Open requests until the person asks for something else (the API lists all).
        if "show" not in request.GET and "status" not in request.GET:
            request.GET = request.GET.copy()
            request.GET["show"] = "open"
        return super().get(request, *args, **kwargs)

    def restrict_filters(self, filterset: Any) -> None:
        fields = filterset.form.fields
        services = services_for(self.actor).order_by("name").values_list("pk", "name")
        fields["service"].widget = Select(choices=[("", "Any"), *services])
        fields["service"].label = "Service"
        for name in ("release", "rfc", "coordinator"):
            fields.pop(name, None)


class HandlingDetailView(RecordDetailView):
    permission = svc.VIEW
    template_name = "releases/handling_detail.html"
    query_one = queries.handling_for
    status_field = "status"
    list_url_name = "releases:handling-list"
    note_permission = svc.VIEW
    kind_label = "Request for change with Release Management"

    def get_title(self, obj: RfcHandling) -> str:
        return f"{obj.rfc.number} {obj.rfc.title}"

    def get_fields(self, obj: RfcHandling) -> list[Field]:
        rfc, release = obj.rfc, obj.release
        reviewed = obj.decided_at is not None
        return [
            Field("Request for change", rfc.number, url=rfc.get_absolute_url()),
            Field("Source", rfc.get_source_display()),
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field("Requested by", person(rfc.requested_by)),
            Field("Wanted by", when(rfc.wanted_by)),
            Field("Received", when(obj.received_at)),
            Field("Comes from", rfc.origin_reference or None),
            Field("CAB approval required", _answer(obj.cab_required) if reviewed else None),
            Field("Effort (hours)", f"{obj.effort_hours}" if obj.effort_hours is not None
                  else None),
            Field("Cost", money(obj.cost)),
            Field("Reviewed by", person(obj.coordinator)),
            Field("Reviewed", when(obj.decided_at)),
            Field("Release", f"{release.number} {release.title}" if release else None,
                  url=release.get_absolute_url() if release else None),
            Field("Description", rfc.description, wide=True),
            Field("Review note", obj.decision_note, wide=True),
        ]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        handling = context["record"]
        panel = HANDLING.panel(
            self.actor, handling, failed=kwargs.get("failed_action", ""),
            form=kwargs.get("failed_form"),
        )  # fmt: skip
        context["panel"] = panel
        context.update(ranked(panel, "review"))
        # The seed's conditions side by side: as the change coordinator answered them when
        # handing the request over, and as the release coordinator assessed them (proc. 1).
        reviewed = handling.decided_at is not None
        context["assessment"] = [
            (label, _answer(getattr(handling.rfc, name)),
             _answer(getattr(handling, name)) if reviewed else "")
            for name, label in CONDITION_LABELS.items()
        ]  # fmt: skip
        context["assessment_reviewed"] = reviewed
        if handling.status == "cab_list":
            context["cab_meeting_text"] = handling_svc.next_meeting_text(handling.service)
        return context


urlpatterns = [
    *record_paths("releases/requests", "handling", list=HandlingListView,
                  detail=HandlingDetailView),
    *action_urls(HANDLING, page=HandlingDetailView),
]  # fmt: skip
