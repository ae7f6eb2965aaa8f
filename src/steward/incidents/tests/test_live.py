"""Live updates on the service desk's pages (issue 13): a record page learns that someone
else changed the request and who else has it open; a queue learns that its page changed.
The polls are the pages' own URLs with ``?_live=1`` (``core.views.patterns.live``)."""

import pytest
from django.urls import reverse

from steward.core.models import Presence
from steward.core.services.presence import presence_touch
from steward.incidents.models import IncidentRequest
from steward.incidents.services import incidents as svc

pytestmark = pytest.mark.django_db

LIVE = {"HTTP_X_STEWARD_LIVE": "1"}  # steward.js sends it with every poll


def poll(client, incident: IncidentRequest, **params):
    query = {"_live": "1", **{k: str(v) for k, v in params.items()}}
    return client.get(reverse("incidents:incident-detail", args=[incident.pk]), query, **LIVE)


def baseline(client, incident: IncidentRequest) -> dict:
    """What the record page drew (its data-live-* attributes)."""
    response = client.get(reverse("incidents:incident-detail", args=[incident.pk]))
    assert response.status_code == 200
    live = response.context["live"]
    return {"version": live["version"], "entry": live["entry"]}


# --- Record pages ---------------------------------------------------------------------------


def test_a_record_unchanged_since_the_page_was_drawn_is_no_news(
    client, desk_analyst, make_incident
):
    incident = make_incident()
    client.force_login(desk_analyst)
    seen = baseline(client, incident)

    answer = poll(client, incident, **seen).json()

    assert answer["changed"] is False
    assert answer["version"] == seen["version"]


def test_someone_elses_change_is_news_naming_them(
    client, desk_analyst, coordinator, server_group, make_incident
):
    incident = make_incident(support_group=server_group)
    client.force_login(desk_analyst)
    seen = baseline(client, incident)

    svc.incident_add_reply(actor=coordinator, incident_id=incident.pk, body="Looking", public=False)
    answer = poll(client, incident, **seen).json()

    assert answer["changed"] is True
    assert answer["by"] == [coordinator.display_name]
    assert answer["message"] == f"This incident request was updated by {coordinator.display_name}."


def test_a_field_change_by_someone_else_is_news(
    client, desk_analyst, coordinator, server_group, make_incident
):
    incident = make_incident(support_group=server_group)
    client.force_login(desk_analyst)
    seen = baseline(client, incident)

    svc.incident_update(actor=coordinator, incident_id=incident.pk, data={"title": "Renamed"})
    answer = poll(client, incident, **seen).json()

    assert answer["changed"] is True
    assert answer["version"] > seen["version"]


def test_the_persons_own_change_is_not_news(client, desk_analyst, make_incident):
    incident = make_incident()
    client.force_login(desk_analyst)
    seen = baseline(client, incident)

    svc.incident_update(actor=desk_analyst, incident_id=incident.pk, data={"title": "Mine"})
    answer = poll(client, incident, **seen).json()

    assert answer["changed"] is False
    assert answer["version"] > seen["version"]  # the page takes the new version quietly


def test_a_requester_polling_someone_elses_request_gets_404(client, other_requester, make_incident):
    incident = make_incident()
    client.force_login(other_requester)

    assert poll(client, incident, version=0, entry=0).status_code == 404


def test_a_requester_never_sees_presence_nor_internal_changes(
    client, requester, coordinator, server_group, make_incident
):
    incident = make_incident(support_group=server_group)
    presence_touch(actor=coordinator, record=incident)
    client.force_login(requester)
    entry = poll(client, incident, version=0, entry=0).json()["entry"]

    svc.incident_add_reply(
        actor=coordinator, incident_id=incident.pk, body="internal", public=False
    )
    answer = poll(client, incident, version=incident.lock_version, entry=entry).json()

    assert answer["presence"] == []
    assert answer["changed"] is False
    # ...and the requester is not shown to staff either.
    assert not Presence.objects.filter(person=requester).exists()


