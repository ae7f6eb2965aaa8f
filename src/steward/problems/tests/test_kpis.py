"""Issue 15, "Reports and KPIs": each figure of the Problem Management report computed on
a small data set built with the ORM (timestamps set with ``.update()``), the links of the
age table count what they say, the period parsing, the API and who may see it."""

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.changes.models import RequestForChange
from steward.core import numbering, periods
from steward.core.tests.factories import FORMULA_CELLS
from steward.incidents.models import Category
from steward.problems.choices import KnownErrorStatus, ProblemStatus
from steward.problems.models import KnownError, ProblemIncident, ProblemInvestigation
from steward.problems.queries import kpis as queries
from steward.problems.views import kpis as views

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
CELL = re.compile(r'<a href="([^"]+)" title="Open problems: ([^"]+)">(\d+)</a>')


def _set(obj, **fields):
    type(obj).objects.filter(pk=obj.pk).update(**fields)
    obj.refresh_from_db()
    return obj


def _problem(service, **fields):
    """A problem investigation made with the ORM (on a service its coordinator lacks)."""
    problem = ProblemInvestigation(title=fields.pop("title", "Payroll runs late"), service=service)
    numbering.assign(problem)
    problem.save()
    return _set(problem, **fields) if fields else problem


def _link(problem, incident, at=None):
    link = ProblemIncident.objects.create(problem=problem, incident=incident)
    if at is not None:
        ProblemIncident.objects.filter(pk=link.pk).update(linked_at=at)
    return link


def _known_error(problem, rfc=None, status=KnownErrorStatus.OPEN):
    ke = KnownError(problem=problem, title=problem.title, service=problem.service,
                    root_cause="A full disk", rfc=rfc, status=status)  # fmt: skip
    numbering.assign(ke)
    ke.save()
    return ke


def _last_90() -> queries.Period:
    today = timezone.localdate()
    return queries.period_for(queries.CUSTOM, today - 89 * DAY, today)


# --- The period ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (dt.date(2026, 5, 17), dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 9, 30), dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        (dt.date(2026, 12, 6), dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ],
)
def test_the_quarter_of_a_day(day, first, last):
    assert periods.quarter_of(day) == (first, last)


def test_the_periods_offered():
    today = timezone.localdate()
    quarter = queries.period_for(queries.QUARTER)
    assert quarter.first <= today <= quarter.last
    previous = queries.period_for(queries.LAST_QUARTER)
    assert previous.last == quarter.first - DAY
    assert queries.period_for(queries.LAST_30) == queries.Period(today - 29 * DAY, today)
    assert queries.period_for(queries.LAST_90).first == today - 89 * DAY
    given = queries.period_for(queries.QUARTER, dt.date(2026, 2, 1), dt.date(2026, 2, 28))
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


@pytest.fixture
def aged(make_problem, other_service):
    """Open problems 3, 10, 45 and 100 days old on E-mail, one 10 days old on Payroll,
    and a closed one (not counted)."""
    now = timezone.now()
    made = {}
    for days in (3, 10, 45, 100):
        made[days] = _set(make_problem(title=f"{days} days"), created_at=now - days * DAY)
    _problem(other_service, created_at=now - 10 * DAY)
    closed = make_problem(title="Closed")
    _set(closed, status=ProblemStatus.CLOSED, created_at=now - 10 * DAY, closed_at=now)
    return made


def test_open_problems_by_age_and_service(aged, problem_coordinator, service, other_service):
    data = queries.open_by_age(problem_coordinator, timezone.now())
    assert data["buckets"] == ["< 7 d", "7-30 d", "30-90 d", "> 90 d"]
    rows = {s["name"]: s["counts"] for s in data["services"]}
    assert rows == {"E-mail": [1, 1, 1, 1], "Payroll": [0, 1, 0, 0]}
    assert data["totals"] == [1, 2, 1, 1] and data["total"] == 5


