"""The Change Management KPIs on a small hand-made set of changes, each figure as a person
counting the changes would count it: January 2025 busy, February empty, March a little.

January (E-mail): A normal, 6 h in approval, closed successfully, caused an incident; B
normal, in approval twice (the lead time counts from the second entry: 24 h), backed out;
C emergency, closed successfully; D cancelled (left out of the success rate); E rejected;
F registered and left in planning (then approval in March). Payroll: P, an emergency
change. March (E-mail): G approved after 24 h, in implementation; H an emergency change
in implementation.
"""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.changes.choices import ChangeOutcome, ChangeStatus, ChangeType
from steward.changes.models import Change
from steward.changes.queries import kpis
from steward.core import journal
from steward.core.models import JournalEntry
from steward.core.tests.api import field_errors
from steward.incidents.tests.test_solutions import incident as make_incident

pytestmark = pytest.mark.django_db

S = ChangeStatus


def at(month: int, day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2025, month, day, hour))


def made(make_change: Any, name: str, created: dt.datetime, path: list, **fields: Any) -> Change:
    """A change registered at ``created`` that went through ``path`` ([(when, status)]),
    each step journaled as the transition primitive journals it; ``fields`` as it ended."""
    kind = fields.pop("change_type", ChangeType.NORMAL)
    extra = {k: fields.pop(k) for k in ("service_id", "actor") if k in fields}
    first = S.IMPLEMENTATION if kind == ChangeType.EMERGENCY else S.REGISTERED
    change = make_change(title=name, change_type=kind, status=first, **extra)
    old = first
    for when, new in path:
        entry = journal.transition(change, actor=None, old=old, new=new)
        JournalEntry.objects.filter(pk=entry.pk).update(created_at=when)
        old = new
    Change.objects.filter(pk=change.pk).update(created_at=created, status=old, **fields)
    change.refresh_from_db()
    return change


PLANNED = [(at(1, 6), S.RISK_ANALYSIS), (at(1, 7), S.PLANNING)]


@pytest.fixture
def changes(make_change, other_service, requester, change_manager):
    a = made(make_change, "A", at(1, 5), [*PLANNED, (at(1, 10, 9), S.APPROVAL),
             (at(1, 10, 15), S.IMPLEMENTATION), (at(1, 18), S.PRODUCTION_TEST),
             (at(1, 20), S.CLOSED)], approved_at=at(1, 10, 15),
             outcome=ChangeOutcome.SUCCESSFUL, closed_at=at(1, 20))  # fmt: skip
    a.caused_incidents.add(make_incident(requester))
    made(make_change, "B", at(1, 6), [*PLANNED, (at(1, 8, 8), S.APPROVAL),
         (at(1, 8, 12), S.PLANNING), (at(1, 12, 8), S.APPROVAL), (at(1, 13, 8), S.IMPLEMENTATION),
         (at(1, 20), S.PRODUCTION_TEST), (at(1, 25), S.BACKED_OUT)], approved_at=at(1, 13, 8),
         outcome=ChangeOutcome.BACKED_OUT, closed_at=at(1, 25))  # fmt: skip
    made(make_change, "C", at(1, 7), [(at(1, 8), S.PRODUCTION_TEST), (at(1, 8, 12), S.REGISTERED),
         (at(1, 9), S.CLOSED)], change_type=ChangeType.EMERGENCY,
         outcome=ChangeOutcome.SUCCESSFUL, closed_at=at(1, 9))  # fmt: skip
    made(make_change, "D", at(1, 8), [(at(1, 15), S.CANCELLED)],
         outcome=ChangeOutcome.CANCELLED, closed_at=at(1, 15))  # fmt: skip
    made(make_change, "E", at(1, 9), [(at(1, 10), S.RISK_ANALYSIS), (at(1, 11), S.PLANNING), (at(1, 27), S.APPROVAL),
         (at(1, 28), S.REJECTED)], outcome=ChangeOutcome.REJECTED, closed_at=at(1, 28))  # fmt: skip
    made(make_change, "F", at(1, 20), [(at(1, 21), S.RISK_ANALYSIS), (at(1, 22), S.PLANNING),
         (at(3, 10), S.APPROVAL)])  # fmt: skip
    made(make_change, "P", at(1, 10), [], change_type=ChangeType.EMERGENCY,
         service_id=other_service.pk, actor=change_manager)  # fmt: skip
    made(make_change, "G", at(3, 3), [(at(3, 3, 12), S.RISK_ANALYSIS), (at(3, 4), S.PLANNING),
         (at(3, 4, 10), S.APPROVAL), (at(3, 5, 10), S.IMPLEMENTATION)],
         approved_at=at(3, 5, 10))  # fmt: skip
    made(make_change, "H", at(3, 20), [], change_type=ChangeType.EMERGENCY)


