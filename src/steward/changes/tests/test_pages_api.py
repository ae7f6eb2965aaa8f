"""The change list and record pages and /api/v1/changes/: what every topic builds on."""

from django.urls import reverse

from steward.changes.models import Change


def test_register_through_the_api_and_open_the_page(
    client, api, change_coordinator, service, specialist
):
    caller = api.as_(change_coordinator)
    answer = caller.post(
        "/api/v1/changes/", {"title": "Add a mail relay", "service": service.pk}, format="json"
    )
    assert answer.status_code == 201, answer.content
    change = Change.objects.get(pk=answer.json()["id"])
    assert change.coordinator == change_coordinator
    assert caller.get(f"/api/v1/changes/{change.pk}/").json()["number"] == change.number
    # Refused to a specialist: no right to register.
    refused = api.as_(specialist).post(
        "/api/v1/changes/", {"title": "x", "service": service.pk}, format="json"
    )
    assert refused.status_code == 403
    client.force_login(change_coordinator)
    page = client.get(reverse("changes:change-detail", args=[change.pk]))
    assert page.status_code == 200
    assert change.number in page.content.decode()
    listing = client.get(reverse("changes:change-list"))
    assert change.number in listing.content.decode()


def test_customer_side_people_do_not_see_other_changes(client, api, make_change, requester):
    change = make_change()
    # No right to see changes at all: 403, like every record type the role may not read.
    assert api.as_(requester).get(f"/api/v1/changes/{change.pk}/").status_code == 403
