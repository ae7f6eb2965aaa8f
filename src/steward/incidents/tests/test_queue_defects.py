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


# --- A reopened request lands in a queue someone works -------------------------------------


@pytest.fixture
def first_contact_resolved(make_incident):
    """Resolved by the desk at registration, so it never had a group."""
    return make_incident(
        title="Password reset",
        resolve_now={"resolution": "Reset.", "resolution_code": "request_fulfilled"},
    )


def test_a_request_reopened_by_its_requester_lands_in_the_desks_queue(
    client, first_contact_resolved, requester, desk_analyst, desk_group
):
    assert first_contact_resolved.support_group is None
    client.force_login(requester)

    client.post(
        reverse("incidents:portal-reopen", args=[first_contact_resolved.pk]),
        {"reason": "It still does not let me in."},
    )

    first_contact_resolved.refresh_from_db()
    assert first_contact_resolved.status == "assigned"
    assert first_contact_resolved.support_group == desk_group
    client.force_login(desk_analyst)
    queue = client.get(reverse("incidents:incident-groups"))
    assert listed(queue) == [first_contact_resolved.number]


def test_a_reopened_request_follows_the_routing_rules_first(
    first_contact_resolved, requester, server_group, service, admin_person
):
    from steward.incidents.services.routing import routing_rule_create

    routing_rule_create(
        actor=admin_person, name="E-mail", service=service, support_group=server_group
    )

    incident = svc.incident_reopen(
        actor=requester, incident_id=first_contact_resolved.pk, reason="Still broken."
    )

    assert incident.support_group == server_group


def test_the_daily_review_lists_open_requests_in_no_groups_queue(
    client, make_incident, coordinator
):
    nowhere = make_incident(title="Nobody routed me")
    assert nowhere.support_group is None
    client.force_login(coordinator)

    response = client.get(reverse("incidents:report-daily-review"))

    sections = {s.key: s.rows for s in response.context["sections"]}
    assert sections["no_group"] == [nowhere]
    assert "In no group&#x27;s queue" in response.content.decode()


def test_the_migration_routes_requests_stranded_in_no_groups_queue(
    first_contact_resolved, desk_group, make_incident
):
    """A database from before the fix: reopened without a group, "Assigned" in no queue."""
    import importlib

    from django.apps import apps

    from steward.incidents.models import IncidentRequest

    IncidentRequest.objects.filter(pk=first_contact_resolved.pk).update(
        status="assigned", reopen_count=1
    )
    untriaged = make_incident(title="Still new")
    migration = importlib.import_module("steward.incidents.migrations.0008_route_groupless_open")

    migration.route_groupless(apps, None)

    first_contact_resolved.refresh_from_db()
    untriaged.refresh_from_db()
    assert first_contact_resolved.support_group == desk_group
    assert untriaged.support_group is None  # new: the desk's to triage


def test_the_tabs_count_open_requests_whatever_the_status_filter(
    client, desk_analyst, make_incident, closed_incident
):
    make_incident(title="Still open")
    client.force_login(desk_analyst)

    response = client.get(reverse("incidents:incident-list"), {"open": "false"})

    tabs = {tab["key"]: tab["count"] for tab in response.context["queues"]}
    assert tabs["all"] == 1


def _more_filters(html: str) -> str:
    start = html.index('<details class="more-filters"')
    return html[start : html.index("</details>", start)]


def test_the_queue_shows_its_main_filters_and_folds_the_others(client, desk_analyst):
    """Issue 13: the queue opened on "a screen of filters". Search, status, priority, group,
    assignee and service stay in view; the rest fold under "More filters", which opens by
    itself when one of them is set (so a set filter is never hidden)."""
    client.force_login(desk_analyst)

    html = client.get(reverse("incidents:incident-list")).content.decode()
    folded = _more_filters(html)
    assert '<details class="more-filters">' in html  # closed
    for shown in ('name="status"', 'name="priority"', 'name="support_group"', 'name="assignee"'):
        assert shown in html and shown not in folded
    for name in ('name="customer"', 'name="channel"', 'name="open"', 'name="ci"'):
        assert name in folded

    html = client.get(reverse("incidents:incident-list"), {"channel": "email"}).content.decode()
    assert '<details class="more-filters" open>' in html
    assert "1 set" in _more_filters(html)
