"""SLA review pages (seed 003 ch. 11 proc. 5): the list, the report (actual vs target per
agreement, violations with the owners' explanations, suggestions, minutes), its printable
version (the browser's "Save as PDF" makes the PDF) and its CSV export, and the forms that
schedule, compute, record the meeting and close a review."""

from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.views import View

from steward.core import csvsafe, permissions
from steward.core.views.patterns import (
    Action,
    Column,
    Field,
    RecordActionFormView,
    RecordDetailView,
    RecordListView,
    ServiceFormView,
    StewardPageMixin,
    action_urls,
)
from steward.service_level import queries
from steward.service_level.actions import REVIEW
from steward.service_level.choices import ReviewStatus
from steward.service_level.filters import SlaReviewFilterSet
from steward.service_level.forms import ExplainForm, MeetingForm, ScheduleForm, SuggestionsForm
from steward.service_level.models import ReviewViolation, SlaReview
from steward.service_level.queries import reviews
from steward.service_level.services import reviews as svc
from steward.service_level.services.reporting import period_for

VIEW = "service_level.review.view"
CHANGE = "service_level.review.change"
R = ReviewStatus


def _review_context(review: SlaReview, actor: Any) -> dict[str, Any]:
    """What the report shows, from the stored figures: shared by the page and the print."""
    figures = review.figures or {}
    violations = {
        v.target_id: v for v in review.violations.select_related("owner", "target").order_by("id")
    }
    agreements = []
    for agreement in figures.get("agreements", []):
        rows = []
        for target in agreement["targets"]:
            violation = violations.get(target["id"])
            mean = (target.get("detail") or {}).get("mean_seconds")
            rows.append(
                {
                    **target,
                    "status_label": reviews.STATUS_LABELS.get(target["status"], target["status"]),
                    "violation": violation,
                    "mean_text": (
                        reviews.format_duration(mean, days=False) if mean is not None else ""
                    ),
                }
            )
        agreements.append({**agreement, "rows": rows})
    can_explain = review.status in (R.REPORTED, R.HELD)
    return {
        "review": review,
        "figures": figures,
        "agreements": agreements,
        "services": figures.get("services", []),
        "summary": figures.get("summary"),
        "legend": reviews.LEGEND,
        "violations": [
            {
                "obj": v,
                "can_explain": can_explain and v.owner_id == actor.pk,
                "form": ExplainForm(
                    initial={"explanation": v.explanation, "remedy": v.remedy},
                    auto_id=f"id_v{v.pk}_%s",
                ),
                "url": reverse("service_level:violation-explain", args=[review.pk, v.pk]),
            }
            for v in violations.values()
        ],
        "request_links": [
            {"number": n, "url": reverse("core:search") + f"?q={n}"}
            for n in review.request_references or []
        ],
    }


# --- List and report ----------------------------------------------------------------------------


def _term(review: SlaReview) -> str:
    return f"{review.term_start:%Y-%m-%d} to {review.term_end:%Y-%m-%d}"


def _violation_count(review: SlaReview) -> Any:
    return getattr(review, "violation_count", None)


class ReviewListView(RecordListView):
    permission = VIEW
    query = queries.reviews_for
    filterset_class = SlaReviewFilterSet
    title = "SLA reviews"
    default_sort = "-term_end"
    create_url_name = "service_level:review-schedule"
    create_permission = CHANGE
    create_label = "Schedule a review"
    empty_text = "No SLA reviews match these filters."
    columns = (
        Column("number", "Number", sort="number", link=True),
        Column("customer", "Customer", value="customer.name", sort="customer__name"),
        Column("term", "Term", value=_term, sort="term_end"),
        Column("status", "Status", badge=True, sort="status"),
        Column("manager", "Service level manager", value="service_level_manager"),
        Column("meeting_at", "Meeting", sort="meeting_at"),
        Column("violations", "Violations", value=_violation_count, classes="num"),
    )

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().annotate(violation_count=Count("violations"))


