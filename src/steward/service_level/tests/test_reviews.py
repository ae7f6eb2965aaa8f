"""SLA review (seed 003 ch. 11 proc. 5): figures computed from SLA clocks and outages,
violations explained by the service owner, meeting minutes with request numbers, the
minutes distributed once, and the report pages (page, print, CSV) with their access rules.

The world: Acme Bank's SLA for "Payroll" (office hours Mon-Fri 08:00-17:00 Amsterdam),
reviewed over the week of Monday 3 to Sunday 9 March 2025: 5 x 9 = 45 business hours.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from steward.core import clocks
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import Notification
from steward.core.testing.exports import csv_records
from steward.core.tests.factories import (
    FORMULA_CELLS,
    BusinessCalendarFactory,
    OrganisationFactory,
    SupportGroupFactory,
    give_role,
    make_customer,
    make_person,
    start_clock,
)
from steward.service_level.choices import AgreementKind, AgreementStatus, ReviewStatus
from steward.service_level.models import (
    Agreement,
    Outage,
    ReviewViolation,
    Service,
    ServiceLevelTarget,
    SlaReview,
)
from steward.service_level.queries import reviews
from steward.service_level.services import reviews as svc

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
TERM = (dt.date(2025, 3, 3), dt.date(2025, 3, 9))
TERM_SECONDS = 45 * 3600


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in March 2025, Amsterdam wall time."""
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=AMS)


@dataclass
class World:
    provider: Any
    customer: Any
    other_customer: Any
    calendar: Any
    service: Any
    owner: Any
    slm: Any
    rep: Any
    other_rep: Any
    ops_manager: Any
    sla: Any
    resolution: Any
    availability: Any
    max_outages: Any
    rto: Any