def test_each_age_cell_links_to_exactly_the_problems_it_counts(client, aged, problem_coordinator):
    client.force_login(problem_coordinator)
    page = client.get(reverse("problems:kpis")).content.decode()
    cells = CELL.findall(page)
    assert len(cells) == 5
    for url, label, n in cells:
        listing = client.get(unescape(url) + "&per_page=100")
        assert listing.status_code == 200
        assert not listing.context["filter_errors"], listing.context["filter_errors"]
        assert len(listing.context["rows"]) == int(n), label
    ten = next(unescape(u) for u, label, _ in cells if label == "E-mail, 7-30 d")
    rows = client.get(ten).context["rows"]
    assert [r["obj"].title for r in rows] == ["10 days"]


def test_incidents_per_problem(make_problem, make_incident, problem_coordinator):
    busy, single, idle = make_problem(title="Busy"), make_problem(title="One"), make_problem()
    for _ in range(3):
        _link(busy, make_incident())
    _link(single, make_incident())
    old = _set(make_problem(title="Old"), created_at=timezone.now() - 200 * DAY)
    _link(old, make_incident())
    data = queries.incidents_per_problem(problem_coordinator, _last_90())
    assert (data["problems"], data["incidents"], data["mean"]) == (3, 4, 1.3)
    assert [d["problems"] for d in data["distribution"]] == [1, 1, 1, 0, 0]
    assert [(p["number"], p["incidents"]) for p in data["top"]] == [
        (busy.number, 3),
        (single.number, 1),
    ]
    assert idle.number not in [p["number"] for p in data["top"]]


def test_time_to_root_cause(make_problem, other_service, problem_coordinator):
    now = timezone.now()
    found = now - 2 * DAY
    for days in (1, 2, 3, 10):  # E-mail: found 1, 2, 3 and 10 days after registration
        _set(make_problem(), created_at=found - days * DAY, root_cause_found_at=found)
    _problem(other_service, created_at=found - 4 * DAY, root_cause_found_at=found)
    _set(make_problem(), created_at=now - 300 * DAY, root_cause_found_at=now - 200 * DAY)
    _set(make_problem(), created_at=now - 5 * DAY)  # no root cause yet
    data = queries.time_to_root_cause(problem_coordinator, _last_90())
    assert (data["count"], data["median_days"], data["mean_days"], data["p90_days"]) == (
        5, 3.0, 4.0, 10.0,
    )  # fmt: skip
    services = {s["service"]: s for s in data["services"]}
    assert (services["E-mail"]["median_days"], services["E-mail"]["mean_days"]) == (2.5, 4.0)
    assert services["Payroll"]["count"] == 1 and services["Payroll"]["p90_days"] == 4.0
    month = f"{timezone.localtime(found):%Y-%m}"
    months = {m["month"]: m for m in data["months"]}
    assert months[month]["count"] == 5
    assert sum(m["count"] for m in data["months"]) == 5 and len(data["months"]) >= 3


def test_known_errors_without_a_change(make_problem, problem_coordinator, service):
    problem = make_problem()
    rfc = RequestForChange(title="Bigger disk", source="known_error", service=service)
    numbering.assign(rfc)
    rfc.save()
    without_rfc = _known_error(problem)
    rfc_without_change = _known_error(problem, rfc=rfc, status=KnownErrorStatus.CHANGE_REQUESTED)
    _known_error(problem, status=KnownErrorStatus.RESOLVED)
    _known_error(problem, status=KnownErrorStatus.RETIRED)
    data = queries.known_errors_without_change(problem_coordinator)
    assert data["count"] == 2
    assert [(k["number"], k["rfc"]) for k in data["known_errors"]] == [
        (without_rfc.number, None),
        (rfc_without_change.number, rfc.number),
    ]