class ReviewDetailView(RecordDetailView):
    """The report: figures per agreement, violations with explanations, minutes."""

    template_name = "service_level/review_detail.html"
    permission = VIEW
    query_one = queries.review_for
    status_field = "status"
    kind_label = "SLA review"
    list_url_name = "service_level:review-list"
    note_permission = CHANGE

    def get_title(self, obj: SlaReview) -> str:
        return f"{obj.customer}: {_term(obj)}"

    def get_fields(self, obj: SlaReview) -> list[Field]:
        return [
            Field("Customer", obj.customer, url=obj.customer.get_absolute_url()),
            Field("Term", _term(obj)),
            Field("Service level manager", obj.service_level_manager),
            Field("Meeting", obj.meeting_at),
            Field("Figures computed", obj.computed_at),
            Field("Agreements", ", ".join(a.number for a in obj.agreements.all())),
        ]

    def get_actions(self, obj: SlaReview) -> list[Action]:
        actions = [
            Action("Print / PDF", reverse("service_level:review-print", args=[obj.pk])),
            Action("CSV", reverse("service_level:review-csv", args=[obj.pk])),
        ]
        if obj.status in (R.SCHEDULED, R.REPORTED):
            label = "Compute figures" if obj.status == R.SCHEDULED else "Recompute figures"
            actions.append(
                Action(
                    label,
                    reverse("service_level:review-compute", args=[obj.pk]),
                    permission=CHANGE,
                    method="post",
                    style="primary" if obj.status == R.SCHEDULED else "",
                )
            )
        if obj.status == R.REPORTED:
            actions.append(
                Action(
                    "Record meeting",
                    reverse("service_level:review-meeting", args=[obj.pk]),
                    permission=CHANGE,
                    style="primary",
                )
            )
        if obj.status == R.HELD:
            actions.append(
                Action(
                    "Distribute minutes and close",
                    reverse("service_level:review-close", args=[obj.pk]),
                    permission=CHANGE,
                    method="post",
                    style="primary",
                    confirm="Send the minutes to the customer representative, the service "
                    "owners and the service desk manager?",
                )
            )
        return actions

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        review = context["record"]
        context.update(_review_context(review, self.actor))
        context["can_change"] = permissions.has(self.actor, CHANGE, review)
        context["suggestions_form"] = (
            SuggestionsForm(initial={"improvement_suggestions": review.improvement_suggestions})
            if context["can_change"] and review.status != R.CLOSED
            else None
        )
        return context


class ReviewPrintView(StewardPageMixin, View):
    """The report as a printable page; "Save as PDF" in the browser makes the PDF."""

    permission = VIEW

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = queries.review_for(self.actor, pk)
        context = _review_context(review, self.actor)
        context["printed_at"] = timezone.now()
        return render(request, "service_level/review_print.html", context)


class ReviewCsvView(StewardPageMixin, View):
    """The figures as CSV: one line per target."""

    permission = VIEW

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = queries.review_for(self.actor, pk)
        writer = csvsafe.writer(csvsafe.Echo())
        explanations = {v.target_id: v for v in review.violations.all()}
        figures = review.figures or {}

        def lines() -> Any:
            yield "\ufeff"
            yield writer.writerow([*reviews.CSV_HEADER, "Explanation", "Remedy"])
            targets = [t for a in figures.get("agreements", []) for t in a["targets"]]
            for target, row in zip(targets, reviews.csv_rows(figures), strict=True):
                violation = explanations.get(target["id"])
                extra = [violation.explanation, violation.remedy] if violation else ["", ""]
                yield writer.writerow([*row, *extra])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{review.number}.csv"'
        response["Cache-Control"] = "no-store"
        return response


# --- Writes -------------------------------------------------------------------------------------