def build_world() -> World:
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    customer = OrganisationFactory(kind="customer", name="Acme Bank", code="acme")
    other = OrganisationFactory(kind="customer", name="Globex", code="globex")
    calendar = BusinessCalendarFactory(name="Office hours")
    owner = make_person(organisation=provider, username="owner")
    service = Service.objects.create(
        name="Payroll", number="SVC000001", owner=owner, service_hours=calendar, status="active"
    )
    service.customers.add(customer)
    give_role(owner, "service_owner", service)
    slm = make_person("service_level_manager", organisation=provider, username="slm")
    rep = make_customer(customer, "customer_representative", username="rep")
    other_rep = make_customer(other, "customer_representative", username="other_rep")
    ops = make_person("operations_manager", organisation=provider, username="ops")
    sla = Agreement.objects.create(
        kind=AgreementKind.SLA,
        number="SLA000001",
        name="Payroll SLA",
        service=service,
        customer=customer,
        status=AgreementStatus.ACTIVE,
        term_start=dt.date(2025, 1, 1),
    )
    target = ServiceLevelTarget.objects.create
    return World(
        provider=provider,
        customer=customer,
        other_customer=other,
        calendar=calendar,
        service=service,
        owner=owner,
        slm=slm,
        rep=rep,
        other_rep=other_rep,
        ops_manager=ops,
        sla=sla,
        resolution=target(agreement=sla, kind="resolution", priority="1", target_seconds=4 * 3600),
        availability=target(agreement=sla, kind="availability", target_percent=Decimal("99")),
        max_outages=target(agreement=sla, kind="max_outages", target_count=1),
        rto=target(agreement=sla, kind="rto", target_seconds=4 * 3600),
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


def clock(w: World, start: dt.datetime, stop: dt.datetime | None = None, **kw: Any) -> Any:
    c = start_clock(
        w.customer, w.calendar, at=start, target=w.resolution.target_seconds,
        target_id=w.resolution.pk, agreement_id=w.sla.pk, **kw,
    )  # fmt: skip
    return clocks.clock_stop(clock_id=c.pk, at=stop) if stop else c


def outage(w: World, start: dt.datetime, end: dt.datetime | None, **kw: Any) -> Outage:
    return Outage.objects.create(service=w.service, started_at=start, ended_at=end, **kw)


def schedule(w: World, **kw: Any) -> SlaReview:
    return svc.review_schedule(
        actor=w.slm, customer_id=w.customer.pk, term_start=TERM[0], term_end=TERM[1], **kw
    )


def computed(w: World) -> SlaReview:
    return svc.review_compute(actor=w.slm, review_id=schedule(w).pk)


def row(review_or_figures: Any, target: ServiceLevelTarget) -> dict:
    figures = getattr(review_or_figures, "figures", review_or_figures)
    for agreement in figures["agreements"]:
        for t in agreement["targets"]:
            if t["id"] == target.pk:
                return t
    raise AssertionError(f"target {target.pk} not in the figures")


# --- Figures ---------------------------------------------------------------------------------


def test_two_clocks_met_and_one_breached_is_66_7_percent_met_and_violated(world):
    clock(world, at(3, 9), at(3, 10))  # 1 business hour
    clock(world, at(4, 9), at(4, 11))  # 2 business hours
    clock(world, at(5, 9), at(5, 14))  # 5 business hours: breached (target 4 h)
    clock(world, at(10, 9), at(10, 10))  # after the term: not counted
    cancelled = clock(world, at(6, 9))
    clocks.clock_cancel(clock_id=cancelled.pk)  # cancelled: not counted

    t = row(computed(world), world.resolution)

    assert t["status"] == "violated"
    assert t["detail"] == {
        "count": 3,
        "met": 2,
        "breached": 1,
        "open": 0,
        "percent_met": "66.7",
        "mean_seconds": 9600,  # (1 + 2 + 5) h / 3
        "worst_seconds": 5 * 3600,
    }
    assert t["actual"] == "66.7 % met (2 of 3; worst 5 h)"
    assert t["expected"] == "≤ 4 h (business time)"


def test_a_running_clock_past_its_breach_time_counts_as_breached(world):
    clock(world, at(3, 9), at(3, 10))
    clock(world, at(7, 9))  # still running, breach at 13:00 on the 7th

    t = row(computed(world), world.resolution)

    assert (t["detail"]["met"], t["detail"]["breached"], t["detail"]["open"]) == (1, 1, 0)
    assert t["status"] == "violated"


def test_all_clocks_met_is_met_and_no_clocks_is_no_records(world):
    clock(world, at(3, 9), at(3, 10))
    assert row(computed(world), world.resolution)["status"] == "met"

    figures = reviews.compute_figures_for(
        customer=world.customer,
        agreements=[world.sla],
        term_start=dt.date(2025, 2, 3),
        term_end=dt.date(2025, 2, 9),
    )
    assert row(figures, world.resolution)["status"] == "no_data"


def test_availability_counts_unplanned_outages_in_business_hours_only(world):
    outage(world, at(4, 9), at(4, 11))  # 2 business hours down
    outage(world, at(5, 16), at(6, 9))  # 16-17 and 8-9: 2 business hours down
    outage(world, at(4, 10), at(4, 10, 30))  # overlaps the first: counted once
    outage(world, at(7, 8), at(7, 11), degraded=True)  # reported apart
    outage(world, at(8, 8), at(8, 20), planned=True)  # Saturday, planned: not counted
    outage(world, at(2, 10), at(3, 9))  # starts before the term: 1 hour inside

    t = row(computed(world), world.availability)

    down = 5 * 3600
    assert t["detail"]["outage_seconds"] == down
    assert t["detail"]["term_seconds"] == TERM_SECONDS
    assert t["detail"]["degraded_seconds"] == 3 * 3600
    assert t["detail"]["planned_count"] == 1
    expected = (1 - Decimal(down) / TERM_SECONDS) * 100  # 88.888...
    assert t["detail"]["percent"] == str(expected.quantize(Decimal("0.001")))
    assert t["actual"] == "88.889 %"
    assert t["status"] == "violated"


def test_availability_above_the_target_is_met(world):
    outage(world, at(4, 9), at(4, 9, 27))  # 27 min of 45 h = 1 %: exactly 99 %

    t = row(computed(world), world.availability)

    assert t["actual"] == "99 %"
    assert t["status"] == "met"


def test_max_outages_counts_unplanned_outages_started_in_the_term(world):
    outage(world, at(4, 9), at(4, 10))
    outage(world, at(2, 10), at(3, 9))  # started before the term
    outage(world, at(5, 9), at(5, 10), degraded=True)
    outage(world, at(6, 9), at(6, 10), planned=True)
    review = computed(world)
    assert row(review, world.max_outages)["detail"] == {"count": 1}
    assert row(review, world.max_outages)["status"] == "met"

    outage(world, at(7, 9), at(7, 10))
    review = svc.review_compute(actor=world.slm, review_id=review.pk)
    assert row(review, world.max_outages)["actual"] == "2 outages"
    assert row(review, world.max_outages)["status"] == "violated"


def test_rto_is_not_measured_never_met(world):
    review = computed(world)

    assert row(review, world.rto)["status"] == "not_measured"
    assert review.figures["summary"]["not_measured"] == 1


# --- Violations --------------------------------------------------------------------------------


def test_compute_records_violations_with_the_service_owner_and_asks_them(world):
    clock(world, at(5, 9), at(5, 14))
    outage(world, at(4, 9), at(4, 17))

    review = computed(world)

    assert review.status == ReviewStatus.REPORTED
    violations = ReviewViolation.objects.filter(review=review).order_by("target_id")
    assert [(v.target_id, v.owner_id) for v in violations] == [
        (world.resolution.pk, world.owner.pk),
        (world.availability.pk, world.owner.pk),
    ]
    asked = Notification.objects.filter(event="service_level.review.violation")
    assert list(asked.values_list("recipient__username", flat=True)) == ["owner"]


def test_recompute_keeps_explanations_of_standing_violations_and_drops_resolved_ones(world):
    clock(world, at(5, 9), at(5, 14))
    down = outage(world, at(4, 9), at(4, 17))
    review = computed(world)
    violation = review.violations.get(target=world.resolution)
    svc.violation_explain(actor=world.owner, violation_id=violation.pk, explanation="Disk full")

    down.delete()  # recorded by mistake
    review = svc.review_compute(actor=world.slm, review_id=review.pk)

    assert list(review.violations.values_list("target_id", "explanation")) == [
        (world.resolution.pk, "Disk full")
    ]


def test_only_the_owner_explains_a_violation(world):
    clock(world, at(5, 9), at(5, 14))
    violation = computed(world).violations.get()
    other_owner = make_person("service_owner", organisation=world.provider, username="o2")

    for intruder in (world.slm, world.rep, other_owner, make_person(username="nobody")):
        with pytest.raises(PermissionDenied):
            svc.violation_explain(actor=intruder, violation_id=violation.pk, explanation="x")
    violation.refresh_from_db()
    assert violation.explanation == "" and violation.explained_at is None

    svc.violation_explain(
        actor=world.owner,
        violation_id=violation.pk,
        explanation="Supplier was late",
        remedy="New contract",
    )
    violation.refresh_from_db()
    assert (violation.explanation, violation.remedy) == ("Supplier was late", "New contract")
    assert violation.explained_at is not None


def test_an_explanation_must_say_something(world):
    clock(world, at(5, 9), at(5, 14))
    violation = computed(world).violations.get()

    with pytest.raises(ValidationError) as exc:
        svc.violation_explain(actor=world.owner, violation_id=violation.pk, explanation="  ")
    assert "explanation" in exc.value.message_dict


# --- Scheduling --------------------------------------------------------------------------------


def test_schedule_covers_the_customers_slas_in_force_and_refuses_a_second_one(world):
    Agreement.objects.create(
        kind=AgreementKind.SLA,
        number="SLA000002",
        name="Draft",
        service=world.service,
        customer=world.customer,
        term_start=dt.date(2025, 1, 1),
    )  # fmt: skip — a draft promises nothing

    review = schedule(world)

    assert review.number.startswith("SLR")
    assert list(review.agreements.all()) == [world.sla]
    assert review.service_level_manager == world.slm
    with pytest.raises(ValidationError) as exc:
        schedule(world)
    assert "term_start" in exc.value.message_dict


@pytest.mark.parametrize("who", ["analyst", "rep", "owner", "nobody"])
def test_only_service_level_managers_schedule_reviews(world, who):
    actor = {
        "analyst": make_person("service_desk_analyst", username="a1"),
        "rep": world.rep,
        "owner": world.owner,
        "nobody": make_person(username="n1"),
    }[who]

    with pytest.raises(PermissionDenied):
        svc.review_schedule(
            actor=actor, customer_id=world.customer.pk, term_start=TERM[0], term_end=TERM[1]
        )
    assert not SlaReview.objects.exists()


def test_a_manager_limited_to_another_customer_may_not_schedule(world):
    limited = make_person("service_level_manager", scope=world.other_customer, username="limited")

    with pytest.raises(PermissionDenied):
        svc.review_schedule(
            actor=limited, customer_id=world.customer.pk, term_start=TERM[0], term_end=TERM[1]
        )


def test_schedule_refuses_a_term_without_slas_and_a_backwards_term(world):
    with pytest.raises(ValidationError) as exc:
        svc.review_schedule(
            actor=world.slm,
            customer_id=world.customer.pk,
            term_start=dt.date(2024, 1, 1),
            term_end=dt.date(2024, 3, 31),
        )
    assert "customer_id" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        svc.review_schedule(
            actor=world.slm, customer_id=world.customer.pk, term_start=TERM[1], term_end=TERM[0]
        )
    assert "term_end" in exc.value.message_dict


def test_daily_job_schedules_the_ended_term_once_with_the_customers_manager(world):
    customer_slm = make_person("service_level_manager", scope=world.customer, username="acme_slm")

    created = svc.schedule_due_reviews(today=dt.date(2025, 4, 15))

    assert [(r.term_start, r.term_end) for r in created] == [
        (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    ]
    assert created[0].service_level_manager == customer_slm
    assert svc.schedule_due_reviews(today=dt.date(2025, 4, 16)) == []
    assert svc.schedule_due_reviews(today=dt.date(2025, 3, 31)) == []  # term not over
    assert SlaReview.objects.count() == 1


def test_evaluation_terms_follow_the_agreements_months(world):
    world.sla.evaluation_months = 6
    assert svc.evaluation_term_ended(world.sla, dt.date(2025, 6, 30)) is None
    assert svc.evaluation_term_ended(world.sla, dt.date(2026, 1, 2)) == (
        dt.date(2025, 7, 1),
        dt.date(2025, 12, 31),
    )


# --- Meeting and minutes -----------------------------------------------------------------------


def test_meeting_minutes_reference_the_incident_requests(world):
    review = computed(world)

    review = svc.review_record_meeting(
        actor=world.slm,
        review_id=review.pk,
        minutes="Discussed the outage.",
        improvement_suggestions="Monitor certificates.",
        request_references="inc000123, INC000124 INC000123",
    )

    assert review.status == ReviewStatus.HELD
    assert review.request_references == ["INC000123", "INC000124"]
    assert review.improvement_suggestions == "Monitor certificates."
    assert review.meeting_at is not None


def test_meeting_refuses_bad_request_numbers_and_empty_minutes(world):
    review = computed(world)

    with pytest.raises(ValidationError) as exc:
        svc.review_record_meeting(
            actor=world.slm, review_id=review.pk, minutes="x", request_references=["drop table"]
        )
    assert "request_references" in exc.value.message_dict
    with pytest.raises(ValidationError):
        svc.review_record_meeting(actor=world.slm, review_id=review.pk, minutes=" ")
    review.refresh_from_db()
    assert review.status == ReviewStatus.REPORTED and review.minutes == ""


def test_a_meeting_needs_the_figures_first(world):
    review = schedule(world)

    with pytest.raises(InvalidTransition):
        svc.review_record_meeting(actor=world.slm, review_id=review.pk, minutes="Too early")


def test_close_distributes_the_minutes_once_to_rep_owner_and_service_desk_manager(
    world, django_capture_on_commit_callbacks
):
    review = computed(world)
    svc.review_record_meeting(
        actor=world.slm,
        review_id=review.pk,
        minutes="Agreed actions.",
        request_references=["INC000007"],
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        svc.review_close(actor=world.slm, review_id=review.pk)

    sent = Notification.objects.filter(event="service_level.review.minutes")
    assert sorted(sent.values_list("recipient__username", flat=True)) == ["ops", "owner", "rep"]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ops@example.com",
        "owner@example.com",
        "rep@example.com",
    ]
    assert "Agreed actions." in mail.outbox[0].body
    assert "INC000007" in mail.outbox[0].body
    with pytest.raises(InvalidTransition):
        svc.review_close(actor=world.slm, review_id=review.pk)
    assert sent.count() == 3


def test_without_operations_manager_the_service_desk_coordinators_get_the_minutes(world):
    world.ops_manager.role_assignments.all().delete()
    desk = SupportGroupFactory(name="Service Desk", organisation=world.provider)
    coordinator = make_person("group_coordinator", scope=desk, username="desk_lead")

    assert svc.service_desk_managers() == [coordinator]


def test_closed_reviews_take_no_more_explanations(world):
    clock(world, at(5, 9), at(5, 14))
    review = computed(world)
    svc.review_record_meeting(actor=world.slm, review_id=review.pk, minutes="Done.")
    svc.review_close(actor=world.slm, review_id=review.pk)

    with pytest.raises(DomainError):  # HTTP 409
        svc.violation_explain(
            actor=world.owner, violation_id=review.violations.get().pk, explanation="Late"
        )


# --- Pages -------------------------------------------------------------------------------------


@pytest.fixture
def report(world) -> SlaReview:
    clock(world, at(3, 9), at(3, 10))
    clock(world, at(4, 9), at(4, 11))
    clock(world, at(5, 9), at(5, 14))
    outage(world, at(4, 9), at(4, 11), description="Payroll down")
    return computed(world)


def test_the_report_page_shows_target_vs_actual_and_violations(client, world, report):
    client.force_login(world.slm)

    response = client.get(reverse("service_level:review-detail", args=[report.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "66.7 % met (2 of 3; worst 5 h)" in html
    assert "95.556 %" in html  # 1 - 2/45
    assert "Payroll down" in html
    assert "Recompute figures" in html and "Record meeting" in html
    assert 'id="violations"' in html


def test_the_owner_explains_on_the_report_page(client, world, report):
    violation = report.violations.get(target=world.resolution)
    url = reverse("service_level:violation-explain", args=[report.pk, violation.pk])
    client.force_login(world.owner)

    page = client.get(report.get_absolute_url())
    response = client.post(url, {"explanation": "Supplier late", "remedy": "Penalty clause"})

    assert url in page.content.decode()
    assert response.status_code == 302
    violation.refresh_from_db()
    assert violation.explanation == "Supplier late"


def test_the_breadcrumb_spells_sla_as_written(client, world, report):
    """Issue 13: verbose names were capitalised into "Sla reviews"."""
    client.force_login(world.slm)

    page = client.get(reverse("service_level:review-detail", args=[report.pk])).content.decode()

    assert ">SLA reviews</a>" in page
    assert "Sla review" not in page


def test_the_slm_may_not_explain_for_the_owner_through_the_page(client, world, report):
    violation = report.violations.get(target=world.resolution)
    client.force_login(world.slm)

    response = client.post(
        reverse("service_level:violation-explain", args=[report.pk, violation.pk]),
        {"explanation": "Not mine"},
    )

    assert response.status_code == 403
    violation.refresh_from_db()
    assert violation.explanation == ""


def test_customer_representative_sees_own_review_not_another_customers(client, world, report):
    url = reverse("service_level:review-detail", args=[report.pk])

    client.force_login(world.rep)
    assert client.get(url).status_code == 200
    assert client.get(reverse("service_level:review-csv", args=[report.pk])).status_code == 200

    client.force_login(world.other_rep)
    assert client.get(url).status_code == 404
    assert client.get(reverse("service_level:review-print", args=[report.pk])).status_code == 404
    assert client.get(reverse("service_level:review-csv", args=[report.pk])).status_code == 404


def test_anonymous_and_roleless_people_are_kept_out(client, world, report):
    url = reverse("service_level:review-detail", args=[report.pk])
    assert client.get(url).status_code == 302

    client.force_login(make_person(username="norole"))
    assert client.get(url).status_code == 403
    client.force_login(make_person("service_desk_analyst", username="desk"))
    assert client.get(url).status_code == 403
    assert client.get(reverse("service_level:review-list")).status_code == 403


def test_customer_representative_may_not_compute_or_close(client, world, report):
    client.force_login(world.rep)

    response = client.post(reverse("service_level:review-compute", args=[report.pk]))

    assert response.status_code == 403
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Recompute figures" not in page


def test_compute_meeting_and_close_through_the_pages(client, world):
    review = schedule(world)
    client.force_login(world.slm)

    client.post(reverse("service_level:review-compute", args=[review.pk]))
    response = client.post(
        reverse("service_level:review-meeting", args=[review.pk]),
        {"minutes": "Fine quarter.", "request_references": "INC000042"},
    )
    page = client.get(review.get_absolute_url()).content.decode()
    client.post(reverse("service_level:review-close", args=[review.pk]))

    assert response.status_code == 302
    assert "INC000042" in page and "?q=INC000042" in page
    review.refresh_from_db()
    assert review.status == ReviewStatus.CLOSED


def test_print_page_is_printable_html(client, world, report):
    client.force_login(world.rep)

    response = client.get(reverse("service_level:review-print", args=[report.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    # Print styles and the print button come from static files (Content Security Policy).
    assert 'href="/static/service_level/review_print.css"' in html and "data-print" in html
    assert "@media print" in Path(finders.find("service_level/review_print.css")).read_text()
    assert "66.7 % met" in html
    assert "<form" not in html  # nothing to edit on paper


def test_csv_export_has_one_line_per_target(client, world, report):
    svc.violation_explain(
        actor=world.owner,
        violation_id=report.violations.get(target=world.resolution).pk,
        explanation="=cmd()",
    )
    client.force_login(world.slm)

    response = client.get(reverse("service_level:review-csv", args=[report.pk]))

    assert response["Content-Type"].startswith("text/csv")
    lines = csv_records(response)
    assert len(lines) == 4
    resolution = next(line for line in lines if line["Kind"] == "resolution")
    assert resolution["% met"] == "66.7"
    assert (resolution["Clocks"], resolution["Met"], resolution["Breached"]) == ("3", "2", "1")
    assert resolution["Status"] == "Violated"
    assert resolution["Explanation"] == "'=cmd()"  # no spreadsheet formulas
    availability = next(line for line in lines if line["Kind"] == "availability")
    assert availability["Availability %"] == "95.556"
    assert availability["Outage business time (s)"] == "7200"
    assert next(line for line in lines if line["Kind"] == "rto")["Status"] == "Not measured"


def test_review_csv_defuses_formulas(client, world, report):
    violation = report.violations.get(target=world.resolution)
    client.force_login(world.slm)
    for formula in FORMULA_CELLS:
        explained = svc.violation_explain(
            actor=world.owner, violation_id=violation.pk, explanation=formula, remedy=formula
        )

        response = client.get(reverse("service_level:review-csv", args=[report.pk]))

        line = next(r for r in csv_records(response) if r["Kind"] == "resolution")
        assert explained.explanation.startswith(("=", "+", "-", "@"))
        assert (line["Explanation"], line["Remedy"]) == (
            "'" + explained.explanation,
            "'" + explained.remedy,
        )


def test_schedule_page_creates_a_review(client, world):
    client.force_login(world.slm)

    response = client.post(
        reverse("service_level:review-schedule"),
        {"customer": world.customer.pk, "term_start": "2025-03-03", "term_end": "2025-03-09"},
    )

    assert response.status_code == 302
    assert SlaReview.objects.get().customer == world.customer


def test_review_list_shows_what_the_actor_may_see(client, world, report):
    client.force_login(world.other_rep)
    assert report.number not in client.get(reverse("service_level:review-list")).content.decode()

    client.force_login(world.rep)
    assert report.number in client.get(reverse("service_level:review-list")).content.decode()
