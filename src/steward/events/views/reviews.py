"""Pages of the event review (seed 003 ch. 6 proc. 2: ``/events/review/``) and the outage
review (proc. 3: ``/events/outage-review/``), for people holding ``events.review.perform``.

Each review page: a period (default the last 30 days), its tables, each table also as
formula-safe CSV (``?format=csv&table=<name>``). A finding's "Raise an improvement" opens
the raise form prefilled (topic, subject, source, a drafted description); once raised,
the row shows the request's number instead, until that request is resolved. An outage's
"Record finding" opens its record form with the outage's events and hints.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView

from steward.core import csvsafe
from steward.core.views.patterns import ServiceFormView, StewardPageMixin
from steward.events.choices import OutageFinding, ReviewTopic
from steward.events.forms.reviews import (
    EventReviewPeriodForm,
    ImprovementRaiseForm,
    OutageReviewRecordForm,
)
from steward.events.models import OutageReview
from steward.events.queries import reviews as queries
from steward.events.services import reviews as svc
from steward.incidents.queries.incidents import incident_for


def period_from(form: EventReviewPeriodForm) -> queries.Period | None:
    """The period the form asks for (default: the last 30 days); None with the form's
    errors."""
    if form.is_bound and not form.is_valid():
        return None
    data = form.cleaned_data if form.is_bound else {}
    try:
        return queries.period_for(data.get("period") or "", data.get("start"), data.get("end"))
    except ValidationError as error:
        names = {"from": "start", "to": "end"}
        for name, texts in error.message_dict.items():
            target = names.get(name, name)
            form.add_error(target if target in form.fields else None, texts)
        return None


def _csv(filename: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csvsafe.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _text(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _day(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


class PeriodPage(StewardPageMixin, TemplateView):
    """A review page: the period form, the tables, each table as CSV."""

    permission = queries.REVIEW
    prefix = ""

    def data(self, period: queries.Period) -> Any:
        raise NotImplementedError

    def csv_tables(self, data: Any) -> dict[str, tuple[list[str], list[list[Any]]]]:
        raise NotImplementedError

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        params = request.GET.copy()
        wanted = params.pop("format", [""])[-1]
        table = params.pop("table", [""])[-1]
        form = EventReviewPeriodForm(params or None)
        period = period_from(form)
        if period is None:
            if wanted == "csv":
                return _text(400, "; ".join(m for e in form.errors.values() for m in e))
            context = self.get_context_data(form=form, review=None)
            return self.render_to_response(context, status=400)
        data = self.data(period)
        if wanted == "csv":
            tables = self.csv_tables(data)
            if table not in tables:
                return _text(400, "Choose a table: " + ", ".join(tables) + ".")
            return _csv(f"{self.prefix}-{table}-{period.first:%Y-%m-%d}", *tables[table])
        query = urlencode({k: v for k, v in params.items() if k in form.fields})
        context = self.get_context_data(form=form, review=data, period=period, csv_query=query,
                                        back=request.get_full_path())  # fmt: skip
        return self.render_to_response(context)


# --- Event review (proc. 2) ----------------------------------------------------------------


def draft(finding: queries.Finding, period: queries.Period) -> str:
    """The description the raise form starts from: the finding's figures, in words."""
    f = finding.figures
    when = f"from {period.label}"
    if finding.topic == ReviewTopic.NOISY_MONITOR:
        share = f"{f['share']}%" if f["share"] is not None else "none"
        return (f"The monitoring job of {finding.source} sending \u201c{f['event_type']}\u201d "
                f"events generated {f['events']} events ({f['repeats']} with repeats) {when}; "
                f"{share} of them led to an incident request. Please change the job so it "
                "only raises events that need handling, or stop it.")  # fmt: skip
    if finding.topic == ReviewTopic.UNMATCHED_CI:
        return (f"{f['events']} events from {finding.source} about \u201c{f['resource']}\u201d "
                f"found no CI {when}. Please make the monitor name the CI (its name, an alias "
                "or an attribute a CI match rule reads), or register the CI.")  # fmt: skip
    if finding.topic == ReviewTopic.MISSING_INSTRUCTIONS:
        return (f"Events of type \u201c{f['code']}\u201d ({f['events']} {when}) have no "
                "handling instructions for the operators. Please write them.")  # fmt: skip
    state = "is switched off" if not f["active"] else f"correlated no event {when}"
    return (f"The correlation rule \u201c{f['name']}\u201d {state} (fired {f['fired_count']} "
            "times in all). Please check whether it is missing or ineffective.")  # fmt: skip