class ReviewScheduleView(ServiceFormView):
    permission = CHANGE
    form_class = ScheduleForm
    cancel_url = reverse_lazy("service_level:review-list")
    title = "Schedule an SLA review"
    submit_label = "Schedule"
    success_message = "Review scheduled."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"customers": queries.customers_for(self.actor)}

    def get_initial(self) -> dict[str, Any]:
        # The quarter that ended last: the usual evaluation term.
        start, end = period_for("quarterly", timezone.localdate())
        return {"term_start": start, "term_end": end}

    def perform(self, form: ScheduleForm) -> Any:
        data = form.cleaned_data
        return svc.review_schedule(
            actor=self.actor,
            customer_id=data["customer"].pk,
            term_start=data["term_start"],
            term_end=data["term_end"],
            meeting_at=data.get("meeting_at"),
        )


class ReviewMeetingView(RecordActionFormView):
    permission = CHANGE
    form_class = MeetingForm
    query_one = queries.review_for
    title = "Record the review meeting"
    submit_label = "Save minutes"
    success_message = "Meeting recorded."

    def get_initial(self) -> dict[str, Any]:
        review = self.get_object()
        return {
            "minutes": review.minutes,
            "improvement_suggestions": review.improvement_suggestions,
            "request_references": ", ".join(review.request_references or []),
        }

    def perform(self, form: MeetingForm) -> Any:
        data = form.cleaned_data
        return self.update_record(
            form,
            svc.review_record_meeting,
            "review_id",
            minutes=data["minutes"],
            improvement_suggestions=data["improvement_suggestions"],
            request_references=data["request_references"],
        )


class ReviewSuggestionsView(ReviewMeetingView):
    form_class = SuggestionsForm
    title = "Improvement suggestions"
    submit_label = "Save suggestions"
    success_message = "Suggestions saved."

    def perform(self, form: SuggestionsForm) -> Any:
        return self.update_record(
            form,
            svc.review_set_suggestions,
            "review_id",
            improvement_suggestions=form.cleaned_data["improvement_suggestions"],
        )


class ViolationExplainView(ServiceFormView):
    """The service owner's explanation of a violation and the remedy."""

    permission = VIEW
    form_class = ExplainForm
    submit_label = "Save explanation"
    success_message = "Explanation saved."

    def get_violation(self) -> ReviewViolation:
        if not hasattr(self, "_violation"):
            review = queries.review_for(self.actor, self.kwargs["pk"])
            self._violation = review.violations.select_related("target", "review").get(
                pk=self.kwargs["violation_pk"]
            )
        return self._violation

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Explain: {self.get_violation().target}"

    def get_cancel_url(self) -> str:
        return self.get_violation().review.get_absolute_url()

    def get_initial(self) -> dict[str, Any]:
        v = self.get_violation()
        return {"explanation": v.explanation, "remedy": v.remedy}

    def perform(self, form: ExplainForm) -> Any:
        violation = svc.violation_explain(
            actor=self.actor,
            violation_id=self.get_violation().pk,
            explanation=form.cleaned_data["explanation"],
            remedy=form.cleaned_data["remedy"],
        )
        return violation.review.get_absolute_url() + "#violations"


urlpatterns = [
    path("reviews/", ReviewListView.as_view(), name="review-list"),
    path("reviews/new/", ReviewScheduleView.as_view(), name="review-schedule"),
    path("reviews/<int:pk>/", ReviewDetailView.as_view(), name="review-detail"),
    path("reviews/<int:pk>/print/", ReviewPrintView.as_view(), name="review-print"),
    path("reviews/<int:pk>/csv/", ReviewCsvView.as_view(), name="review-csv"),
    *action_urls(REVIEW),
    path("reviews/<int:pk>/meeting/", ReviewMeetingView.as_view(), name="review-meeting"),
    path(
        "reviews/<int:pk>/suggestions/",
        ReviewSuggestionsView.as_view(),
        name="review-suggestions",
    ),
    path(
        "reviews/<int:pk>/violations/<int:violation_pk>/explain/",
        ViolationExplainView.as_view(),
        name="violation-explain",
    ),
]
