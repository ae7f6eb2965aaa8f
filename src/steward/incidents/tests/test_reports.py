"""Incident reports (IRP): weekly criticality and frequency, KPIs (first-contact
resolution, mean time to resolve, SLA compliance), aging, the daily review list, CSV,
the weekly email and who may see them."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from steward.core.models import BusinessCalendar, SlaClock, SupportGroup
from steward.core.testing.exports import csv_rows
from steward.core.tests.factories import (
    FORMULA_CELLS,
    OrganisationFactory,
    SupportGroupFactory,
    make_person,
)
from steward.incidents import reports
from steward.incidents.models import (
    Category,
    IncidentAction,
    IncidentRequest,
    ReportSubscription,
)
from steward.incidents.services import reporting

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()
# A fixed week: Monday 2 to Sunday 8 November 2026 (local time).
WEEK = reports.week_of(dt.date(2026, 11, 4))
MONDAY = WEEK.start


@pytest.fixture
def world(db):
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    customer = OrganisationFactory(kind="customer", name="Acme", code="acme")
    servers = SupportGroupFactory(name="Servers", organisation=provider)
    network = SupportGroupFactory(name="Network", organisation=provider)
    coordinator = make_person(
        "group_coordinator", organisation=provider, scope=servers, username="coord"
    )
    manager = make_person("operations_manager", organisation=provider, username="ops")
    requester = make_person("requester", organisation=customer, username="req")
    return {
        "provider": provider, "customer": customer, "servers": servers, "network": network,
        "coordinator": coordinator, "manager": manager, "requester": requester,
    }  # fmt: skip


_counter = iter(range(1, 10_000))


def incident(world, *, created, priority="3", group=None, resolved=None, fcr=False, **fields):
    n = next(_counter)
    record = IncidentRequest.objects.create(
        number=f"INC{n:06d}",
        title=fields.pop("title", f"Request {n}"),
        requester=world["requester"],
        customer=world["customer"],
        priority=priority,
        support_group=group or world["servers"],
        status="resolved" if resolved else fields.pop("status", "assigned"),
        resolved_at=resolved,
        first_contact_resolution=fcr,
        **fields,
    )
    IncidentRequest.objects.filter(pk=record.pk).update(created_at=created, updated_at=created)
    record.refresh_from_db()
    return record


def clock(record, *, metric, met=None, state="stopped", **fields):
    calendar = BusinessCalendar.objects.get_or_create(name="24x7", defaults={"time_zone": "UTC"})[0]
    return SlaClock.objects.create(
        record_type=ContentType.objects.get_for_model(IncidentRequest),
        record_id=record.pk,
        kind="sla",
        metric=metric,
        name=f"{metric} target",
        calendar=calendar,
        target_seconds=3600,
        state=state,
        started_at=record.created_at,
        met=met,
        **fields,
    )


def test_weekly_counts_by_criticality_and_frequency_with_the_previous_week(world):
    for day, priority in ((0, "1"), (1, "2"), (1, "2"), (4, "3")):
        incident(world, created=MONDAY + dt.timedelta(days=day, hours=10), priority=priority)
    incident(world, created=MONDAY - dt.timedelta(days=3), priority="1")  # previous week
    incident(world, created=WEEK.end + dt.timedelta(hours=1), priority="1")  # next week
    week = reports.weekly(world["manager"], WEEK)
    assert (week["total"], week["previous_total"]) == (4, 1)
    by_priority = {label[0]: (now, before) for label, now, before in week["by_priority"]}
    assert by_priority == {"1": (1, 1), "2": (2, 0), "3": (1, 0), "4": (0, 0)}
    assert [n for _, n in week["per_day"]] == [1, 2, 0, 0, 1, 0, 0]


def test_kpis_first_contact_mean_time_to_resolve_and_sla_compliance(world):
    start = MONDAY + dt.timedelta(hours=9)
    quick = incident(world, created=start, priority="2", resolved=start + dt.timedelta(hours=2),
                     fcr=True)  # fmt: skip
    slow = incident(world, created=start, priority="2", resolved=start + dt.timedelta(hours=6))
    p3 = incident(world, created=start, priority="3", resolved=start + dt.timedelta(hours=30))
    incident(world, created=start, priority="3")  # still open: not in the KPIs
    clock(quick, metric="resolution", met=True)
    clock(slow, metric="resolution", met=False)
    clock(p3, metric="resolution", met=True)
    clock(quick, metric="response", met=True)
    clock(slow, metric="resolution", met=None, state="running")  # not stopped: not counted
    kpis = reports.kpis(world["manager"], WEEK)
    assert (kpis["resolved"], kpis["first_contact"], kpis["first_contact_percent"]) == (3, 1, 33.3)
    mttr = {label[0]: (count, hours) for label, count, hours in kpis["mttr"]}
    assert mttr["2"] == (2, 4.0) and mttr["3"] == (1, 30.0) and mttr["1"] == (0, None)
    compliance = {label: (met, total, pct) for label, met, total, pct in kpis["sla_compliance"]}
    assert compliance == {"Response": (1, 1, 100.0), "Resolution": (2, 3, 66.7)}


def test_aging_buckets_open_requests_and_actions(world):
    now = timezone.now()
    for age in (dt.timedelta(hours=3), dt.timedelta(days=2), dt.timedelta(days=40)):
        incident(world, created=now - age, priority="2")
    old = incident(world, created=now - dt.timedelta(days=10), group=world["network"])
    incident(world, created=now - dt.timedelta(days=50), resolved=now)  # resolved: not open
    action = IncidentAction.objects.create(incident=old, position=1, title="Replace the cable")
    IncidentAction.objects.filter(pk=action.pk).update(created_at=now - dt.timedelta(days=5))
    data = reports.aging(world["manager"], now=now)
    rows = {(r.group, r.priority[0]): r.buckets for r in data["requests"]}
    assert rows[("Servers", "2")] == {"< 1 day": 1, "1-3 days": 1, "3-7 days": 0,
                                      "7-30 days": 0, "> 30 days": 1}  # fmt: skip
    assert rows[("Network", "3")]["7-30 days"] == 1
    assert data["totals"]["> 30 days"] == 1
    assert [(r.group, r.buckets["3-7 days"]) for r in data["actions"]] == [("Network", 1)]


def test_daily_review_lists_only_the_coordinators_groups(world):
    now = timezone.now()
    breached = incident(world, created=now - dt.timedelta(hours=5), assignee=world["coordinator"])
    clock(breached, metric="resolution", state="running", breached_at=now - dt.timedelta(hours=1))
    unassigned = incident(world, created=now - dt.timedelta(hours=1))
    pending = incident(world, created=now - dt.timedelta(days=6), status="pending",
                       assignee=world["coordinator"])  # fmt: skip
    IncidentRequest.objects.filter(pk=pending.pk).update(updated_at=now - dt.timedelta(days=4))
    other_group = incident(world, created=now - dt.timedelta(hours=1), group=world["network"])
    overdue = IncidentAction.objects.create(
        incident=breached, position=1, title="Call the supplier", due_at=now - dt.timedelta(hours=2)
    )
    sections = {s.key: s.rows for s in reports.daily_review(world["coordinator"], now=now)}
    assert sections["breached"] == [breached]
    assert unassigned in sections["unassigned"] and other_group not in sections["unassigned"]
    assert sections["pending"] == [pending]
    assert sections["actions_overdue"] == [overdue]
    # The operations manager reviews every group.
    everyone = {s.key: s.rows for s in reports.daily_review(world["manager"], now=now)}
    assert other_group in everyone["unassigned"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator", 200), ("manager", 200), ("requester", 403), ("specialist", 403)],
)
def test_report_pages_are_for_coordinators_and_managers(client, world, who, status):
    if who == "specialist":
        person = make_person("specialist", organisation=world["provider"], username="spec")
    else:
        person = world[who]
    client.force_login(person)
    for name in ("incidents:reports", "incidents:report-daily-review", "incidents:report-aging"):
        assert client.get(reverse(name)).status_code == status


def test_report_pages_render_and_export_csv(client, world):
    incident(world, created=MONDAY + dt.timedelta(hours=9), priority="1", title="Mail down")
    client.force_login(world["manager"])
    page = client.get(reverse("incidents:reports"), {"week": "2026-11-04"})
    text = page.content.decode()
    assert page.status_code == 200 and "<svg" in text and "02 Nov 2026" in text
    csv = client.get(reverse("incidents:reports"), {"week": "2026-11-04", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert "priority,1 - Critical,1,0" in csv.content.decode()
    aging = client.get(reverse("incidents:report-aging"), {"format": "csv"})
    assert aging.content.decode().splitlines()[0].startswith("\ufeffkind,group,priority")


@pytest.mark.parametrize("week", ["not a date", "2026-02-30", "11/04/2026", "0001-01-02"])
def test_an_impossible_week_shows_the_error_and_no_figures(client, world, week):
    """Issue 13: it said "Enter a valid date." and showed last week's figures."""
    client.force_login(world["manager"])

    page = client.get(reverse("incidents:reports"), {"week": week})
    csv = client.get(reverse("incidents:reports"), {"week": week, "format": "csv"})

    assert page.status_code == 200
    assert page.context["form"].errors["week"]
    assert 'data-testid="kpis"' not in page.content.decode()
    assert "No figures" in page.content.decode()
    assert csv.status_code == 400 and b"priority," not in csv.content