def figures(actor: Any, service: Any = None, grain: str = kpis.MONTH) -> list[dict[str, Any]]:
    periods = kpis.periods_between(grain, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    return kpis.change_kpis(actor, periods, service_id=service.pk if service else None).periods


@pytest.mark.parametrize(
    ("measure", "january", "february", "march"),
    [
        # Registered in the period (both services), and of those the emergency changes.
        ("registered", 7, 0, 2),
        ("emergency", 2, 0, 1),  # C and P; H
        ("emergency_ratio", 28.6, None, 50.0),  # 2 of 7; 1 of 2
        # Ended with an outcome, cancelled left out: A, B, C, E; of those successful: A, C.
        ("ended", 4, 0, 0),
        ("successful", 2, 0, 0),
        ("success_rate", 50.0, None, None),
        # Implemented (closed successfully or backed out): A, B, C; A caused an incident.
        ("implemented", 3, 0, 0),
        ("caused_incidents", 1, 0, 0),
        ("caused_incidents_share", 33.3, None, None),
        # Approval lead time: A 6 h, B 24 h (from its second entry); G 24 h.
        ("approved", 2, 0, 1),
        ("approval_median_hours", 15.0, None, 24.0),
        ("approval_p90_hours", 24.0, None, 24.0),
        # Open at the end of the month: F (planning; still in February) and P (Payroll, in
        # implementation throughout); in March also G and H in implementation, F in approval.
        ("backlog_total", 2, 2, 4),
    ],
)
def test_each_kpi_per_month(changes, change_manager, measure, january, february, march):
    rows = figures(change_manager)

    assert [r["label"] for r in rows] == ["2025-01", "2025-02", "2025-03"]
    assert [r[measure] for r in rows] == [january, february, march]


def test_the_backlog_by_state_at_each_month_end(changes, change_manager, service):
    rows = figures(change_manager, service)

    assert [{k: n for k, n in r["backlog"].items() if n} for r in rows] == [
        {S.PLANNING: 1},
        {S.PLANNING: 1},
        {S.APPROVAL: 1, S.IMPLEMENTATION: 2},
    ]


def test_one_service_counts_its_own_changes_only(changes, change_manager, service, other_service):
    email = figures(change_manager, service)[0]
    payroll = figures(change_manager, other_service)

    assert (email["registered"], email["emergency"], email["emergency_ratio"]) == (6, 1, 16.7)
    assert [r["registered"] for r in payroll] == [1, 0, 0]
    assert [r["backlog_total"] for r in payroll] == [1, 1, 1]
    assert payroll[0]["success_rate"] is None  # nothing ended: no rate, not 0 %


def test_weeks_split_the_same_changes(changes, change_manager):
    rows = figures(change_manager, grain=kpis.WEEK)

    assert rows[0]["label"] == "2025-W01" and rows[0]["start"] == dt.date(2024, 12, 30)
    assert len(rows) == 14
    assert sum(r["registered"] for r in rows) == 9
    week_of_a = next(r for r in rows if r["start"] == dt.date(2025, 1, 6))
    assert week_of_a["approval_median_hours"] == 6.0  # A approved on Friday 10 January


def test_nothing_at_all_is_every_period_empty(change_manager):
    rows = figures(change_manager)

    assert [r["registered"] for r in rows] == [0, 0, 0]
    assert {r["success_rate"] for r in rows} == {None}


def test_the_trend_compares_the_last_period_with_the_one_before(changes, change_manager):
    result = kpis.change_kpis(
        change_manager, kpis.periods_between(kpis.MONTH, dt.date(2025, 2, 1), dt.date(2025, 3, 1))
    )

    assert result.trend("backlog_total") == {"current": 4, "previous": 2, "direction": "up"}
    assert result.trend("emergency_ratio")["direction"] is None  # nothing in February


@pytest.mark.parametrize(
    ("grain", "start", "end", "field"),
    [
        ("day", None, None, "period"),
        (kpis.MONTH, dt.date(2025, 3, 1), dt.date(2025, 1, 1), "end"),
        (kpis.WEEK, dt.date(2020, 1, 1), dt.date(2025, 1, 1), "start"),  # over 106 weeks
        (kpis.MONTH, dt.date(1, 1, 1), dt.date(1, 2, 1), "start"),  # before the calendar
    ],
)
def test_periods_that_cannot_be_shown_name_the_field(grain, start, end, field):
    with pytest.raises(ValidationError) as refused:
        kpis.periods_between(grain, start, end)

    assert list(refused.value.message_dict) == [field]


def test_by_default_the_last_twelve_months_up_to_today():
    periods = kpis.periods_between()

    assert len(periods) == 12
    assert periods[-1].first_day == timezone.localdate().replace(day=1)


# --- API ----------------------------------------------------------------------------------


def test_the_api_gives_the_figures_and_trends(api, changes, change_manager, service):
    answer = api.as_(change_manager).get(
        "/api/v1/change-kpis/",
        {"start": "2025-01-01", "end": "2025-03-31", "service": service.pk},
    )

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["period"], body["service"]) == ("month", service.pk)
    january = body["periods"][0]
    assert (january["label"], january["start"], january["end"]) == (
        "2025-01", "2025-01-01", "2025-01-31",
    )  # fmt: skip
    assert (january["success_rate"], january["caused_incidents"]) == (50.0, 1)
    assert body["periods"][2]["backlog"]["implementation"] == 2
    assert body["trends"]["backlog_total"]["direction"] == "up"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2025-13-01"}, "start"),
        ({"end": "31-01-2025"}, "end"),
        ({"start": "2025-03-01", "end": "2025-01-01"}, "end"),
        ({"period": "day"}, "period"),
        ({"service": "abc"}, "service"),
        ({"service": "999999"}, "service"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_the_api_refuses_what_it_cannot_use(api, change_manager, query, field):
    answer = api.as_(change_manager).get("/api/v1/change-kpis/", query)

    assert answer.status_code == 400
    assert list(field_errors(answer)) == [field]


def test_customer_side_people_may_not_read_the_kpis(api, client, requester):
    assert api.as_(requester).get("/api/v1/change-kpis/").status_code == 403
    client.force_login(requester)
    assert client.get(reverse("changes:kpis")).status_code == 403


# --- The page -----------------------------------------------------------------------------


def test_the_page_draws_each_kpi_as_a_chart_and_a_table(client, changes, change_manager, service):
    client.force_login(change_manager)

    page = client.get(
        reverse("changes:kpis"),
        {"period": "month", "start": "2025-01-01", "end": "2025-03-31", "service": service.pk},
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<svg class="hbars') == 6
    assert "style=" not in html.split("<main", 1)[-1]  # SVG attributes only (CSP)
    for heading in (
        "Change success rate",
        "Emergency change ratio",
        "Changes that caused incidents",
        "Approval lead time",
        "Backlog by state",
    ):
        assert heading in html  # fmt: skip
    assert "Jan 25: 50%" in html  # January's success rate column, read as text
    assert "2025-03" in html and "up from 1 the period before" in html  # the open changes


def test_the_page_says_what_is_wrong_with_the_dates(client, change_manager):
    client.force_login(change_manager)

    page = client.get(reverse("changes:kpis"), {"start": "2025-03-01", "end": "2025-01-01"})

    assert page.status_code == 400
    assert "The end comes before the start." in page.content.decode()
    assert '<svg class="hbars' not in page.content.decode()


def test_the_page_is_in_the_navigation(client, change_manager):
    client.force_login(change_manager)

    html = client.get(reverse("changes:change-list")).content.decode()

    assert reverse("changes:kpis") in html and "Change KPIs" in html
