"""Regression tests of issue 13's queue defects: closed and resolved requests reachable
from the queue pages, reopened requests landing in a worked queue."""

import pytest
from django.urls import reverse

from steward.incidents.services import incidents as svc

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:
    return [row["obj"].number for row in response.context["rows"]]


@pytest.fixture
def closed_incident(make_incident, desk_analyst):
    incident = make_incident(title="Old printer question")
    return svc.incident_cancel(actor=desk_analyst, incident_id=incident.pk)


def test_the_default_queue_lists_open_requests_only(
    client, desk_analyst, make_incident, resolved_incident, closed_incident
):
    open_one = make_incident(title="Still open")
    client.force_login(desk_analyst)

    response = client.get(reverse("incidents:incident-list"))

    assert listed(response) == [open_one.number]


def test_open_only_no_lists_the_requests_no_longer_open(
    client, desk_analyst, make_incident, resolved_incident, closed_incident
):
    make_incident(title="Still open")
    client.force_login(desk_analyst)

    response = client.get(reverse("incidents:incident-list"), {"open": "false"})

    assert response.status_code == 200
    assert sorted(listed(response)) == sorted([resolved_incident.number, closed_incident.number])


@pytest.mark.parametrize("status", ["resolved", "cancelled"])
def test_a_status_filter_reaches_requests_no_longer_open(
    client, desk_analyst, resolved_incident, closed_incident, status
):
    client.force_login(desk_analyst)
    expected = {"resolved": resolved_incident, "cancelled": closed_incident}[status]

    response = client.get(reverse("incidents:incident-list"), {"status": status})

    assert listed(response) == [expected.number]


def test_a_resolved_request_of_my_group_is_found_in_my_groups(
    client, specialist, resolved_incident
):
    client.force_login(specialist)

    response = client.get(reverse("incidents:incident-groups"), {"status": "resolved"})

    assert listed(response) == [resolved_incident.number]


def test_the_all_tab_says_it_lists_every_request_when_not_only_open_ones(client, desk_analyst):
    client.force_login(desk_analyst)

    response = client.get(reverse("incidents:incident-list"), {"open": "false"})

    assert response.context["title"] == "All requests"