def test_the_week_picker_takes_and_shows_iso_dates(client, world):
    client.force_login(world["manager"])

    page = client.get(reverse("incidents:reports"), {"week": "2026-11-04"}).content.decode()

    assert 'value="2026-11-04"' in page and 'placeholder="yyyy-mm-dd"' in page
    assert 'type="date"' not in page  # the browser's locale format (mm/dd/yyyy)


@pytest.mark.parametrize("formula", FORMULA_CELLS)
def test_report_csvs_defuse_formulas(client, world, formula):
    # A group and a category are named by administrators, from whatever they paste.
    SupportGroup.objects.filter(pk=world["servers"].pk).update(name=formula)
    category = Category.objects.create(name=formula)
    incident(world, created=MONDAY + dt.timedelta(hours=9), category=category)

    def cells(name, person, **params):
        client.force_login(person)
        return csv_rows(client.get(reverse(name), {"format": "csv", **params}))

    weekly = cells("incidents:reports", world["manager"], week="2026-11-04")
    daily = cells("incidents:report-daily-review", world["coordinator"])
    aging = cells("incidents:report-aging", world["manager"])

    assert ["category", "'" + formula, "1", ""] in weekly
    assert [r[4] for r in daily[1:]] == ["'" + formula]  # the group column
    assert [r[1] for r in aging[1:]] == ["'" + formula]
    assert not any(c == formula for rows in (weekly, daily, aging) for r in rows for c in r)


