"""POST /api/v1/incidents/bulk/, /{id}/merge/ and /{id}/links/ (issue 13): per-request
outcomes, 400 with field messages for bad input, denials from outside."""

import pytest

from steward.core.tests.api import field_errors
from steward.incidents.models import IncidentRequest

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def item(incident):
    return {
        "id": incident.pk,
        "lock_version": IncidentRequest.objects.get(pk=incident.pk).lock_version,
    }


def test_bulk_assign_answers_each_outcome(api, make_incident, desk_analyst, server_group):
    a, b = make_incident(title="A"), make_incident(title="B")
    stale = item(b)
    stale["lock_version"] -= 1

    response = api.as_(desk_analyst).post(
        f"{URL}bulk/",
        {"items": [item(a), stale], "action": "assign", "support_group": server_group.pk},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["updated"], body["refused"]) == (1, 1)
    assert [(o["number"], o["result"]) for o in body["outcomes"]] == [
        (a.number, "updated"),
        (b.number, "stale"),
    ]
    assert body["summary"].startswith(f"1 updated, 1 refused: {b.number}")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"items": [], "action": "take"}, "items"),
        ({"items": "x", "action": "explode"}, "action"),
        ({"action": "status"}, "status"),
        ({"action": "status", "status": "pending"}, "pending_reason"),
        ({"action": "merge"}, "into"),
        ({"action": "take", "items": [{"id": "x", "lock_version": 1}]}, "items.0.id"),
    ],
)
def test_bulk_bad_input_is_a_400_naming_the_field(api, make_incident, desk_analyst, payload, field):
    a = make_incident()
    payload = {"items": [item(a)], **payload}
    response = api.as_(desk_analyst).post(f"{URL}bulk/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in field_errors(response)
    assert IncidentRequest.objects.get(pk=a.pk).status == "new"


def test_bulk_is_refused_to_customer_side_people(api, make_incident, requester):
    a = make_incident()
    response = api.as_(requester).post(
        f"{URL}bulk/", {"items": [item(a)], "action": "take"}, format="json"
    )
    assert response.status_code in (400, 403)
    assert IncidentRequest.objects.get(pk=a.pk).assignee is None


def test_merge_and_links(api, make_incident, desk_analyst, specialist):
    target, duplicate, other = (make_incident(title=t) for t in ("T", "D", "O"))
    denied = api.as_(specialist).post(
        f"{URL}{duplicate.pk}/merge/", {"into": target.pk}, format="json"
    )
    assert denied.status_code == 403
    client = api.as_(desk_analyst)
    bad = client.post(f"{URL}{duplicate.pk}/merge/", {"into": "nope"}, format="json")
    assert bad.status_code == 400 and "into" in field_errors(bad)

    merged = client.post(f"{URL}{duplicate.pk}/merge/", {"into": target.pk}, format="json")
    assert merged.status_code == 200, merged.content
    assert merged.json()["number"] == target.number
    assert IncidentRequest.objects.get(pk=duplicate.pk).status == "cancelled"
    rows = client.get(f"{URL}{target.pk}/links/").json()
    assert [(r["relation"], r["number"]) for r in rows] == [("has duplicate", duplicate.number)]

    created = client.post(f"{URL}{target.pk}/links/", {"other": other.pk}, format="json")
    assert created.status_code == 201
    assert {r["number"] for r in created.json()} == {duplicate.number, other.number}
    assert created["Location"].endswith(f"{URL}{target.pk}/links/")  # the list it joined
    removed = client.delete(f"{URL}{target.pk}/links/{other.pk}/")
    assert removed.status_code == 204
    # The merge's link stays: the duplicate points to where it continues.
    kept = client.delete(f"{URL}{target.pk}/links/{duplicate.pk}/")
    assert kept.status_code == 409