def test_recurrence_after_closure(make_problem, make_incident, problem_coordinator, other_service):
    now = timezone.now()
    closed_at = now - 20 * DAY
    mailbox, quota = Category.objects.create(name="Mailbox"), Category.objects.create(name="Quota")

    def closed(title, category):
        problem = make_problem(title=title)
        _set(problem, status=ProblemStatus.CLOSED, closed_at=closed_at)
        incident = make_incident()
        _set(incident, category=category, created_at=closed_at - 5 * DAY)
        _link(problem, incident, at=closed_at - 4 * DAY)
        return problem

    same_kind = closed("Same kind came back", mailbox)
    relinked = closed("Linked again", quota)
    quiet = closed("Quiet", quota)
    _set(make_incident(), category=mailbox, created_at=closed_at + DAY)  # same kind
    _set(make_incident(), category=mailbox, created_at=closed_at - DAY)  # before: no
    later = _set(make_incident(), created_at=closed_at + 2 * DAY)
    _link(relinked, later, at=closed_at + 3 * DAY)
    payroll = make_incident(service=other_service)
    _set(payroll, category=quota, created_at=closed_at + DAY)  # another service: no
    long_ago = closed("Closed long ago", mailbox)
    _set(long_ago, closed_at=now - 200 * DAY)
    data = queries.recurrence(problem_coordinator, _last_90())
    assert (data["closed"], data["recurred"], data["rate"]) == (3, 2, 66.7)
    found = {r["number"]: (r["relinked"], r["same_kind"]) for r in data["problems"]}
    assert found == {same_kind.number: (False, True), relinked.number: (True, False)}
    assert quiet.number not in found


def test_recurrence_by_a_shared_ci(make_problem, make_incident, problem_coordinator):
    from steward.configuration.models import CIClass, ConfigurationItem

    ci = ConfigurationItem(
        name="mail01", ci_class=CIClass.objects.create(name="Server", code="srv")
    )
    numbering.assign(ci)
    ci.save()
    closed_at = timezone.now() - 10 * DAY
    problem = _set(make_problem(), status=ProblemStatus.CLOSED, closed_at=closed_at)
    before = _set(make_incident(), created_at=closed_at - DAY)
    before.cis.add(ci)
    _link(problem, before)
    after = _set(make_incident(), created_at=closed_at + DAY)
    after.cis.add(ci)
    data = queries.recurrence(problem_coordinator, _last_90())
    assert data["recurred"] == 1 and data["problems"][0]["same_kind"] is True


def test_top_incident_causes_and_what_is_unexplained(
    client, make_problem, make_incident, problem_coordinator
):
    now = timezone.now()
    critical = _set(make_problem(title="Critical few"), root_cause="Certificate expired")
    _known_error(critical)
    many = make_problem(title="Many low")
    for priority in ("1", "2"):  # 8 + 4 = 12
        _link(critical, _set(make_incident(), priority=priority, created_at=now - DAY))
    for _ in range(5):  # 5 x 1 = 5
        _link(many, _set(make_incident(), priority="4", created_at=now - DAY))
    old = _set(make_incident(), priority="1", created_at=now - 200 * DAY)  # outside
    _link(many, old)
    mailbox = Category.objects.create(name="Mailbox")
    for priority in ("2", "3"):  # Mailbox 4 + 2 = 6
        _set(make_incident(), category=mailbox, priority=priority, created_at=now - DAY)
    _set(make_incident(), category=None, priority="4", created_at=now - DAY)
    data = queries.top_causes(problem_coordinator, _last_90())
    assert [(c["number"], c["incidents"], c["weight"]) for c in data["causes"]] == [
        (critical.number, 2, 12),
        (many.number, 5, 5),
    ]
    assert data["causes"][0]["root_cause"] == "Certificate expired"
    assert len(data["causes"][0]["known_errors"]) == 1
    assert (data["linked"], data["unexplained"]) == (7, 3)
    assert [(c["name"], c["incidents"], c["weight"]) for c in data["categories"]] == [
        ("Mailbox", 2, 6),
        ("(no category)", 1, 1),
    ]
    # On the page: each cause's bar is a link to its problem, its weight written on it;
    # every table exports.
    client.force_login(problem_coordinator)
    page = client.get(reverse("problems:kpis"), {"period": queries.LAST_30}).content.decode()
    url = reverse("problems:problem-detail", args=[critical.pk])
    assert f'<a href="{url}" aria-label="{critical.number} Critical few: 12 (2 inc.)">' in page
    assert "Certificate expired" in page and "Mailbox" in page
    for table in views.csv_tables(queries.problem_kpis(problem_coordinator, _last_90())):
        answer = client.get(reverse("problems:kpis"), {"format": "csv", "table": table})
        assert answer.status_code == 200, table