def raise_url(finding: queries.Finding, period: queries.Period, back: str) -> str:
    params = {"topic": finding.topic, "subject": finding.subject,
              "description": draft(finding, period), "next": back}  # fmt: skip
    if finding.source is not None:
        params["source"] = finding.source.pk
    return reverse("events:event-review-raise") + "?" + urlencode(params)


def _finding_cells(finding: queries.Finding) -> list[Any]:
    raised = finding.raised
    return [raised.incident.number if raised else "", raised.incident.status if raised else ""]


class EventReviewView(PeriodPage):
    """Procedure 2: monitors generating unnecessary events, events without a CI, event
    types without handling instructions, correlation rules that never fire."""

    template_name = "events/review.html"
    prefix = "event-review"

    def data(self, period: queries.Period) -> queries.EventReview:
        review = queries.event_review(self.actor, period)
        back = self.request.get_full_path()
        for rows in review.tables.values():
            for finding in rows:
                finding.links["raise"] = raise_url(finding, period, back)
        return review

    def csv_tables(
        self, review: queries.EventReview
    ) -> dict[str, tuple[list[str], list[list[Any]]]]:
        raised = ["improvement_request", "improvement_status"]
        return {
            "noisy-monitors": (
                ["source", "event_type", "events", "repeats", "led_to_incident", "share", *raised],
                [[f.source.name, f.figures["event_type"], f.figures["events"], f.figures["repeats"],
                  f.figures["with_incident"], f.figures["share"], *_finding_cells(f)]
                 for f in review.noisy]),
            "unmatched": (
                ["source", "resource", "events", "repeats", "last_seen", *raised],
                [[f.source.name, f.figures["resource"], f.figures["events"], f.figures["repeats"],
                  _day(f.figures["last_seen"]), *_finding_cells(f)] for f in review.unmatched]),
            "missing-instructions": (
                ["code", "name", "event_type_defined", "events", *raised],
                [[f.figures["code"], f.figures["name"], f.figures["defined"], f.figures["events"],
                  *_finding_cells(f)] for f in review.missing_instructions]),
            "idle-correlation": (
                ["rule", "kind", "active", "correlated_in_period", "fired_count", "last_fired_at",
                 *raised],
                [[f.figures["name"], f.figures["kind"], f.figures["active"], f.figures["in_period"],
                  f.figures["fired_count"], _day(f.figures["last_fired_at"]), *_finding_cells(f)]
                 for f in review.idle_rules]),
        }  # fmt: skip


