"""/api/v1/events/ from the outside: what the operator reads (correlation, incident,
handling instructions), the filters (and a 400 for a bad one), the steps of the action
table, refusals that change nothing, and the ingestion paths never read as an event."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from steward.core.tests.api import error_code, field_errors
from steward.events.tests.console_records import (
    a_source,
    fresh,
    make_event,
    node_down_type,
    register_incident,
)

URL = "/api/v1/events/"


@pytest.fixture
def world(admin_person, network):
    node_down_type()
    source = a_source("Prometheus")
    incident = register_incident(admin_person, ci=network.switch, group=network.group)
    switch = make_event(source, network.switch, minutes_ago=10, severity="critical",
                        incident=incident, fingerprint="sw-down",
                        attributes={"labels": {"instance": "core-switch:9100"}})  # fmt: skip
    web1 = make_event(source, network.web1, minutes_ago=9, cause=switch, handling="symptom")
    disk = make_event(a_source("Zabbix"), None, minutes_ago=1, event_type="DiskFull",
                      severity="warning", resource="db-01")  # fmt: skip
    return {"source": source, "incident": incident, "switch": switch, "web1": web1, "disk": disk}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_an_operator_reads_an_event_with_its_correlation_incident_and_instructions(
    api, operator, world
):
    body = api.as_(operator).get(f"{URL}{world['web1'].pk}/").json()
    assert body["number"] == world["web1"].number
    assert body["correlation"] == f"Symptom of {world['switch'].number} core-switch"
    assert body["handling_instructions"] == "Ping the node, then call Network."
    assert (body["ci_name"], body["status"], body["count"]) == ("web-01", "open", 1)

    switch = api.get(f"{URL}{world['switch'].pk}/").json()
    assert switch["incident_number"] == world["incident"].number
    assert switch["attributes"] == {"labels": {"instance": "core-switch:9100"}}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("severity=critical", ["switch"]),
        ("severity=critical&severity=warning", ["disk", "switch"]),
        ("status=open&active=true", ["disk", "web1", "switch"]),
        ("q=sw-down", ["switch"]),
        ("q=db-01", ["disk"]),
        ("handling=symptom", ["web1"]),
    ],
)
def test_the_list_filters(api, operator, world, query, expected):
    assert _ids(api.as_(operator).get(f"{URL}?{query}")) == [world[k].pk for k in expected]


def test_the_list_filters_by_record_number_and_first_seen(api, operator, world):
    client = api.as_(operator)
    w = world
    assert _ids(client.get(f"{URL}?q={w['disk'].number}")) == [w["disk"].pk]
    assert _ids(client.get(f"{URL}?incident={w['incident'].pk}")) == [w["switch"].pk]
    assert _ids(client.get(f"{URL}?ci={w['web1'].ci_id}")) == [w["web1"].pk]
    assert _ids(client.get(f"{URL}?source={w['disk'].source_id}")) == [w["disk"].pk]
    since = w["web1"].first_seen_at.isoformat().replace("+00:00", "Z")
    assert _ids(client.get(f"{URL}?first_seen_after={since}")) == [w["disk"].pk, w["web1"].pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [("active=maybe", "active"), ("ci=abc", "ci"), ("severity=bad", "severity"),
     ("first_seen_after=yesterday", "first_seen_after"), ("colour=red", "colour")],
)  # fmt: skip
def test_a_bad_filter_is_a_400_naming_it(api, operator, world, query, field):
    response = api.as_(operator).get(f"{URL}?{query}")
    assert response.status_code == 400
    assert field in field_errors(response)


def test_customer_side_people_and_anonymous_callers_are_refused(api, requester, world):
    assert api.get(URL).status_code == 401
    assert api.as_(requester).get(URL).status_code == 403
    assert api.get(f"{URL}{world['switch'].pk}/").status_code == 403


def test_the_ingestion_paths_are_never_read_as_an_event_id():
    for name in ("ingest", "alertmanager", "zabbix"):
        try:
            match = resolve(f"{URL}{name}/")
        except Resolver404:
            continue
        assert match.url_name != "event-detail", name


def test_acknowledge_link_and_close_through_the_api(api, operator, admin_person, world):
    client = api.as_(operator)
    disk = world["disk"]
    steps = client.get(f"{URL}{disk.pk}/next-steps/").json()
    assert [s["key"] for s in steps] == ["acknowledge", "link-incident", "close"]

    acknowledged = client.post(f"{URL}{disk.pk}/acknowledge/")
    assert acknowledged.status_code == 200
    assert acknowledged.json()["status"] == "acknowledged"
    assert acknowledged["ETag"] == f'"{fresh(disk).lock_version}"'

    incident = register_incident(
        admin_person, title="Disk full on db-01", group=world["incident"].support_group
    )
    linked = client.post(f"{URL}{disk.pk}/link-incident/", {"incident": incident.pk}, format="json")
    assert linked.status_code == 200
    assert (linked.json()["incident"], linked.json()["status"]) == (incident.pk, "closed")


def test_closing_without_the_needed_note_is_a_400_naming_it_and_changes_nothing(
    api, operator, world
):
    disk = world["disk"]
    refused = api.as_(operator).post(f"{URL}{disk.pk}/close/", {}, format="json")
    assert refused.status_code == 400
    assert "note" in field_errors(refused)
    assert fresh(disk).status == "open"

    closed = api.post(f"{URL}{disk.pk}/close/", {"note": "Cleaned up /var/log"}, format="json")
    assert closed.json()["close_note"] == "Cleaned up /var/log"
    again = api.post(f"{URL}{disk.pk}/close/", {"note": "again"}, format="json")
    assert again.status_code == 409
    assert error_code(again) == "invalid_transition"


def test_a_step_is_refused_to_who_may_not_handle_events(api, outsider, world):
    disk = world["disk"]
    client = api.as_(outsider)
    assert client.get(f"{URL}{disk.pk}/").status_code == 200  # provider staff read events
    assert client.get(f"{URL}{disk.pk}/next-steps/").json() == []
    assert client.post(f"{URL}{disk.pk}/acknowledge/").status_code == 403
    assert fresh(disk).status == "open"


def test_linking_to_an_unknown_request_is_a_400_on_incident(api, operator, world):
    response = api.as_(operator).post(
        f"{URL}{world['disk'].pk}/link-incident/", {"incident": 987654}, format="json"
    )
    assert response.status_code == 400
    assert "incident" in field_errors(response)
    assert fresh(world["disk"]).incident_id is None


def test_the_list_costs_the_same_queries_for_3_or_30_events(api, operator, world, network):
    client = api.as_(operator)
    client.get(URL)

    def cost() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured.captured_queries)

    few = cost()
    for n in range(27):
        make_event(world["source"], network.app, cause=world["web1"], fingerprint=f"more-{n}")
    assert cost() == few
