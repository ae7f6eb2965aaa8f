"""Saved views of list pages (issue 13): personal or shared with a group; only the owner
(or the group's coordinator, for a shared view) renames or deletes; the list page shows
the chosen columns and the menu; the API does the same through the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from steward.core import queries
from steward.core.models import SavedView
from steward.core.services import saved_views as svc
from steward.core.tests.factories import SupportGroupFactory, group_member, make_person

LIST = "core:person-list"


@pytest.fixture
def team(db, provider):
    group = SupportGroupFactory(name="Desk", organisation=provider)
    return {
        "group": group,
        "owner": group_member(group, "service_desk_analyst", username="owner"),
        "member": group_member(group, "service_desk_analyst", username="member"),
        "coordinator": group_member(group, "group_coordinator", scoped=True, username="coord"),
        "outsider": make_person("service_desk_analyst", organisation=provider, username="out"),
    }


def test_a_personal_view_is_only_its_owners(team):
    view = svc.saved_view_create(
        actor=team["owner"], list_key=LIST, name="Mine", query="q=ann&page=3&sort=name",
        columns=["name", "email"],
    )  # fmt: skip
    assert view.query == "q=ann&sort=name"  # the page is not part of a view
    assert list(queries.saved_views_for(team["owner"], LIST)) == [view]
    assert list(queries.saved_views_for(team["member"], LIST)) == []
    for other in ("member", "coordinator"):
        with pytest.raises(Http404):
            svc.saved_view_update(actor=team[other], view_id=view.pk, data={"name": "X"})
        with pytest.raises(Http404):
            svc.saved_view_delete(actor=team[other], view_id=view.pk)
    assert SavedView.objects.get().name == "Mine"


def test_a_shared_view_is_seen_by_the_group_and_managed_by_owner_or_coordinator(team):
    view = svc.saved_view_create(
        actor=team["owner"], list_key=LIST, name="Desk", group=team["group"].pk
    )
    assert list(queries.saved_views_for(team["member"], LIST)) == [view]
    assert list(queries.saved_views_for(team["outsider"], LIST)) == []
    with pytest.raises(PermissionDenied):
        svc.saved_view_update(actor=team["member"], view_id=view.pk, data={"name": "Mine now"})
    with pytest.raises(PermissionDenied):
        svc.saved_view_delete(actor=team["member"], view_id=view.pk)
    renamed = svc.saved_view_update(
        actor=team["coordinator"], view_id=view.pk, data={"name": "Desk queue"}
    )
    assert renamed.name == "Desk queue"
    svc.saved_view_delete(actor=team["coordinator"], view_id=view.pk)
    assert not SavedView.objects.exists()


def test_sharing_needs_membership_and_bad_input_names_the_field(team):
    with pytest.raises(ValidationError) as caught:
        svc.saved_view_create(actor=team["outsider"], list_key=LIST, name="X", group=team["group"])
    assert "group" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        svc.saved_view_create(actor=team["owner"], list_key="nowhere", name=" ")
    assert {"name", "list_key"} <= set(caught.value.message_dict)
    assert not SavedView.objects.exists()


def test_the_list_page_shows_the_chosen_columns_and_the_views(client, team):
    svc.saved_view_create(actor=team["owner"], list_key=LIST, name="Lean", columns=["name"])
    client.force_login(team["owner"])
    page = client.get("/people/?cols=name").content.decode()
    assert "Lean" in page and 'name="cols" value="name" checked' in page
    assert 'name="cols" value="email"' in page and 'value="email" checked' not in page
    # The choice is remembered for the next visit, until "all".
    assert 'value="email" checked' not in client.get("/people/").content.decode()
    assert 'value="email" checked' in client.get("/people/?cols=all").content.decode()


def test_the_api_creates_renames_and_refuses_others(api, team):
    created = api.as_(team["owner"]).post(
        "/api/v1/saved-views/",
        {"list_key": LIST, "name": "Desk", "group": team["group"].pk, "columns": ["name"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    bad = api.as_(team["owner"]).post("/api/v1/saved-views/", {"list_key": LIST}, format="json")
    assert bad.status_code == 400
    listed = api.as_(team["member"]).get("/api/v1/saved-views/?list_key=" + LIST)
    assert [row["name"] for row in listed.json()["results"]] == ["Desk"]
    refused = api.as_(team["member"]).patch(
        f"/api/v1/saved-views/{pk}/", {"name": "Taken"}, format="json"
    )
    assert refused.status_code == 403
    assert api.as_(team["outsider"]).delete(f"/api/v1/saved-views/{pk}/").status_code == 404
    renamed = api.as_(team["owner"]).patch(
        f"/api/v1/saved-views/{pk}/", {"name": "Desk queue"}, format="json"
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Desk queue"
    assert api.as_(team["owner"]).delete(f"/api/v1/saved-views/{pk}/").status_code == 204
