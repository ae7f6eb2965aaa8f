"""Issue 16, "KPIs": each Release Management figure computed on records made with the ORM
(timestamps set with ``.update()``), with its edge cases (no data, no target date, ties);
every release count on the page links to a release list holding exactly what it counts;
the period parsing, the CSV export (formula-safe), the API, who may see it, and a bounded
number of queries."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.changes.models import RequestForChange
from steward.configuration.models import Baseline
from steward.core import numbering
from steward.core.tests.api import field_errors
from steward.core.tests.factories import FORMULA_CELLS
from steward.releases.choices import (
    BusinessCaseStatus,
    CabOutcome,
    MeetingStatus,
    ReleaseStatus,
)
from steward.releases.models import (
    BusinessCase,
    Cab,
    CabAgendaItem,
    CabMeeting,
    Release,
    RfcHandling,
    Rollback,
)
from steward.releases.queries import kpis as queries
from steward.releases.services.releases import backlog_release
from steward.releases.views import kpis as views

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
CELL = re.compile(r'<a href="([^"]+)" title="([^"]+)">(\d+)</a>')
KPIS = "/api/v1/release-kpis/"


def _set(obj, **fields):
    type(obj).objects.filter(pk=obj.pk).update(**fields)
    obj.refresh_from_db()
    return obj


def _release(service, title="Mail 2027.1", **fields):
    release = Release(title=title, service=service)
    numbering.assign(release)
    release.save()
    return _set(release, **fields) if fields else release


def _rfc(service, title="Shared mailboxes"):
    rfc = RequestForChange(title=title, source="known_error", service=service)
    numbering.assign(rfc)
    rfc.save()
    return rfc


def _handling(release, included_at=None, service=None):
    service = service or release.service
    return RfcHandling.objects.create(
        rfc=_rfc(service), service=service, release=release, received_at=timezone.now(),
        included_at=included_at,
    )  # fmt: skip


def _last_90() -> queries.Period:
    return queries.period_for(queries.LAST_90)


# --- The period ----------------------------------------------------------------------------


def test_the_periods_offered():
    today = timezone.localdate()
    assert queries.period_for() == queries.Period(today - 89 * DAY, today)
    assert queries.period_for(queries.LAST_30) == queries.Period(today - 29 * DAY, today)
    quarter = queries.period_for(queries.QUARTER)
    assert quarter.first <= today <= quarter.last
    assert queries.period_for(queries.LAST_QUARTER).last == quarter.first - DAY
    given = queries.period_for(queries.LAST_90, dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert (given.first, given.last) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


@pytest.mark.parametrize(
    ("choice", "first", "last", "field"),
    [
        ("week", None, None, "period"),
        (queries.CUSTOM, dt.date(2026, 3, 2), dt.date(2026, 3, 1), "to"),
        (queries.CUSTOM, dt.date(2020, 1, 1), dt.date(2026, 1, 1), "from"),
        (queries.CUSTOM, dt.date(1, 1, 1), dt.date(1, 2, 1), "from"),
    ],
)
def test_a_period_that_cannot_be_shown_names_the_field(choice, first, last, field):
    with pytest.raises(ValidationError) as error:
        queries.period_for(choice, first, last)
    assert field in error.value.message_dict


# --- The figures ---------------------------------------------------------------------------


def test_no_data_gives_zeros_and_no_rates(release_coordinator):
    data = queries.release_kpis(release_coordinator, _last_90())
    assert data["on_time"] == {
        "services": [],
        "total": {"delivered": 0, "on_time": 0, "late": 0, "no_target": 0, "rate": None},
    }
    per = data["rfcs_per_release"]
    assert (per["releases"], per["median"], per["mean"], per["max"], per["largest"]) == (
        0, None, None, None, [],
    )  # fmt: skip
    assert data["inclusion_to_production"]["count"] == 0
    assert data["inclusion_to_production"]["median_days"] is None
    assert data["rollbacks"]["total"]["share"] is None
    assert (data["business_cases"]["decided"], data["business_cases"]["rate"]) == (0, None)
    assert data["cab_outcomes"]["total"]["decided"] == 0 and data["backlog"]["total"] == 0


@pytest.fixture
def delivered(service, other_service):
    """E-mail: on time (production on the target date: a tie counts as on time), late,
    closed without production past its target (late), without a target date (apart),
    in production long ago (not counted), abandoned (not counted), open with no production
    (not counted); Payroll: one on time."""
    now = timezone.now()
    made = {
        "tie": _release(service, "Tie", production_at=now - 5 * DAY, target_date=now - 5 * DAY,
                        status=ReleaseStatus.REVIEW),
        "late": _release(service, "Late", production_at=now - 3 * DAY,
                         target_date=now - 4 * DAY, status=ReleaseStatus.CLOSED,
                         closed_at=now - DAY),
        "unshipped": _release(service, "Closed unshipped", target_date=now - 20 * DAY,
                              status=ReleaseStatus.CLOSED, closed_at=now - 2 * DAY),
        "no_target": _release(service, "No target", production_at=now - 10 * DAY),
        "old": _release(service, "Old", production_at=now - 200 * DAY,
                        target_date=now - 190 * DAY, status=ReleaseStatus.CLOSED,
                        closed_at=now - 10 * DAY),
        "abandoned": _release(service, "Abandoned", status=ReleaseStatus.ABANDONED,
                              target_date=now - 10 * DAY, closed_at=now - 5 * DAY),
        "open": _release(service, "Open", target_date=now - 10 * DAY),
        "payroll": _release(other_service, "Payroll on time", production_at=now - 2 * DAY,
                            target_date=now + 10 * DAY),
    }  # fmt: skip
    return made


def test_releases_on_time(delivered, release_coordinator):
    data = queries.on_time(release_coordinator, _last_90())
    rows = {r["name"]: r for r in data["services"]}
    email = rows["E-mail"]
    assert (email["delivered"], email["on_time"], email["late"], email["no_target"]) == (4, 1, 2, 1)
    assert email["rate"] == 33.3
    assert (rows["Payroll"]["on_time"], rows["Payroll"]["rate"]) == (1, 100.0)
    assert data["total"] == {"delivered": 5, "on_time": 2, "late": 2, "no_target": 1, "rate": 50.0}
    only = queries.on_time(release_coordinator, _last_90(), delivered["payroll"].service_id)
    assert only["total"]["delivered"] == 1


def test_each_release_count_links_to_exactly_the_releases_it_counts(
    client, delivered, release_coordinator, service
):
    now = timezone.now()
    rolled = delivered["late"]
    baseline = Baseline.objects.create(name="before", taken_at=now, taken_by=release_coordinator)
    for days in (2, 1):  # two rollbacks of one release: one release rolled back
        Rollback.objects.create(release=rolled, baseline=baseline, reason="broke",
                                performed_by=release_coordinator, performed_at=now - days * DAY)  # fmt: skip
    _handling(delivered["tie"])
    client.force_login(release_coordinator)
    page = client.get(reverse("releases:kpis")).content.decode()
    cells = CELL.findall(page)
    assert len(cells) >= 15
    expected = {
        ("On time: E-mail", 1), ("Late: E-mail", 2), ("No target date: E-mail", 1),
        ("Delivered: E-mail", 4), ("Delivered: every service", 5),
        ("Rolled back: E-mail", 1), ("Deployed: E-mail", 3),
        ("Releases registered in the period: every service", 8),
    }  # fmt: skip
    assert expected <= {(label, int(n)) for _, label, n in cells}
    for url, label, n in cells:
        listing = client.get(unescape(url) + "&per_page=100")
        assert listing.status_code == 200, label
        assert not listing.context["filter_errors"], listing.context["filter_errors"]
        assert len(listing.context["rows"]) == int(n), label
    late = next(unescape(u) for u, label, _ in cells if label == "Late: E-mail")
    titles = {r["obj"].title for r in client.get(late).context["rows"]}
    assert titles == {"Late", "Closed unshipped"}


def test_rfcs_per_release_with_ties(release_coordinator, service, other_service):
    two_a, two_b = _release(service, "Two A"), _release(service, "Two B")
    empty = _release(other_service, "Empty")
    for release in (two_a, two_a, two_b, two_b):
        _handling(release)
    old = _release(service, "Old", created_at=timezone.now() - 200 * DAY)
    _handling(old)
    backlog = backlog_release(service)
    for _ in range(5):
        _handling(backlog)  # the backlog release is not a release of the figure
    data = queries.rfcs_per_release(release_coordinator, _last_90())
    assert (data["releases"], data["rfcs"], data["median"], data["mean"], data["max"]) == (
        3, 4, 2, 1.3, 2,
    )  # fmt: skip
    assert [r["number"] for r in data["largest"]] == [two_a.number, two_b.number]
    rows = {s["name"]: s for s in data["services"]}
    assert (rows["Payroll"]["max"], rows["Payroll"]["largest"][0]["id"]) == (0, empty.pk)
    assert rows["E-mail"]["mean"] == 2.0


def test_time_from_cab_inclusion_to_production(release_coordinator, service, other_service):
    now = timezone.now()
    shipped = _release(service, production_at=now - 2 * DAY)
    for days in (1, 2, 3, 10):
        _handling(shipped, included_at=now - (2 + days) * DAY)
    _handling(shipped)  # not included by a CAB: not measured
    payroll = _release(other_service, production_at=now - DAY)
    _handling(payroll, included_at=now - 5 * DAY)
    _handling(_release(service, production_at=now - 200 * DAY), included_at=now - 250 * DAY)
    _handling(_release(service), included_at=now - 5 * DAY)  # not in production yet
    data = queries.inclusion_to_production(release_coordinator, _last_90())
    assert (data["count"], data["releases"], data["median_days"], data["mean_days"],
            data["p90_days"]) == (5, 2, 3.0, 4.0, 10.0)  # fmt: skip
    rows = {s["name"]: s for s in data["services"]}
    assert (rows["E-mail"]["median_days"], rows["Payroll"]["p90_days"]) == (2.5, 4.0)


def test_rollbacks(release_coordinator, service, other_service):
    now = timezone.now()
    baseline = Baseline.objects.create(name="before", taken_at=now, taken_by=release_coordinator)
    first = _release(service, production_at=now - 10 * DAY)
    _release(service, production_at=now - 9 * DAY)
    _release(other_service, production_at=now - 9 * DAY)
    older = _release(service, production_at=now - 200 * DAY)

    def rollback(release, days):
        Rollback.objects.create(release=release, baseline=baseline, reason="broke",
                                performed_by=release_coordinator,
                                performed_at=now - days * DAY)  # fmt: skip

    rollback(first, 5)
    rollback(first, 4)
    rollback(older, 3)  # rolled back in the period, deployed before it
    rollback(older, 150)  # outside
    data = queries.rollbacks(release_coordinator, _last_90())
    rows = {r["name"]: r for r in data["services"]}
    assert (rows["E-mail"]["rollbacks"], rows["E-mail"]["rolled_back"],
            rows["E-mail"]["deployed"], rows["E-mail"]["share"]) == (3, 2, 2, 100.0)  # fmt: skip
    assert (rows["Payroll"]["rollbacks"], rows["Payroll"]["share"]) == (0, 0.0)
    assert data["total"] == {"rollbacks": 3, "rolled_back": 2, "deployed": 3, "share": 66.7}


def test_business_cases_approved_per_round(release_coordinator, service, other_service):
    now = timezone.now()
    release = _release(service)

    def case(status, round_, days=5, rel=release):
        bc = BusinessCase(release=rel, status=status, costs=Decimal(1), benefits="b",
                          budget_requested=Decimal(1), round=round_)  # fmt: skip
        numbering.assign(bc)
        bc.save()
        return _set(bc, decided_at=now - days * DAY if days is not None else None)

    case(BusinessCaseStatus.REJECTED, 1)
    case(BusinessCaseStatus.APPROVED, 2)
    case(BusinessCaseStatus.APPROVED, 1, rel=_release(other_service))
    case(BusinessCaseStatus.ABANDONED, 3)  # rejected, then abandoned
    case(BusinessCaseStatus.APPROVED, 4)
    case(BusinessCaseStatus.SUBMITTED, 1, days=None)  # not decided
    case(BusinessCaseStatus.APPROVED, 1, days=200)  # outside
    data = queries.business_cases(release_coordinator, _last_90())
    assert (data["decided"], data["approved"], data["rate"]) == (5, 3, 60.0)
    assert [(r["round"], r["decided"], r["approved"], r["rate"]) for r in data["rounds"]] == [
        ("1", 2, 1, 50.0), ("2", 1, 1, 100.0), ("3+", 2, 1, 50.0),
    ]  # fmt: skip
    only = queries.business_cases(release_coordinator, _last_90(), other_service.pk)
    assert (only["decided"], only["approved"]) == (1, 1)


def test_cab_outcomes_and_the_backlog_now(release_coordinator, service, other_service):
    now = timezone.now()
    cab = Cab.objects.create(service=service, name="E-mail CAB")

    def meeting(days, status=MeetingStatus.CLOSED):
        m = CabMeeting(cab=cab, starts_at=now - days * DAY, status=status,
                       submission_deadline=now - (days + 2) * DAY)  # fmt: skip
        numbering.assign(m)
        m.save()
        return m

    held, earlier, long_ago = meeting(10), meeting(40), meeting(200)
    for m, outcomes in ((held, ["rejected", "included", "included", "backlog"]),
                        (earlier, ["backlog", ""]), (long_ago, ["rejected"])):  # fmt: skip
        for n, outcome in enumerate(outcomes):
            CabAgendaItem.objects.create(meeting=m, rfc=_rfc(service), position=n, outcome=outcome)
    data = queries.cab_outcomes(release_coordinator, _last_90())
    assert data["held"] == 2
    assert data["total"] == {"meetings": 2, CabOutcome.REJECTED: 1, CabOutcome.INCLUDED: 2,
                             CabOutcome.BACKLOG: 2, "decided": 5}  # fmt: skip
    for _ in range(3):
        _handling(backlog_release(service))
    backlog_release(other_service)
    backlog = queries.backlog_now(release_coordinator)
    assert [(s["name"], s["rfcs"]) for s in backlog["services"]] == [("E-mail", 3), ("Payroll", 0)]
    assert backlog["total"] == 3


# --- The page, the CSV and the API ---------------------------------------------------------


def test_the_page_renders_with_charts_tables_and_exports(client, delivered, release_coordinator):
    client.force_login(release_coordinator)
    page = client.get(reverse("releases:kpis"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Releases on time" in body and "<svg" in body and "Backlog per service" in body
    assert 'aria-label="On time: 2"' in body  # the value on the column, and a link
    answer = client.get(reverse("releases:kpis"), {"format": "csv", "table": "on-time"})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "service,delivered,on_time,late,no_target,rate"
    assert lines[1] == "E-mail,4,1,2,1,33.3" and lines[-1] == "Every service,5,2,2,1,50.0"
    for table in views.csv_tables(queries.release_kpis(release_coordinator, _last_90())):
        assert (
            client.get(reverse("releases:kpis"), {"format": "csv", "table": table}).status_code
            == 200
        )
    unknown = client.get(reverse("releases:kpis"), {"format": "csv", "table": "nothing"})
    assert unknown.status_code == 400


def test_the_page_for_one_service(client, delivered, release_coordinator, other_service):
    client.force_login(release_coordinator)
    page = client.get(reverse("releases:kpis"), {"service": other_service.pk})
    assert page.status_code == 200
    assert page.context["kpis"]["on_time"]["total"]["delivered"] == 1


@pytest.mark.parametrize("params", [{"start": "2026-13-01"}, {"start": "2026-03-02", "end": "2026-03-01"}, {"period": "week"}, {"service": "999999"}])  # fmt: skip
def test_the_page_shows_errors_for_a_bad_period(client, release_coordinator, params):
    client.force_login(release_coordinator)
    page = client.get(reverse("releases:kpis"), params)
    assert page.status_code == 400
    assert page.context["form"].errors and "No figures" in page.content.decode()
    bad_csv = client.get(reverse("releases:kpis"), {**params, "format": "csv", "table": "on-time"})
    assert bad_csv.status_code == 400


def test_the_api_answers_every_figure(api, delivered, release_coordinator, other_service):
    answer = api.as_(release_coordinator).get(KPIS, {"from": "2026-01-01", "to": timezone.localdate().isoformat()})  # fmt: skip
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["from"] == "2026-01-01"
    assert set(data) >= {"on_time", "rfcs_per_release", "inclusion_to_production", "rollbacks",
                         "business_cases", "cab_outcomes", "backlog"}  # fmt: skip
    default = api.as_(release_coordinator).get(KPIS).json()
    assert default["on_time"]["total"]["delivered"] == 5
    one = api.as_(release_coordinator).get(KPIS, {"service": other_service.pk}).json()
    assert one["on_time"]["total"] == {"delivered": 1, "on_time": 1, "late": 0, "no_target": 0,
                                       "rate": 100.0}  # fmt: skip


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"period": "year"}, "period"),
        ({"service": "999999"}, "service"),
        ({"since": "2026-01-01"}, "since"),
    ],
)
def test_the_api_refuses_bad_parameters(api, release_coordinator, params, field):
    answer = api.as_(release_coordinator).get(KPIS, params)
    assert answer.status_code == 400
    assert field in field_errors(answer)


def test_customer_side_people_may_not_see_the_kpis(api, client, requester, no_role_person):
    for person in (requester, no_role_person):
        assert api.as_(person).get(KPIS).status_code == 403
        client.force_login(person)
        assert client.get(reverse("releases:kpis")).status_code == 403


def test_a_customer_following_a_link_sees_no_release(client, delivered, requester):
    client.force_login(requester)
    url = views.release_list_url(on_time="late")
    assert client.get(url).status_code == 403
    assert client.get(
        reverse("releases:release-detail", args=[delivered["late"].pk])
    ).status_code in (403, 404)


def test_the_page_reads_a_bounded_number_of_queries(
    client, release_coordinator, service, other_service, django_assert_max_num_queries
):
    now = timezone.now()
    for n in range(30):
        release = _release(service if n % 2 else other_service, f"R{n}",
                           production_at=now - (n + 1) * DAY, target_date=now - n * DAY)  # fmt: skip
        _handling(release, included_at=now - (n + 5) * DAY)
    client.force_login(release_coordinator)
    with django_assert_max_num_queries(40):
        assert client.get(reverse("releases:kpis")).status_code == 200


@pytest.mark.parametrize("formula", FORMULA_CELLS)
def test_release_kpi_csvs_defuse_formulas(client, release_coordinator, provider, formula):
    """A service's name and a release's title are typed by people: in every table's CSV
    a cell that a spreadsheet would run as a formula is written as text."""
    from steward.service_level.models import Service

    service = Service(name=formula, status="active", provider=provider)
    numbering.assign(service)
    service.save()
    now = timezone.now()
    release = _release(service, formula, production_at=now - DAY, target_date=now)
    _handling(release, included_at=now - 3 * DAY)
    _handling(backlog_release(service))
    client.force_login(release_coordinator)
    cells = []
    for table in views.csv_tables(queries.release_kpis(release_coordinator, _last_90())):
        answer = client.get(reverse("releases:kpis"), {"format": "csv", "table": table})
        text = answer.content.decode("utf-8-sig")
        cells += [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert {"'" + formula, "'" + formula.strip()} & set(cells)
    assert not {formula, formula.strip()} & set(cells)