def _back(request: HttpRequest, default: str) -> str:
    """Where to go after the form: the review page it came from (same site only)."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    return wanted if wanted.startswith(default) and "//" not in wanted else default


class ImprovementRaiseView(ServiceFormView):
    """Proc. 2: raise an incident request for an improvement, assigned to the responsible
    group (the source's by default)."""

    permission = queries.REVIEW
    form_class = ImprovementRaiseForm
    template_name = "events/review_form.html"
    title = "Raise an improvement"
    submit_label = "Register the incident request"

    def get_cancel_url(self) -> str:
        return _back(self.request, reverse("events:event-review"))

    def get_initial(self) -> dict[str, Any]:
        given = self.request.GET
        return {k: given[k] for k in ("topic", "subject", "description", "source") if given.get(k)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(next=self.get_cancel_url(), **kwargs)

    def perform(self, form: ImprovementRaiseForm) -> str:
        improvement = svc.improvement_raise(actor=self.actor, **form.cleaned_data)
        incident = improvement.incident
        messages.success(self.request, f"Registered {incident.number} for "
                                       f"{incident.support_group}.")  # fmt: skip
        return self.get_cancel_url()


# --- Outage review (proc. 3) ---------------------------------------------------------------


def _outage_row(o: queries.Outage) -> list[Any]:
    review = o.review
    return [
        o.incident.number,
        o.incident.title,
        o.incident.service.name if o.incident.service else "",
        o.incident.get_impact_display(),
        _day(o.incident.created_at),
        _day(o.incident.resolved_at),
        o.how,
        " ".join(e.number for e in o.events),
        " ".join(e.number for e in o.suppressed),
        " ".join(h.code for h in o.hints),
        review.finding if review else "",
        review.follow_up.number if review and review.follow_up else "",
    ]


OUTAGE_HEADER = ["incident", "title", "service", "impact", "registered", "resolved",
                 "event_generated", "events", "suppressed_events", "hints", "finding",
                 "follow_up"]  # fmt: skip
OUTAGE_TABLES = {
    queries.NO_EVENT: "No event generated",
    queries.NOT_FOLLOWED: "Instructions possibly not followed",
    queries.FOLLOWED: "Event generated, nothing flagged",
    queries.REVIEWED: "Reviewed",
}


class OutageReviewView(PeriodPage):
    """Procedure 3: the high-impact incident requests resolved in the period, split by
    whether an event was generated and whether its instructions were possibly not
    followed, and the ones reviewed."""

    template_name = "events/outage_review.html"
    prefix = "outage-review"

    def data(self, period: queries.Period) -> queries.OutageReviewData:
        return queries.outage_review(self.actor, period)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        review = context.get("review")
        if review is not None:
            context["tables"] = [
                {"key": key, "title": title, "rows": review.table(key)}
                for key, title in OUTAGE_TABLES.items()
            ]
        return context

    def csv_tables(
        self, review: queries.OutageReviewData
    ) -> dict[str, tuple[list[str], list[list[Any]]]]:
        return {key: (OUTAGE_HEADER, [_outage_row(o) for o in review.table(key)])
                for key in OUTAGE_TABLES}  # fmt: skip


class OutageRecordView(ServiceFormView):
    """Proc. 3: record the finding on one high-impact incident request."""

    permission = queries.REVIEW
    form_class = OutageReviewRecordForm
    template_name = "events/outage_record.html"
    submit_label = "Record the finding"

    def incident(self) -> Any:
        if not hasattr(self, "_incident"):
            self._incident = incident_for(self.actor, self.kwargs["pk"])
        return self._incident

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Outage review of {self.incident().number}"

    def get_cancel_url(self) -> str:
        return _back(self.request, reverse("events:outage-review"))

    def get_initial(self) -> dict[str, Any]:
        review = OutageReview.objects.filter(incident_id=self.incident().pk).first()
        return {"finding": review.finding, "note": review.note} if review else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        outage = queries.one_outage(self.actor, self.incident())
        return super().get_context_data(
            outage=outage, reviewable=queries.is_reviewable(outage.incident),
            next=self.get_cancel_url(), follow_up_findings=list(svc.NEEDS_FOLLOW_UP),
            findings=OutageFinding, **kwargs,
        )  # fmt: skip

    def perform(self, form: OutageReviewRecordForm) -> str:
        review = svc.outage_review_record(
            actor=self.actor, incident_id=self.incident().pk, **form.cleaned_data
        )
        text = f"Recorded for {review.incident.number}: {review.get_finding_display()}."
        if review.follow_up is not None:
            text += f" Follow-up request {review.follow_up.number}."
        messages.success(self.request, text)
        return self.get_cancel_url()


urlpatterns = [
    path("events/review/", EventReviewView.as_view(), name="event-review"),
    path("events/review/raise/", ImprovementRaiseView.as_view(), name="event-review-raise"),
    path("events/outage-review/", OutageReviewView.as_view(), name="outage-review"),
    path("events/outage-review/<int:pk>/record/", OutageRecordView.as_view(),
         name="outage-review-record"),
]  # fmt: skip