def test_staff_see_who_else_is_viewing_or_editing(
    client, desk_analyst, coordinator, specialist, server_group, make_incident
):
    incident = make_incident(support_group=server_group)
    client.force_login(coordinator)
    poll(client, incident, version=0, entry=0, editing=1)
    client.force_login(specialist)
    poll(client, incident, version=0, entry=0)
    client.force_login(desk_analyst)

    page = client.get(reverse("incidents:incident-detail", args=[incident.pk]))
    answer = poll(client, incident, version=0, entry=0).json()

    assert f"{coordinator.display_name} is editing" in page.content.decode()
    assert [(p["name"], p["editing"]) for p in answer["presence"]] == [
        (coordinator.display_name, True),
        (specialist.display_name, False),
    ]
    client.force_login(coordinator)
    poll(client, incident, leave=1)
    client.force_login(desk_analyst)
    names = [p["name"] for p in poll(client, incident, version=0, entry=0).json()["presence"]]
    assert names == [specialist.display_name]


def test_a_bad_version_is_a_400_not_a_500(client, desk_analyst, make_incident):
    incident = make_incident()
    client.force_login(desk_analyst)

    response = poll(client, incident, version="²", entry=0)

    assert response.status_code == 400
    assert "version" in response.json()["errors"]


# --- Queues ---------------------------------------------------------------------------------


def queue_poll(client, url: str, marker: dict, **params):
    query = {**params, "_live": "1", "token": marker["token"], "fingerprint": marker["fingerprint"]}
    return client.get(url, query, **LIVE).json()


def test_a_queue_learns_when_its_page_changed(
    client, coordinator, specialist, server_group, network_group, make_incident
):
    mine = make_incident(support_group=server_group)
    client.force_login(coordinator)
    url = reverse("incidents:incident-groups")
    marker = client.get(url).context["live"]

    assert queue_poll(client, url, marker)["changed"] is False

    svc.incident_take(actor=specialist, incident_id=mine.pk)
    assert queue_poll(client, url, marker)["changed"] is True


def test_a_change_elsewhere_moves_the_token_but_is_no_news(
    client, coordinator, server_group, network_group, make_incident
):
    make_incident(support_group=server_group)
    client.force_login(coordinator)
    url = reverse("incidents:incident-groups")
    marker = client.get(url).context["live"]

    make_incident(support_group=network_group)  # not in the coordinator's groups
    answer = queue_poll(client, url, marker)

    assert answer["changed"] is False
    assert answer["token"] != marker["token"]
    assert answer["fingerprint"] == marker["fingerprint"]


def test_a_queue_poll_keeps_the_filters(client, desk_analyst, make_incident):
    make_incident(title="printer on fire")
    client.force_login(desk_analyst)
    url = reverse("incidents:incident-list")
    marker = client.get(url, {"q": "printer"}).context["live"]

    make_incident(title="unrelated mail problem")
    assert queue_poll(client, url, marker, q="printer")["changed"] is False
    make_incident(title="printer out of paper")
    assert queue_poll(client, url, marker, q="printer")["changed"] is True


def test_an_unchanged_queue_poll_is_cheap(
    client, desk_analyst, make_incident, django_assert_max_num_queries
):
    for _ in range(3):
        make_incident()
    client.force_login(desk_analyst)
    url = reverse("incidents:incident-list")
    marker = client.get(url).context["live"]
    queue_poll(client, url, marker)  # warm the per-process caches

    with django_assert_max_num_queries(5):
        assert queue_poll(client, url, marker)["changed"] is False


def test_a_poll_without_the_header_is_just_the_page(
    client, coordinator, server_group, make_incident
):
    """Another site can point an <img> at ?_live=1&leave=1 but cannot send the header."""
    incident = make_incident(support_group=server_group)
    client.force_login(coordinator)
    url = reverse("incidents:incident-detail", args=[incident.pk])

    response = client.get(url, {"_live": "1", "version": "0", "entry": "0"})

    assert response["Content-Type"].startswith("text/html")
    # ...while the page itself counts as being there (drawn, not polled).
    assert Presence.objects.filter(person=coordinator).count() == 1
