"""Issue 13: the queue filters chose the assignee by typing an id and had no CI filter;
now a select of the people who can be assigned ("Me" first) and a CI chooser. The API
keeps taking ids."""

import pytest
from django.urls import reverse

from steward.configuration.models import CIClass, ConfigurationItem
from steward.core import numbering
from steward.core.tests.api import field_errors

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:
    return [row["obj"].number for row in response.context["rows"]]


def make_ci(name: str) -> ConfigurationItem:
    server, _ = CIClass.objects.get_or_create(
        code="server", defaults={"name": "Server", "category": "hardware"}
    )
    ci = ConfigurationItem(name=name, ci_class=server)
    numbering.assign(ci)
    ci.save()
    return ci


@pytest.fixture
def mail_server(db):
    return make_ci("Mail server & relay")


def test_the_assignee_filter_is_a_list_of_people_who_can_be_assigned(
    client, desk_analyst, specialist, requester, working_incident
):
    client.force_login(desk_analyst)

    response = client.get(reverse("incidents:incident-list"))

    page = response.content.decode()
    assert "Assignee (id)" not in page
    assert '<select name="assignee"' in page
    choices = response.context["filter_form"].fields["assignee"].widget.choices
    labels = [label for _, label in choices]
    assert labels[:2] == ["Any", f"Me ({desk_analyst.display_name})"]
    assert specialist.display_name in labels
    assert requester.display_name not in labels  # a customer is never assigned work


def test_choosing_an_assignee_lists_their_requests(
    client, desk_analyst, specialist, working_incident, make_incident
):
    make_incident(title="Someone else's")
    client.force_login(desk_analyst)

    response = client.get(reverse("incidents:incident-list"), {"assignee": specialist.pk})

    assert listed(response) == [working_incident.number]
    assert f'<option value="{specialist.pk}" selected>' in response.content.decode()


def test_the_ci_filter_lists_the_requests_of_the_chosen_ci_and_shows_its_name(
    client, desk_analyst, make_incident, mail_server
):
    on_it = make_incident(title="Relay refuses mail", cis=[mail_server])
    make_incident(title="Other")
    client.force_login(desk_analyst)

    response = client.get(reverse("incidents:incident-list"), {"ci": mail_server.pk})

    assert listed(response) == [on_it.number]
    page = response.content.decode()
    assert f'name="ci" id="id_ci" value="{mail_server.pk}"' in page
    assert f'value="{mail_server.number} Mail server &amp; relay"' in page
    assert 'for="id_ci_search"' in page  # the label names the search box


def test_the_ci_chooser_finds_cis_by_number_or_name(client, desk_analyst, mail_server):
    make_ci("Print server")
    client.force_login(desk_analyst)
    url = reverse("configuration:ci-lookup")

    by_name = client.get(url, {"q": "mail"}).content.decode()
    by_number = client.get(url, {"q": mail_server.number.lower()}).content.decode()
    nothing = client.get(url, {"q": "zzz"}).content.decode()

    assert f'data-pick-value="{mail_server.pk}"' in by_name and "Print server" not in by_name
    assert f'data-pick-value="{mail_server.pk}"' in by_number
    assert "Nothing matches" in nothing


def test_customers_may_not_look_up_cis(client, requester, mail_server):
    client.force_login(requester)

    response = client.get(reverse("configuration:ci-lookup"), {"q": "mail"})

    assert response.status_code in (302, 403)
    assert b"Mail server" not in response.content


def test_the_api_filters_by_assignee_and_ci_ids(
    api, desk_analyst, specialist, working_incident, make_incident, mail_server
):
    on_ci = make_incident(title="Relay refuses mail", cis=[mail_server])
    client = api.as_(desk_analyst)

    by_assignee = client.get("/api/v1/incidents/", {"assignee": specialist.pk})
    by_ci = client.get("/api/v1/incidents/", {"ci": mail_server.pk})
    bad = client.get("/api/v1/incidents/", {"ci": "CI000001"})

    assert [r["number"] for r in by_assignee.json()["results"]] == [working_incident.number]
    assert [r["number"] for r in by_ci.json()["results"]] == [on_ci.number]
    assert bad.status_code == 400 and "ci" in field_errors(bad)


def test_a_reassigned_filter_value_outside_the_groups_stays_shown(
    client, desk_analyst, specialist, working_incident
):
    specialist.group_memberships.all().delete()
    client.force_login(desk_analyst)

    response = client.get(reverse("incidents:incident-list"), {"assignee": specialist.pk})

    assert listed(response) == [working_incident.number]
    assert f'<option value="{specialist.pk}" selected>' in response.content.decode()
