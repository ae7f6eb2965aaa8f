"""Pages: requests for change (seed 003 ch. 3 proc. 1): the list ("To review" first), the
record page with the change coordinator's review (``actions.RFC``) and the submit page."""

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from steward.changes.actions import RFC
from steward.changes.filters.rfcs import RfcFilterSet
from steward.changes.forms.rfcs import CONDITION_LABELS, RfcSubmitForm
from steward.changes.models import RequestForChange
from steward.changes.queries import rfcs as queries
from steward.changes.services import rfcs as svc
from steward.configuration.views import record_paths
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Column,
    Field,
    RecordDetailView,
    RecordListView,
    ServiceFormView,
    action_urls,
)

TONES.update({"submitted": "blue", "linked": "green", "to_release": "purple"})
LIST = reverse_lazy("changes:rfc-list")


def _answer(value: bool | None) -> str:
    return {True: "Yes", False: "No"}.get(value, "Not answered")  # type: ignore[arg-type]


def _person(who: Any) -> str | None:
    return who.display_name if who else None


class RfcListView(RecordListView):
    permission = svc.VIEW
    title = "Requests for change"
    query = queries.rfcs_for
    filterset_class = RfcFilterSet
    default_sort = "-number"
    create_url_name = "changes:rfc-create"
    create_permission = svc.SUBMIT
    create_label = "Submit a request for change"
    primary_filters = ("q", "show", "status", "source")
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("title", "Title", sort="title", link=True),
        Column("source", "Source", value=lambda r: r.get_source_display(), sort="source"),
        Column("service", "Service", value="service.name", sort="service__name"),
        STATUS_COLUMN,
        Column(
            "requested_by", "Requested by", value="requested_by.display_name", classes="hide-sm"
        ),
        Column("change", "Change", value="change.number", classes="nowrap hide-sm"),
        Column("created_at", "Submitted", sort="created_at", classes="nowrap hide-sm"),
    )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # "To review" until the person asks for something else (the API lists all).
        if "show" not in request.GET:
            request.GET = request.GET.copy()
            request.GET["show"] = "to_review"
        return super().get(request, *args, **kwargs)

    def restrict_filters(self, filterset: Any) -> None:
        for name in ("service", "incident"):
            filterset.form.fields.pop(name, None)


class RfcDetailView(RecordDetailView):
    permission = svc.VIEW
    template_name = "changes/rfc_detail.html"
    query_one = queries.rfc_for
    status_field = "status"
    list_url_name = "changes:rfc-list"
    note_permission = svc.VIEW
    kind_label = "Request for change"

    def get_title(self, obj: RequestForChange) -> str:
        return obj.title

    def get_fields(self, obj: RequestForChange) -> list[Field]:
        incident = obj.incident
        change = obj.change
        return [
            Field("Source", obj.get_source_display()),
            Field("Service", obj.service.name, url=obj.service.get_absolute_url()),
            Field("Requested by", _person(obj.requested_by)),
            Field(
                "Incident request",
                incident.number if incident else None,
                url=incident.get_absolute_url() if incident else "",
            ),
            Field("Comes from", obj.origin_reference or None),
            Field("Wanted by", obj.wanted_by),
            Field("Standard change asked for", str(obj.standard_template or "") or None),
            *[
                Field(label, _answer(getattr(obj, name)))
                for name, label in CONDITION_LABELS.items()
            ],
            Field("Reviewed by", _person(obj.coordinator)),
            Field("Decided", obj.decided_at),
            Field("Rejected", obj.get_rejection_display() or None),
            Field("Policy", obj.policy.name if obj.policy else None),
            Field(
                "Change",
                change.number if change else None,
                url=change.get_absolute_url() if change else "",
            ),
            Field("Description", obj.description, wide=True),
            Field("Review note", obj.decision_note, wide=True),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        panel = RFC.panel(
            self.actor,
            context["record"],
            failed=kwargs.get("failed_action", ""),
            form=kwargs.get("failed_form"),
        )
        context.update(panel, heading="Review")
        return context


class RfcSubmitView(ServiceFormView):
    """Proc. 1: a request for change submitted by hand (an incident request, a known error,
    a release requirement document, a return-to-production request)."""

    permission = svc.SUBMIT
    form_class = RfcSubmitForm
    title = "Submit a request for change"
    submit_label = "Submit"
    success_message = "Request for change submitted: the service's change coordinators review it."
    cancel_url = LIST

    def perform(self, form: forms.Form) -> Any:
        return svc.rfc_submit(actor=self.actor, **form.data_for_service())  # type: ignore[attr-defined]


urlpatterns = [
    *record_paths(
        "requests-for-change", "rfc", list=RfcListView, create=RfcSubmitView, detail=RfcDetailView
    ),
    *action_urls(RFC, page=RfcDetailView),
]