# --- The page and the API ------------------------------------------------------------------


def test_the_page_renders_with_charts_and_exports(client, aged, problem_coordinator):
    client.force_login(problem_coordinator)
    page = client.get(reverse("problems:kpis"), {"period": "custom", "start": "2026-01-01"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Open problems by age and service" in body and "<svg" in body
    assert 'aria-label="Open problems per age"' in body
    csv = client.get(reverse("problems:kpis"), {"format": "csv", "table": "open-by-age"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("service,") and lines[1] == "E-mail,1,1,1,1,4"
    unknown = client.get(reverse("problems:kpis"), {"format": "csv", "table": "nothing"})
    assert unknown.status_code == 400


@pytest.mark.parametrize("params", [{"start": "2026-13-01"}, {"start": "2026-03-02", "end": "2026-03-01"}, {"period": "week"}])  # fmt: skip
def test_the_page_shows_errors_for_a_bad_period(client, problem_coordinator, params):
    client.force_login(problem_coordinator)
    page = client.get(reverse("problems:kpis"), params)
    assert page.status_code == 400
    assert page.context["form"].errors
    assert "No figures" in page.content.decode()


def test_the_api_answers_every_figure(api, aged, problem_coordinator):
    answer = api.as_(problem_coordinator).get(
        "/api/v1/problem-kpis/", {"from": "2026-01-01", "to": timezone.localdate().isoformat()}
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["from"] == "2026-01-01"
    assert data["open_by_age"]["totals"] == [1, 2, 1, 1]
    assert set(data) >= {"incidents_per_problem", "time_to_root_cause", "recurrence",
                         "known_errors_without_change", "top_causes"}  # fmt: skip


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"period": "year"}, "period"),
        ({"since": "2026-01-01"}, None),
    ],
)
def test_the_api_refuses_bad_dates(api, problem_coordinator, params, field):
    answer = api.as_(problem_coordinator).get("/api/v1/problem-kpis/", params)
    assert answer.status_code == 400
    if field:
        assert field in answer.json() or field in str(answer.json())


@pytest.mark.parametrize("who", ["requester", "representative"])
def test_customer_side_people_may_not_see_the_kpis(api, client, request, who):
    person = request.getfixturevalue(who)
    assert api.as_(person).get("/api/v1/problem-kpis/").status_code == 403
    client.force_login(person)
    assert client.get(reverse("problems:kpis")).status_code == 403


@pytest.mark.parametrize("formula", FORMULA_CELLS)
def test_kpi_csvs_defuse_formulas(client, make_problem, make_incident, problem_coordinator,
                                  formula):  # fmt: skip
    """A problem's title and a category name are typed by people: in every table's CSV a
    cell that a spreadsheet would run as a formula is written as text."""
    problem = make_problem(title=formula)
    _link(problem, make_incident(category=Category.objects.create(name=formula)))
    client.force_login(problem_coordinator)
    cells = []
    for table in views.csv_tables(queries.problem_kpis(problem_coordinator, _last_90())):
        answer = client.get(reverse("problems:kpis"), {"format": "csv", "table": table})
        text = answer.content.decode("utf-8-sig")
        cells += [c for row in csv.reader(io.StringIO(text)) for c in row]
    # (the title is stored stripped: "\t=1+1" becomes "=1+1")
    assert {"'" + formula, "'" + formula.strip()} & set(cells)
    assert not {formula, formula.strip()} & set(cells)
