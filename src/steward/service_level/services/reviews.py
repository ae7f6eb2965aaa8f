"""SLA review and request handling (seed 003 ch. 11 procedure 5).

At the end of an evaluation term the service level manager schedules a review with the
customer representative (``review_schedule``; the daily job does it for every customer
whose SLA term ended), computes actual vs target from the records (``review_compute``),
asks the service owners to explain each violation (``violation_explain``), holds the
meeting and records its minutes with the numbers of the incident requests registered from
the customer's requests (``review_record_meeting``), then distributes the minutes
(``review_close``) to the customer representatives, the service owners concerned and the
manager of the service desk.

"Manager of the service desk": people holding the operations manager role; where nobody
does, the coordinators of the support group named "Service Desk".
"""

import datetime as dt
import logging
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import journal, notify, numbering, permissions, roles, transitions
from steward.core.choices import OrganisationKind, Role
from steward.core.edits import lock_to_edit
from steward.core.errors import DomainError
from steward.core.models import Organisation, Person, SupportGroup
from steward.service_level.choices import AgreementKind, AgreementStatus, ReviewStatus
from steward.service_level.models import Agreement, ReviewViolation, SlaReview
from steward.service_level.queries import reviews
from steward.service_level.workflows import REVIEW

logger = logging.getLogger(__name__)

CHANGE = "service_level.review.change"
SERVICE_DESK_GROUP = "Service Desk"
# Record numbers as numbering.py makes them: capitals then digits (INC000123).
REQUEST_NUMBER = re.compile(r"^[A-Z]{1,8}\d{1,12}$")


# --- People ---------------------------------------------------------------------------------


def customer_service_level_managers(customer: Organisation) -> list[Person]:
    """The customer's service level manager(s); failing those, the global ones."""
    return roles.holders(Role.SERVICE_LEVEL_MANAGER, customer) or roles.holders(
        Role.SERVICE_LEVEL_MANAGER
    )


def _is_slm_of(person: Person, customer: Organisation) -> bool:
    return roles.holds(person, Role.SERVICE_LEVEL_MANAGER, customer, or_everywhere=True)


def customer_representatives(customer: Organisation) -> list[Person]:
    return roles.holders(Role.CUSTOMER_REPRESENTATIVE, customer)


def service_desk_managers() -> list[Person]:
    """Operations managers; where there are none, the Service Desk group's coordinators."""
    managers = roles.holders(Role.OPERATIONS_MANAGER)
    if managers:
        return managers
    group = SupportGroup.objects.filter(name=SERVICE_DESK_GROUP).first()
    return roles.group_coordinators(group)


