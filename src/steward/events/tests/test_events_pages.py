"""The console, all events and the event page from the outside: what the operator sees,
the buttons per event and for the selection (back on the console), refusals, the live
poll (one query when nothing changed), the CSV export, the incident page's "Events"
card, search and "My work"."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from steward.core import registry
from steward.core.testing.exports import assert_formulas_defused, csv_rows
from steward.events.services.console import event_acknowledge
from steward.events.tests.console_records import (
    a_source,
    fresh,
    make_event,
    node_down_type,
    register_incident,
)

CONSOLE = "/events/"
POLL = {"HTTP_X_STEWARD_LIVE": "1"}


def browser(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def cascade(admin_person, network):
    node_down_type()
    source = a_source("Prometheus")
    incident = register_incident(admin_person, ci=network.switch, group=network.group)
    switch = make_event(source, network.switch, minutes_ago=10, severity="critical",
                        incident=incident, handling="restoration_incident")  # fmt: skip
    web1 = make_event(source, network.web1, minutes_ago=9, cause=switch, handling="symptom")
    web2 = make_event(source, network.web2, minutes_ago=8, cause=switch, handling="symptom")
    disk = make_event(source, None, minutes_ago=1, event_type="DiskFull", severity="warning",
                      resource="db-01", summary="Disk 95% full")  # fmt: skip
    return {"source": source, "incident": incident, "switch": switch, "web1": web1,
            "web2": web2, "disk": disk}  # fmt: skip


def _groups(html: str) -> list[tuple[str, list[str]]]:
    """(group, the event numbers in it) in page order."""
    found = []
    for part in html.split("data-console-group=")[1:]:
        name = part.split('"')[1]
        found.append((name, re.findall(r'data-event="(EV\d+)"', part)))
    return found


def test_the_console_groups_the_cascade_under_its_incident_with_instructions(operator, cascade):
    page = browser(operator).get(CONSOLE)
    assert page.status_code == 200
    html = page.content.decode()
    c = cascade
    assert _groups(html) == [
        (c["incident"].number, [c["switch"].number, c["web1"].number, c["web2"].number]),
        ("none", [c["disk"].number]),
    ]
    assert "Ping the node, then call Network." in html
    assert "No handling instructions for DiskFull." in html
    assert f"Symptom of {c['switch'].number} core-switch" in html
    assert html.count("is-symptom") == 2
    assert "data-live-list" in html


@pytest.mark.parametrize(
    ("query", "shown"),
    [("severity=warning", ["disk"]), ("hide_acknowledged=true", ["switch", "web1", "web2"])],
)
def test_the_console_filters(operator, cascade, query, shown):
    client = browser(operator)
    client.post(reverse("events:event-acknowledge", args=[cascade["disk"].pk]))
    html = client.get(f"{CONSOLE}?{query}").content.decode()
    numbers = [n for _, group in _groups(html) for n in group]
    assert numbers == [cascade[k].number for k in shown]


def test_the_console_by_ci_keeps_the_symptoms_of_its_events(operator, cascade, network):
    html = browser(operator).get(f"{CONSOLE}?ci={network.switch.pk}").content.decode()
    assert [n for _, g in _groups(html) for n in g] == [
        cascade["switch"].number, cascade["web1"].number, cascade["web2"].number
    ]  # fmt: skip


def test_a_bad_console_filter_says_so_instead_of_failing(operator, cascade):
    page = browser(operator).get(f"{CONSOLE}?ci=abc")
    assert page.status_code == 200
    assert "These filters cannot be applied" in page.content.decode()


def test_customer_side_people_may_not_open_the_console_or_an_event(requester, cascade):
    client = browser(requester)
    assert client.get(CONSOLE).status_code == 403
    assert client.get(reverse("events:event-detail", args=[cascade["disk"].pk])).status_code == 403


def test_the_console_buttons_act_and_come_back_to_the_console(operator, cascade):
    client = browser(operator)
    back = f"{CONSOLE}?severity=warning"
    disk = cascade["disk"]
    done = client.post(reverse("events:event-acknowledge", args=[disk.pk]), {"next": back})
    assert (done.status_code, done["Location"]) == (302, back)
    assert fresh(disk).status == "acknowledged"

    symptom = cascade["web1"]
    closed = client.post(reverse("events:event-close", args=[symptom.pk]), {"next": back})
    assert closed.status_code == 302
    assert fresh(symptom).status == "closed"


def test_closing_an_event_that_needs_a_note_opens_its_form_on_the_event_page(operator, cascade):
    disk = cascade["disk"]
    refused = browser(operator).post(
        reverse("events:event-close", args=[disk.pk]), {"next": CONSOLE}
    )
    assert refused.status_code == 400
    assert "Say why" in refused.content.decode()
    assert fresh(disk).status == "open"


def test_the_selection_is_handled_at_once_and_refusals_are_reported(operator, cascade):
    client = browser(operator)
    picked = [cascade["web1"].pk, cascade["disk"].pk]
    response = client.post(
        reverse("events:console-bulk"),
        {"action": "close", "pick": picked, "next": CONSOLE},
        follow=True,
    )
    text = response.content.decode()
    assert f"1 closed, 1 refused: {cascade['disk'].number}" in text
    assert (fresh(cascade["web1"]).status, fresh(cascade["disk"]).status) == ("closed", "open")


def test_the_selection_is_refused_to_who_may_not_handle_events(outsider, cascade):
    response = browser(outsider).post(
        reverse("events:console-bulk"), {"action": "acknowledge", "pick": [cascade["disk"].pk]}
    )
    assert response.status_code == 403
    assert fresh(cascade["disk"]).status == "open"


def _baseline(client: Client) -> dict[str, str]:
    html = client.get(CONSOLE).content.decode()
    return {
        "token": re.search(r'data-live-token="([^"]*)"', html).group(1),
        "fingerprint": re.search(r'data-live-fingerprint="([^"]*)"', html).group(1),
    }


def test_an_unchanged_console_poll_costs_one_events_query(operator, cascade):
    client = browser(operator)
    params = {"_live": "1", **_baseline(client)}
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(CONSOLE, params, **POLL)
    assert answer.json() == {"changed": False, "token": params["token"]}
    assert answer["Cache-Control"] == "no-store"
    on_events = [q for q in captured.captured_queries if "events_event" in q["sql"]]
    assert len(on_events) == 1


def test_the_console_poll_says_changed_when_a_new_event_arrives(operator, cascade, network):
    client = browser(operator)
    params = {"_live": "1", **_baseline(client)}
    make_event(cascade["source"], network.app, cause=cascade["web1"], handling="symptom")
    answer = client.get(CONSOLE, params, **POLL).json()
    assert answer["changed"] is True
    assert answer["token"] != params["token"]


def test_the_event_page_shows_its_cause_incident_instructions_and_labels(operator, cascade):
    switch = cascade["switch"]
    switch.attributes = {
        "labels": {"instance": "core-switch:9100"},
        "annotations": {"runbook": "R12"},
    }
    switch.save()
    html = browser(operator).get(reverse("events:event-detail", args=[switch.pk])).content.decode()
    assert cascade["incident"].number in html
    assert cascade["web1"].number in html and cascade["web2"].number in html  # symptoms
    assert "Ping the node, then call Network." in html
    assert "core-switch:9100" in html and "R12" in html
    assert 'id="step-link-incident"' in html

    web1 = browser(operator).get(reverse("events:event-detail", args=[cascade["web1"].pk]))
    assert f"Symptom of {switch.number}" in web1.content.decode()


def test_an_operator_links_an_event_to_a_request_by_its_number(operator, admin_person, cascade):
    disk = cascade["disk"]
    incident = register_incident(admin_person, title="Disk full on db-01")
    response = browser(operator).post(
        reverse("events:event-link-incident", args=[disk.pk]), {"incident": incident.number}
    )
    assert response.status_code == 302
    assert fresh(disk).incident_id == incident.pk
    refused = browser(operator).post(
        reverse("events:event-link-incident", args=[disk.pk]), {"incident": "INC999999"}
    )
    assert refused.status_code == 400
    assert "No request INC999999." in refused.content.decode()


def test_all_events_lists_filters_and_exports_csv_without_formulas(operator, cascade):
    cascade["disk"].summary = "=HYPERLINK(1)"
    cascade["disk"].save()
    client = browser(operator)
    html = client.get("/events/all/?severity=critical").content.decode()
    assert cascade["switch"].number in html and cascade["disk"].number not in html
    export = client.get("/events/all/?format=csv")
    assert export.status_code == 200
    assert_formulas_defused(export, ["=HYPERLINK(1)"])
    assert len(csv_rows(client.get("/events/all/?format=csv"))) == 1 + 4


def test_the_incident_page_lists_its_events(operator, admin_person, cascade):
    html = browser(admin_person).get(cascade["incident"].get_absolute_url()).content.decode()
    assert 'id="events-heading"' in html
    assert cascade["switch"].number in html


def test_search_finds_events_by_number_fingerprint_and_resource(operator, cascade):
    disk = cascade["disk"]
    hits = [h for p in registry.SEARCH_PROVIDERS for h in p(operator, disk.number)]
    assert [h.number for h in hits if h.kind == "Events"] == [disk.number]
    hits = [h for p in registry.SEARCH_PROVIDERS for h in p(operator, "db-01")]
    assert disk.number in [h.number for h in hits if h.kind == "Events"]
    assert not [h for p in registry.SEARCH_PROVIDERS for h in p(operator, "nothing-like-it")
                if h.kind == "Events"]  # fmt: skip


def test_my_work_lists_the_open_events_nobody_acknowledged(operator, cascade):
    event_acknowledge(actor=operator, event_id=cascade["disk"].pk)
    html = browser(operator).get("/").content.decode()
    assert "Events not acknowledged" in html
    assert cascade["switch"].number in html
    assert cascade["disk"].number not in html