def test_the_weekly_email_goes_to_subscribers_who_may_read_it(client, world):
    incident(world, created=MONDAY + dt.timedelta(hours=9), priority="1")
    client.force_login(world["manager"])
    response = client.post(reverse("incidents:reports"), {"subscribe": "1"})
    assert response.status_code == 302
    assert ReportSubscription.objects.filter(person=world["manager"]).exists()
    # A requester cannot subscribe (no right to the report) ...
    with pytest.raises(PermissionDenied):
        reporting.report_subscription_set(actor=world["requester"], subscribed=True)
    # ... and a subscription of someone who lost the right sends nothing.
    ReportSubscription.objects.create(person=world["requester"])
    monday_after = WEEK.end + dt.timedelta(hours=7)
    notifications = reporting.send_weekly_reports(now=monday_after)
    assert notifications == 1
    note = world["manager"].notifications.get(event="incidents.weekly_report")
    assert "Registered: 1" in note.body and "2026-11-02" in note.url
    client.post(reverse("incidents:reports"), {"subscribe": "0"})
    assert not ReportSubscription.objects.filter(person=world["manager"]).exists()


def test_the_weekly_report_is_a_monday_job():
    from steward.core.scheduler import jobs

    assert {job.name: job.cron for job in jobs()}["incidents.weekly_report"] == "0 7 * * 1"