def _service_owners(review: SlaReview) -> list[Person]:
    ids = review.agreements.values("service__owner_id")
    return list(Person.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


# --- Helpers ----------------------------------------------------------------------------------


def _lock(review_id: Any) -> SlaReview:
    return transitions.lock(SlaReview, review_id, related=["customer"])


def _set_status(
    review: SlaReview, new: str, *, actor: Person, reason: str = "", also: Iterable[str] = ()
) -> None:
    """Move a locked review to ``new``, saving ``also`` with it. Staying where it is
    (figures recomputed before the meeting) is no status change: ``also`` is saved alone."""
    if review.status == new:
        REVIEW.check(review.status, new)
        review.save(update_fields=[*also, "updated_at"])
        return
    # Steward's own lines ("Meeting held."), for the customer's representatives too.
    transitions.transition(
        review, new, actor=actor, workflow=REVIEW, reason=reason, public=True, also=also
    )


# --- Scheduling -------------------------------------------------------------------------------


def review_schedule(
    *,
    actor: Person,
    customer_id: int,
    term_start: dt.date,
    term_end: dt.date,
    meeting_at: dt.datetime | None = None,
) -> SlaReview:
    """Schedule the review of a customer's SLAs over one evaluation term (proc. 5, step 1).

    The review covers every SLA of the customer in force during the term. Its service
    level manager is the actor when they are one, else the customer's. One review per
    customer and term.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(term_start, dt.date) or not isinstance(term_end, dt.date):
        raise ValidationError({"term_start": ["Give the first and last day of the term."]})
    if term_end < term_start:
        errors["term_end"] = ["The term must end on or after its first day."]
    with transaction.atomic():
        # The customer row lock serialises schedulers, so a term is reviewed once.
        customer = (
            Organisation.objects.select_for_update()
            .filter(pk=customer_id, kind=OrganisationKind.CUSTOMER)
            .first()
        )
        if customer is None:
            raise ValidationError({"customer_id": ["Choose a customer organisation."]})
        permissions.require(actor, CHANGE, customer)
        if errors:
            raise ValidationError(errors)
        if SlaReview.objects.filter(
            customer=customer, term_start=term_start, term_end=term_end
        ).exists():
            raise ValidationError(
                {"term_start": ["A review of this customer for this term is already scheduled."]}
            )
        agreements = list(reviews.review_agreements(customer, term_start, term_end))
        if not agreements:
            raise ValidationError(
                {"customer_id": ["This customer had no signed SLA in force during the term."]}
            )
        if _is_slm_of(actor, customer):
            slm = actor
        else:
            managers = customer_service_level_managers(customer)
            slm = managers[0] if managers else actor
        review = SlaReview(
            customer=customer,
            service_level_manager=slm,
            term_start=term_start,
            term_end=term_end,
            meeting_at=meeting_at,
            status=ReviewStatus.SCHEDULED,
        )
        numbering.assign(review)
        review.save()
        review.agreements.set(agreements)
        journal.created(
            review, actor=actor, summary=f"Review of {customer} for {term_start} to {term_end}"
        )
        recipients: list[Person] = [slm] if slm.pk != actor.pk else []
        if meeting_at is not None:
            recipients += customer_representatives(customer)
        when = f" Meeting: {timezone.localtime(meeting_at):%Y-%m-%d %H:%M}." if meeting_at else ""
        notify.send(
            recipients=recipients,
            event="service_level.review.scheduled",
            title=f"SLA review {review.number} scheduled for {customer}",
            body=f"Term {term_start} to {term_end}.{when}",
            record=review,
        )
    return review


def evaluation_term_ended(agreement: Agreement, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The latest evaluation term of ``agreement`` that ended before ``today``, if any.

    Terms run ``term_start + k * evaluation_months`` for ``evaluation_months`` months.
    """
    months = agreement.evaluation_months or 3
    start = agreement.term_start
    latest = None
    k = 0
    while True:
        begin = _add_months(start, k * months)
        end = _add_months(start, (k + 1) * months) - dt.timedelta(days=1)
        if end >= today:
            return latest
        latest = (begin, end)
        k += 1


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    # Clamp 31 January + 1 month to the end of February.
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def schedule_due_reviews(today: dt.date | None = None) -> list[SlaReview]:
    """Schedule a review for every customer whose SLA evaluation term ended and has none yet.

    Run daily. The customer's service level manager is the actor (and the review's
    manager); a customer without one is skipped with a warning.
    """
    today = today or timezone.localdate()
    terms: dict[tuple[int, dt.date, dt.date], None] = {}
    for agreement in Agreement.objects.filter(
        kind=AgreementKind.SLA, status=AgreementStatus.ACTIVE
    ).order_by("customer_id", "term_start"):
        term = evaluation_term_ended(agreement, today)
        if term is not None:
            terms[(agreement.customer_id, *term)] = None
    created: list[SlaReview] = []
    for customer_id, start, end in terms:
        if SlaReview.objects.filter(
            customer_id=customer_id, term_start=start, term_end=end
        ).exists():
            continue
        customer = Organisation.objects.get(pk=customer_id)
        managers = customer_service_level_managers(customer)
        actor = next((m for m in managers if permissions.has(m, CHANGE, customer)), None)
        if actor is None:
            logger.warning("No service level manager may review %s; skipped.", customer)
            continue
        try:
            created.append(
                review_schedule(
                    actor=actor, customer_id=customer_id, term_start=start, term_end=end
                )
            )
        except ValidationError as exc:  # raced with another scheduler or nothing in force
            logger.info("Review of %s for %s-%s not scheduled: %s", customer, start, end, exc)
    return created


# --- Figures ----------------------------------------------------------------------------------


def review_compute(*, actor: Person, review_id: int) -> SlaReview:
    """Determine actual vs target over the term and record each violation (proc. 5, step 2).

    Recomputing (before the meeting) refreshes the figures; a violation that still stands
    keeps its explanation, one that no longer does is removed. The owners of services
    with new violations are asked for an explanation.
    """
    with transaction.atomic():
        review = lock_to_edit(actor, CHANGE, SlaReview, review_id, related=["customer"])
        was = review.status
        REVIEW.check(was, ReviewStatus.REPORTED)  # before the work
        review.agreements.set(
            reviews.review_agreements(review.customer, review.term_start, review.term_end)
        )
        figures = reviews.compute_figures(review)
        review.figures, review.computed_at = figures, timezone.now()
        _set_status(
            review,
            ReviewStatus.REPORTED,
            actor=actor,
            reason="Figures computed.",
            also=["figures", "computed_at"],
        )

        existing = {v.target_id: v for v in review.violations.all()}
        owners = {a["service"]["id"]: a["service"]["owner_id"] for a in figures["agreements"]}
        keep: set[int] = set()
        new_owner_ids: set[int] = set()
        for agreement, target in reviews.violated_targets(figures):
            keep.add(target["id"])
            violation = existing.get(target["id"])
            if violation is None:
                ReviewViolation.objects.create(
                    review=review,
                    target_id=target["id"],
                    actual=target["actual"][:100],
                    expected=target["expected"][:100],
                    owner_id=owners.get(agreement["service"]["id"]),
                )
                if agreement["service"]["owner_id"]:
                    new_owner_ids.add(agreement["service"]["owner_id"])
            else:
                violation.actual, violation.expected = (
                    target["actual"][:100],
                    target["expected"][:100],
                )
                violation.save(update_fields=["actual", "expected"])
        review.violations.exclude(target_id__in=keep).delete()
        summary = figures["summary"]
        text = (
            f"Figures computed: {summary['targets']} targets, {summary['met']} met, "
            f"{summary['violated']} violated, {summary['not_measured']} not measured."
        )
        if was == ReviewStatus.REPORTED:
            journal.system(review, text=text, data=summary)
        notify.send(
            recipients=Person.objects.filter(pk__in=new_owner_ids).order_by("pk"),
            event="service_level.review.violation",
            title=f"Please explain SLA violations in {review.number} ({review.customer})",
            body=(
                f"Targets of your service were violated in the term {review.term_start} to "
                f"{review.term_end}. Explain why, and how you will prevent it."
            ),
            record=review,
        )
    return review


def violation_explain(
    *, actor: Person, violation_id: int, explanation: str, remedy: str = ""
) -> ReviewViolation:
    """The service owner explains a violation and how it will not happen again.

    Only the violation's owner (the service's owner) may do this, until the review closes.
    """
    explanation, remedy = (explanation or "").strip(), (remedy or "").strip()
    with transaction.atomic():
        violation = (
            ReviewViolation.objects.select_for_update()
            .select_related("review")
            .get(pk=violation_id)
        )
        review = transitions.lock(SlaReview, violation.review_id)
        if not permissions.has(actor, "core.access") or actor.pk != violation.owner_id:
            raise PermissionDenied("Only the owner of the service explains its violations.")
        if review.status not in (ReviewStatus.REPORTED, ReviewStatus.HELD):
            raise DomainError(f"The review is {review.get_status_display().lower()}.")
        if not explanation:
            raise ValidationError({"explanation": ["Explain why the target was missed."]})
        changes = {
            "explanation": (violation.explanation, explanation),
            "remedy": (violation.remedy, remedy),
        }
        violation.explanation, violation.remedy = explanation, remedy
        violation.explained_at = timezone.now()
        violation.save(update_fields=["explanation", "remedy", "explained_at"])
        journal.field_changes(
            review,
            actor=actor,
            changes={f"{k} ({violation.target})": v for k, v in changes.items()},
        )
        notify.send(
            recipients=[review.service_level_manager]
            if review.service_level_manager_id != actor.pk
            else [],
            event="service_level.review.explained",
            title=f"{actor} explained a violation in {review.number}",
            body=f"{violation.target}: {explanation}",
            record=review,
        )
    return violation


def review_set_suggestions(
    *,
    actor: Person,
    review_id: int,
    improvement_suggestions: str,
    expected_version: int | None = None,
) -> SlaReview:
    """The manager's proactive improvement suggestions for the report (before closing)."""
    with transaction.atomic():
        review = lock_to_edit(
            actor, CHANGE, SlaReview, review_id, expected_version, related=["customer"]
        )
        if review.status == ReviewStatus.CLOSED:
            raise DomainError("The review is closed.")
        text = (improvement_suggestions or "").strip()
        journal.field_changes(
            review,
            actor=actor,
            changes={"improvement_suggestions": (review.improvement_suggestions, text)},
        )
        review.improvement_suggestions = text
        review.save(update_fields=["improvement_suggestions", "updated_at"])
    return review


# --- Meeting and minutes ----------------------------------------------------------------------


def _clean_references(values: Iterable[str] | str) -> list[str]:
    if isinstance(values, str):
        values = re.split(r"[\s,;]+", values)
    numbers: list[str] = []
    bad: list[str] = []
    for value in values:
        number = str(value).strip().upper()
        if not number:
            continue
        (numbers if REQUEST_NUMBER.match(number) else bad).append(number)
    if bad:
        raise ValidationError(
            {"request_references": [f"Not a request number: {', '.join(bad)} (e.g. INC000123)."]}
        )
    return list(dict.fromkeys(numbers))


def review_record_meeting(
    *,
    actor: Person,
    review_id: int,
    minutes: str,
    improvement_suggestions: str = "",
    request_references: Iterable[str] | str = (),
    expected_version: int | None = None,
) -> SlaReview:
    """Record the meeting with the customer representative: minutes, suggestions and the
    numbers of the incident requests registered from the customer's requests."""
    minutes = (minutes or "").strip()
    references = _clean_references(request_references)
    if not minutes:
        raise ValidationError({"minutes": ["Write the minutes of the meeting."]})
    with transaction.atomic():
        review = lock_to_edit(
            actor, CHANGE, SlaReview, review_id, expected_version, related=["customer"]
        )
        suggestions = (improvement_suggestions or "").strip() or review.improvement_suggestions
        changes = {
            "minutes": (review.minutes, minutes),
            "improvement_suggestions": (review.improvement_suggestions, suggestions),
            "request_references": (review.request_references, references),
        }
        review.minutes, review.improvement_suggestions = minutes, suggestions
        review.request_references = references
        review.meeting_at = review.meeting_at or timezone.now()
        _set_status(
            review,
            ReviewStatus.HELD,
            actor=actor,
            reason="Meeting held.",
            also=["minutes", "improvement_suggestions", "request_references", "meeting_at"],
        )
        journal.field_changes(review, actor=actor, changes=changes)
    return review


def minutes_text(review: SlaReview) -> str:
    """The minutes as they are distributed (plain text)."""
    lines = [
        f"SLA review {review.number}: {review.customer}",
        f"Term: {review.term_start} to {review.term_end}",
    ]
    if review.meeting_at:
        lines.append(f"Meeting: {timezone.localtime(review.meeting_at):%Y-%m-%d %H:%M}")
    summary = (review.figures or {}).get("summary")
    if summary:
        lines.append(
            f"Targets: {summary['targets']}, met {summary['met']}, violated {summary['violated']}"
        )
    lines += ["", "Minutes:", review.minutes]
    if review.improvement_suggestions:
        lines += ["", "Improvement suggestions:", review.improvement_suggestions]
    if review.request_references:
        lines += ["", "Requests registered: " + ", ".join(review.request_references)]
    return "\n".join(lines)


def review_close(*, actor: Person, review_id: int) -> SlaReview:
    """Distribute the minutes (proc. 5, last step) and close the review.

    The customer representatives, the owners of the services reviewed and the manager of
    the service desk are notified once, in the app and by email.
    """
    with transaction.atomic():
        review = lock_to_edit(actor, CHANGE, SlaReview, review_id, related=["customer"])
        _set_status(review, ReviewStatus.CLOSED, actor=actor, reason="Minutes distributed.")
        recipients = [
            *customer_representatives(review.customer),
            *_service_owners(review),
            *service_desk_managers(),
        ]
        notify.send(
            recipients=recipients,
            event="service_level.review.minutes",
            title=f"Minutes of SLA review {review.number} ({review.customer})",
            body=minutes_text(review),
            record=review,
        )
        notify.record_event(
            record=review,
            event="service_level.sla_review.closed",
            actor=actor,
            data={"customer": review.customer_id, "requests": review.request_references},
        )
    return review


__all__ = [
    "customer_representatives",
    "customer_service_level_managers",
    "review_close",
    "review_compute",
    "review_record_meeting",
    "review_schedule",
    "review_set_suggestions",
    "schedule_due_reviews",
    "service_desk_managers",
    "violation_explain",
]
