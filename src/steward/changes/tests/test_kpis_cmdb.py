"""CI changes made under a change record the change itself (seed 003 ch. 3 proc. 6: the CMDB
update after a change): the history rows link it and show its number as the cause, in the
services, the API and the CI page; a change that does not exist, that the actor may not
see, or that ended long ago is refused naming ``change``."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.changes.choices import ChangeOutcome, ChangeStatus
from steward.changes.models import Change
from steward.changes.queries.kpis import change_for_cmdb
from steward.configuration.models import RelationshipType
from steward.configuration.services import cis as cmdb
from steward.core.tests.api import field_errors

pytestmark = pytest.mark.django_db


def ended(change: Change, status: str, days_ago: int) -> Change:
    Change.objects.filter(pk=change.pk).update(
        status=status,
        outcome=ChangeOutcome.SUCCESSFUL if status == ChangeStatus.CLOSED else status,
        closed_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    change.refresh_from_db()
    return change


@pytest.fixture
def world(config_admin, make_change) -> dict[str, Any]:
    """The server ``mail-01`` and the application running on it; an open change. (The
    shared ``cmdb_world`` fixture makes a class of a category the CMDB does not have.)"""
    server_class = cmdb.ci_class_create(
        actor=config_admin, name="Server", code="server", category="hardware"
    )
    app_class = cmdb.ci_class_create(
        actor=config_admin, name="Application", code="app", category="software"
    )
    cmdb.relationship_type_create(
        actor=config_admin, code="runs-on", name="runs on", reverse_name="hosts"
    )
    return {
        "server": cmdb.ci_create(actor=config_admin, ci_class=server_class, name="mail-01"),
        "service_ci": cmdb.ci_create(actor=config_admin, ci_class=app_class, name="Mail app"),
        "change": make_change(title="Add memory to mail-01"),
    }


def test_a_ci_updated_under_a_change_links_it_in_the_history(config_admin, world):
    server, change = world["server"], world["change"]

    cmdb.ci_update(
        actor=config_admin, ci_id=server.pk, data={"version": "2.0"}, change_id=change.pk
    )

    row = server.changes.get(field="version")
    assert (row.change, row.cause) == (change, change.number)
    assert list(change.ci_changes.all()) == [row]


def test_the_free_text_cause_still_works_without_a_change(config_admin, world):
    server = world["server"]

    cmdb.ci_update(actor=config_admin, ci_id=server.pk, data={"version": "2.0"}, cause="PR-7")

    row = server.changes.get(field="version")
    assert (row.change, row.cause) == (None, "PR-7")


@pytest.mark.parametrize(
    ("status", "days_ago", "allowed"),
    [
        (ChangeStatus.PLANNING, None, True),
        (ChangeStatus.PRODUCTION_TEST, None, True),
        (ChangeStatus.CLOSED, 2, True),  # just closed: the CMDB update task comes after
        (ChangeStatus.BACKED_OUT, 13, True),
        (ChangeStatus.CLOSED, 15, False),  # long ago
        (ChangeStatus.CANCELLED, 1, False),  # never implemented
        (ChangeStatus.REJECTED, 1, False),
    ],
)
def test_which_changes_a_cmdb_update_may_name(config_admin, world, status, days_ago, allowed):
    change = world["change"]
    if days_ago is None:
        Change.objects.filter(pk=change.pk).update(status=status)
    else:
        ended(change, status, days_ago)

    def update() -> Any:
        return cmdb.ci_update(
            actor=config_admin, ci_id=world["server"].pk, data={"version": "3"}, change_id=change.pk
        )

    if allowed:
        update()
        assert world["server"].changes.filter(change=change).exists()
    else:
        with pytest.raises(ValidationError) as refused:
            update()
        assert list(refused.value.message_dict) == ["change"]
        assert not world["server"].changes.filter(field="version").exists()


def test_a_change_the_person_may_not_see_is_as_unknown_as_none(world, other_representative):
    for reference in (world["change"].pk, world["change"].number, 999_999, "CHG999999"):
        with pytest.raises(ValidationError) as refused:
            change_for_cmdb(other_representative, reference)
        assert refused.value.message_dict["change"][0].startswith("There is no change")


# --- API ------------------------------------------------------------------------------------


def test_the_api_links_the_change_and_the_history_shows_it(api, config_admin, world):
    server, change = world["server"], world["change"]
    caller = api.as_(config_admin)

    answer = caller.patch(f"/api/v1/cis/{server.pk}/", {"version": "2.0", "change": change.pk})
    assert answer.status_code == 200, answer.content

    history = caller.get(f"/api/v1/cis/{server.pk}/history/").json()
    row = next(r for r in history if r["field"] == "version")
    assert (row["change"], row["cause"]) == (change.pk, change.number)
    assert row["change_url"].endswith(reverse("changes:change-detail", args=[change.pk]))
    assert next(r for r in history if r["field"] == "name")["change_url"] is None


@pytest.mark.parametrize("change", [999_999, "closed long ago"])
def test_the_api_refuses_a_change_it_cannot_link_naming_it(api, config_admin, world, change):
    if change == "closed long ago":
        change = ended(world["change"], ChangeStatus.CLOSED, 40).pk
    server = world["server"]

    answer = api.as_(config_admin).patch(
        f"/api/v1/cis/{server.pk}/", {"version": "9", "change": change}
    )

    assert answer.status_code == 400
    assert list(field_errors(answer)) == ["change"]
    server.refresh_from_db()
    assert server.version != "9"


def test_relationships_are_made_and_ended_under_a_change(api, config_admin, world):
    change, caller = world["change"], api.as_(config_admin)
    runs_on = RelationshipType.objects.get(code="runs-on")

    made = caller.post(
        "/api/v1/relationships/",
        {"source": world["service_ci"].pk, "target": world["server"].pk, "type": runs_on.pk,
         "change": change.pk},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    assert (made.json()["change"], made.json()["cause"]) == (change.pk, change.number)

    refused = caller.post(f"/api/v1/relationships/{made.json()['id']}/end/", {"change": 999_999})
    assert refused.status_code == 400 and list(field_errors(refused)) == ["change"]
    ending = caller.post(f"/api/v1/relationships/{made.json()['id']}/end/", {"change": change.pk})
    assert ending.status_code == 200, ending.content
    assert ending.json()["ended_change"] == change.pk


# --- Pages ------------------------------------------------------------------------------------


def test_the_edit_form_takes_the_change_number_and_the_history_links_it(
    client, config_admin, world
):
    server, change = world["server"], world["change"]
    client.force_login(config_admin)
    edit = reverse("configuration:ci-edit", args=[server.pk])
    fields = {"name": "mail-01", "status": "in_production", "version": "4.1"}

    refused = client.post(edit, {**fields, "change": "CHG999999"})
    assert refused.status_code == 400
    assert "There is no change CHG999999 you may see." in refused.content.decode()

    saved = client.post(edit, {**fields, "change": change.number.lower()})
    assert saved.status_code == 302
    page = client.get(server.get_absolute_url()).content.decode()
    assert f'<a href="{change.get_absolute_url()}"' in page
    assert server.changes.get(field="version").change == change
