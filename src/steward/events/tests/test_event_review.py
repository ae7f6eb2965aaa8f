"""Seed 003 ch. 6 proc. 2, Event Review: the four findings tables (each branch of what
counts as a finding), raising an improvement (the incident request, its group, one open
request per finding), who may do it (denials from the outside), bad input (400, nothing
written), the page, its CSV (formula-safe) and the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from steward.core.models import SupportGroup
from steward.core.testing.exports import assert_formulas_defused, csv_records
from steward.core.tests.api import field_errors
from steward.core.tests.factories import FORMULA_CELLS, staff_fixture
from steward.events.models import CorrelationRule, EventSource, EventType, ImprovementRequest
from steward.events.queries import reviews as queries
from steward.events.services.reviews import improvement_raise
from steward.events.tests.review_records import ago, make_event
from steward.incidents.models import IncidentRequest

pytestmark = pytest.mark.django_db
REVIEW_API = "/api/v1/event-review/"
RAISE_API = "/api/v1/event-review/raise/"

desk = staff_fixture("desk", "service_desk_analyst", "desk")


@pytest.fixture
def monitors(db, provider, network, source, operator):
    """Events of the last 30 days (and one older) covering each branch of the review."""
    source.support_group = network.group
    source.save()
    other = EventSource.objects.create(name="Zabbix DC2", kind="zabbix", token_hash="b" * 64)
    incident = IncidentRequest.objects.create(title="Store down", requester=operator, number="INC9")
    # cpu_high: never led to an incident (3 events, 7 with repeats).
    for count in (5, 1, 1):
        make_event(source, event_type="cpu_high", count=count, handling="informational")
    # node_down: one of two led to one; disk_full: every one did (no finding).
    make_event(source, event_type="node_down", incident=incident)
    make_event(source, event_type="node_down", handling="symptom")
    make_event(source, event_type="disk_full", incident=incident)
    # Older than the period: not counted anywhere.
    make_event(source, event_type="old_alert", first_seen=ago(days=45), handling="unmatched")
    # Unmatched: two from the other source about one resource.
    for _ in range(2):
        make_event(other, event_type="ping_lost", resource="10.9.9.9", handling="unmatched")
    EventType.objects.create(code="cpu_high", name="CPU high", handling_instructions="  ")
    EventType.objects.create(code="node_down", name="Node down", handling_instructions="Call.")
    EventType.objects.create(code="retired", name="Retired", is_active=False)
    rules = {
        kind: CorrelationRule.objects.create(kind=kind, name=name, order=order, is_active=active)
        for kind, name, order, active in (
            ("dependency", "Depends on a failing CI", 10, True),
            ("planned_change", "In a change window", 20, True),
            ("planned_event", "In a planned event", 30, False),
            ("same_cause", "Same cause", 40, True),
        )
    }  # fmt: skip
    make_event(source, event_type="node_down", handling="symptom",
               correlation_rule=rules["dependency"], incident=incident)  # fmt: skip
    make_event(source, event_type="node_down", handling="attached", first_seen=ago(days=60),
               correlation_rule=rules["same_cause"], incident=incident)  # fmt: skip
    CorrelationRule.objects.filter(pk=rules["same_cause"].pk).update(fired_count=9)
    return {"source": source, "other": other, "rules": rules, "group": network.group}


def _review(actor):
    return queries.event_review(actor, queries.period_for())


def _subjects(rows):
    return {f.subject: f for f in rows}


# Each branch of what the review shows: (table, subject, shown?, figures it shows).
CASES = [
    ("noisy", "Prometheus DC1: cpu_high", True, {"events": 3, "repeats": 7, "with_incident": 0, "share": 0.0}),
    ("noisy", "Prometheus DC1: node_down", True, {"events": 3, "with_incident": 2, "share": 66.7}),
    ("noisy", "Prometheus DC1: disk_full", False, {}),  # every event led to an incident
    ("noisy", "Prometheus DC1: old_alert", False, {}),  # before the period
    ("unmatched", "Zabbix DC2: 10.9.9.9", True, {"events": 2, "repeats": 2}),
    ("unmatched", "Prometheus DC1: web-01", False, {}),  # the old unmatched one
    ("missing_instructions", "cpu_high", True, {"defined": True, "events": 3}),  # blank text
    ("missing_instructions", "node_down", False, {}),  # has instructions
    ("missing_instructions", "retired", False, {}),  # switched off
    ("missing_instructions", "disk_full", True, {"defined": False, "events": 1}),
    ("missing_instructions", "ping_lost", True, {"defined": False, "events": 2}),
    ("idle_rules", "Depends on a failing CI", False, {}),  # correlated one in the period
    ("idle_rules", "In a change window", True, {"active": True, "in_period": 0}),
    ("idle_rules", "In a planned event", True, {"active": False}),  # switched off
    ("idle_rules", "Same cause", True, {"in_period": 0, "fired_count": 9}),  # only before
]  # fmt: skip


@pytest.mark.parametrize(("table", "subject", "shown", "figures"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])  # fmt: skip
def test_each_finding_kind_is_shown_as_procedure_2_says(monitors, ops_manager, table, subject,
                                                         shown, figures):  # fmt: skip
    rows = _subjects(getattr(_review(ops_manager), table))
    assert (subject in rows) is shown
    if shown:
        assert figures.items() <= rows[subject].figures.items()


def test_monitors_that_never_led_to_an_incident_come_first(monitors, ops_manager):
    subjects = [f.subject for f in _review(ops_manager).noisy]
    # Never led: cpu_high (3 events) before ping_lost (2); then node_down (2 of 3 did).
    assert subjects == [
        "Prometheus DC1: cpu_high",
        "Zabbix DC2: ping_lost",
        "Prometheus DC1: node_down",
    ]


# --- Raising an improvement --------------------------------------------------------------


def _raise(actor, monitors, **kwargs):
    values = {"topic": "noisy_monitor", "subject": "Prometheus DC1: cpu_high",
              "description": "Raise cpu_high only above 95 % for 10 minutes.",
              "source": monitors["source"], **kwargs}  # fmt: skip
    return improvement_raise(actor=actor, **values)


def test_raising_registers_a_request_for_the_sources_group_and_the_row_shows_it(
    monitors, ops_manager
):
    improvement = _raise(ops_manager, monitors)
    incident = improvement.incident
    assert (incident.service_type, incident.requester, incident.registered_by) == (
        "user_service_request",
        ops_manager,
        ops_manager,
    )
    assert (incident.support_group, incident.status) == (monitors["group"], "assigned")
    assert (
        incident.title == "Monitoring job generating unnecessary events: Prometheus DC1: cpu_high"
    )
    row = _subjects(_review(ops_manager).noisy)["Prometheus DC1: cpu_high"]
    assert row.raised.incident == incident and not row.may_raise


@pytest.mark.parametrize(
    ("source_group", "chosen", "outcome"),
    [(True, None, "source"), (True, "other", "other"), (False, "other", "other"),
     (False, None, "support_group"), (True, "inactive", "support_group")],
)  # fmt: skip
def test_the_group_is_the_chosen_one_else_the_sources(monitors, ops_manager, provider, source_group,
                                                      chosen, outcome):  # fmt: skip
    if not source_group:
        EventSource.objects.filter(pk=monitors["source"].pk).update(support_group=None)
        monitors["source"].refresh_from_db()
    groups = {"other": SupportGroup.objects.create(name="Monitoring", organisation=provider),
              "inactive": SupportGroup.objects.create(name="Old", organisation=provider,
                                                      is_active=False)}  # fmt: skip
    if outcome == "support_group":
        with pytest.raises(ValidationError) as refused:
            _raise(ops_manager, monitors, support_group=groups[chosen] if chosen else None)
        assert "support_group" in refused.value.message_dict
        assert not ImprovementRequest.objects.exists()
        return
    improvement = _raise(ops_manager, monitors, support_group=groups.get(chosen))
    expected = monitors["group"] if outcome == "source" else groups[outcome]
    assert improvement.incident.support_group == expected


def test_one_open_request_per_finding_then_again_once_it_is_resolved(monitors, ops_manager):
    first = _raise(ops_manager, monitors)
    with pytest.raises(ValidationError) as refused:
        _raise(ops_manager, monitors)
    assert first.incident.number in refused.value.message_dict["subject"][0]
    IncidentRequest.objects.filter(pk=first.incident.pk).update(status="resolved")
    row = _subjects(_review(ops_manager).noisy)["Prometheus DC1: cpu_high"]
    assert row.may_raise and row.raised.incident == first.incident
    assert _raise(ops_manager, monitors).incident != first.incident


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"topic": "louder"}, "topic"), ({"subject": " "}, "subject"),
     ({"subject": "x" * 201}, "subject"), ({"description": ""}, "description"),
     ({"source": 999999}, "source"), ({"support_group": "abc"}, "support_group")],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(monitors, ops_manager, changes,
                                                                   field):  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        _raise(ops_manager, monitors, **changes)
    assert field in refused.value.message_dict
    assert not IncidentRequest.objects.filter(service_type="user_service_request").exists()


@pytest.mark.parametrize("who", ["operator", "desk", "requester", "outsider"])
def test_only_the_operations_manager_reviews_and_raises(monitors, request, api, client, who):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        _review(person)
    with pytest.raises(PermissionDenied):
        _raise(person, monitors)
    assert api.as_(person).get(REVIEW_API).status_code == 403
    body = {"topic": "other", "subject": "x", "description": "y"}
    assert api.post(RAISE_API, body, format="json").status_code == 403
    client.force_login(person)
    assert client.get(reverse("events:event-review")).status_code == 403
    assert client.post(reverse("events:event-review-raise"), body).status_code == 403
    assert not ImprovementRequest.objects.exists()


# --- API ------------------------------------------------------------------------------------


def test_the_api_gives_the_four_tables_and_raises(monitors, ops_manager, api):
    answer = api.as_(ops_manager).get(REVIEW_API, {"period": "90"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["noisy_monitors"][0]["subject"] == "Prometheus DC1: cpu_high"
    assert data["noisy_monitors"][0]["raised"] is None
    # 90 days: the 45-day-old alert is in the period too.
    assert {r["code"] for r in data["missing_instructions"]} == {
        "cpu_high",
        "disk_full",
        "ping_lost",
        "old_alert",
    }
    # ... and "Same cause" fired 60 days ago, in it.
    assert {r["name"] for r in data["idle_correlation_rules"]} == {
        "In a change window",
        "In a planned event",
    }
    body = {"topic": "unmatched_ci", "subject": "Zabbix DC2: 10.9.9.9",
            "description": "Name the CI.", "support_group": monitors["group"].pk}  # fmt: skip
    raised = api.post(RAISE_API, body, format="json")
    assert raised.status_code == 201, raised.content
    assert raised.json()["number"].startswith("INC")
    row = api.get(REVIEW_API).json()["unmatched"][0]
    assert row["raised"]["number"] == raised.json()["number"] and row["may_raise"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [({"period": "7"}, "period"), ({"from": "2026-02-30"}, "from"),
     ({"from": "2026-03-02", "to": "2026-03-01"}, "to"), ({"colour": "red"}, "colour")],
)  # fmt: skip
def test_a_period_that_cannot_be_used_is_a_400_naming_it(ops_manager, api, params, field):
    answer = api.as_(ops_manager).get(REVIEW_API, params)
    assert answer.status_code == 400
    assert field in field_errors(answer)


def test_raise_without_a_description_is_a_400_and_writes_nothing(monitors, ops_manager, api):
    body = {"topic": "other", "subject": "Runbooks", "support_group": monitors["group"].pk}
    answer = api.as_(ops_manager).post(RAISE_API, body, format="json")
    assert answer.status_code == 400 and "description" in field_errors(answer)
    body["description"] = "Write runbooks."
    body.pop("support_group")
    answer = api.post(RAISE_API, body, format="json")
    assert answer.status_code == 400 and "support_group" in field_errors(answer)
    assert not ImprovementRequest.objects.exists()


# --- Pages -----------------------------------------------------------------------------------


def test_the_page_shows_each_table_with_its_raise_action_then_the_number(
    monitors, ops_manager, client
):
    client.force_login(ops_manager)
    page = client.get(reverse("events:event-review"))
    assert page.status_code == 200
    html = page.content.decode()
    for heading in (
        "Monitoring jobs generating unnecessary events",
        "Events without a matched CI",
        "Event types without handling instructions",
        "Correlation rules never firing",
    ):
        assert heading in html
    assert 'href="/events/outage-review/"' in html  # the navigation entry
    link = next(f.links["raise"] for f in page.context["review"].noisy)
    form = client.get(link)
    assert form.status_code == 200
    assert form.context["form"].initial["subject"] == "Prometheus DC1: cpu_high"
    assert "3 events (7 with repeats)" in form.context["form"].initial["description"]
    posted = client.post(
        link, {**form.context["form"].initial, "next": reverse("events:event-review")}
    )
    assert posted.status_code == 302
    incident = ImprovementRequest.objects.get().incident
    assert incident.support_group == monitors["group"]
    html = client.get(reverse("events:event-review")).content.decode()
    assert incident.number in html


def test_the_raise_form_shows_errors_and_writes_nothing(monitors, ops_manager, client):
    client.force_login(ops_manager)
    answer = client.post(reverse("events:event-review-raise"),
                         {"topic": "other", "subject": "Runbooks", "description": ""})  # fmt: skip
    assert answer.status_code == 400
    assert "description" in answer.context["form"].errors
    answer = client.post(reverse("events:event-review-raise"),
                         {"topic": "other", "subject": "Runbooks", "description": "Write them."})  # fmt: skip
    assert answer.status_code == 400
    assert "support_group" in answer.context["form"].errors
    assert not ImprovementRequest.objects.exists()


def test_a_bad_period_on_the_page_is_a_form_error(ops_manager, client):
    client.force_login(ops_manager)
    answer = client.get(
        reverse("events:event-review"), {"start": "2026-03-02", "end": "2026-03-01"}
    )
    assert answer.status_code == 400 and "end" in answer.context["form"].errors


def test_each_table_exports_as_formula_safe_csv(monitors, ops_manager, client):
    EventSource.objects.filter(pk=monitors["other"].pk).update(name=FORMULA_CELLS[0])
    client.force_login(ops_manager)
    url = reverse("events:event-review")
    for table in ("noisy-monitors", "unmatched", "missing-instructions", "idle-correlation"):
        answer = client.get(url, {"format": "csv", "table": table})
        assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    unmatched = client.get(url, {"format": "csv", "table": "unmatched"})
    assert_formulas_defused(unmatched, [FORMULA_CELLS[0]])
    assert csv_records(unmatched)[0]["events"] == "2"
    assert client.get(url, {"format": "csv", "table": "nope"}).status_code == 400
