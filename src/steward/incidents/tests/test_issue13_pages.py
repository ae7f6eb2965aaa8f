"""Regression tests of issue 13's page defects seen on incident pages."""

import re

import pytest
from django.urls import reverse

from steward.core.tests.factories import SupportGroupFactory

pytestmark = pytest.mark.django_db


def test_the_activity_log_shows_a_group_name_with_an_ampersand_once_escaped(
    client, make_incident, provider, service, admin_person, desk_analyst
):
    from steward.incidents.services.routing import routing_rule_create

    group = SupportGroupFactory(name="Server & Storage", organisation=provider)
    routing_rule_create(actor=admin_person, name="Mail", service=service, support_group=group)
    incident = make_incident()
    client.force_login(desk_analyst)

    page = client.get(reverse("incidents:incident-detail", args=[incident.pk])).content.decode()

    assert "Routed to Server &amp; Storage by the rule" in page
    assert "&amp;amp;" not in page


def active_nav(page: str) -> list[str]:
    return re.findall(r'class="nav-link active" href="[^"]*" aria-current="page">([^<]+)<', page)


@pytest.mark.parametrize(
    ("url_name", "label"),
    [
        ("incidents:report-daily-review", "Daily review"),
        ("incidents:report-aging", "Aging"),
        ("incidents:reports", "Incident reports"),
        ("incidents:incident-mine", "Incident requests"),
    ],
)
def test_the_side_menu_highlights_exactly_one_item(client, admin_person, url_name, label):
    client.force_login(admin_person)

    page = client.get(reverse(url_name)).content.decode()

    assert active_nav(page) == [label]


def test_incident_notifications_say_what_happened_in_words(
    client, resolved_incident, requester, specialist
):
    from steward.incidents.services import incidents as svc

    svc.incident_reopen(actor=requester, incident_id=resolved_incident.pk, reason="Again.")
    client.force_login(specialist)

    page = client.get(reverse("core:notification-list")).content.decode()

    assert "Request reopened" in page
    assert "incident.reopened" not in page
