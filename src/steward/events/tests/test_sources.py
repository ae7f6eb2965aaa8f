"""Monitoring sources and their tokens (seed 003 ch. 6): registered by the operations
manager, the token shown once and kept as a digest, rotated, deactivated; everyone with
the events view sees sources but never a token."""

import pytest
from django.urls import reverse

from steward.core.models import JournalEntry
from steward.core.testing.matrix import (
    Case,
    Create,
    MatrixTests,
    Pages,
    Step,
    Update,
    World,
    unique,
)
from steward.core.tests.api import field_errors
from steward.core.tests.factories import make_person
from steward.events import tokens
from steward.events.models import EventSource
from steward.events.services import sources as svc

# --- The generated access and write matrix ------------------------------------------------


def source(world: World) -> EventSource:
    return svc.source_create(actor=world.admin, name=f"Prometheus {unique()}")[0]


def inactive(world: World) -> EventSource:
    found = source(world)
    return svc.source_deactivate(actor=world.admin, source_id=found.pk)


SOURCE = Case(
    "event source",
    EventSource,
    source,
    api="event-source",
    sees=("analyst", "operator", "admin"),
    refused=("requester", "representative"),
    create=Create({"name": "Zabbix DC2", "kind": "zabbix", "rate_limit": 500}, blank="name",
                  denied="operator"),
    update=Update({"description": "The DC2 Zabbix server.", "rate_limit": 200},
                  denied="operator"),
    steps=(
        Step("deactivate", source, wrong_state=inactive, denied="operator"),
        Step("activate", inactive, wrong_state=source, denied="operator"),
        Step("rotate-token", source, denied="operator"),
    ),
    pages=Pages("events:source", sees=("analyst", "operator"), refused=("requester",),
                shown_as="name"),
)  # fmt: skip


class TestSourcesMatrix(MatrixTests):
    cases = [SOURCE]


# --- The token: made once, shown once, kept as a digest -----------------------------------


def test_registering_answers_the_token_once_and_keeps_only_its_digest(api, ops_manager, operator):
    answer = api.as_(ops_manager).post(
        "/api/v1/event-sources/",
        {"name": "Alertmanager DC1", "kind": "alertmanager", "operator": operator.pk},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    assert answer["Cache-Control"] == "no-store"
    token = answer.json()["token"]
    source = EventSource.objects.get(pk=answer.json()["id"])
    assert token.startswith(tokens.PREFIX) and len(token) > 40
    assert source.token_hash == tokens.digest(token) and token not in source.token_hash
    assert source.token_hint == token[:8] == answer.json()["token_hint"]
    assert answer.json()["endpoint"].endswith("/api/v1/events/alertmanager/")
    for url in ("/api/v1/event-sources/", f"/api/v1/event-sources/{source.pk}/"):
        text = api.as_(operator).get(url).content.decode()
        assert token not in text and source.token_hash not in text
        assert "token_hash" not in text and '"token"' not in text
    journal = " ".join(str(vars(e)) for e in JournalEntry.objects.all())
    assert token not in journal and source.token_hash not in journal


def test_rotating_replaces_the_token_and_the_old_one_no_longer_matches(api, ops_manager):
    source, old = svc.source_create(actor=ops_manager, name="Nagios")
    answer = api.as_(ops_manager).post(f"/api/v1/event-sources/{source.pk}/rotate-token/")
    assert answer.status_code == 200, answer.content
    assert answer["Cache-Control"] == "no-store"
    new = answer.json()["token"]
    assert new != old
    source.refresh_from_db()
    assert source.token_hash == tokens.digest(new)
    assert not EventSource.objects.filter(token_hash=tokens.digest(old)).exists()
    entry = JournalEntry.objects.filter(field="token_hint").get()
    assert (entry.old_value, entry.new_value, entry.actor) == (old[:8], new[:8], ops_manager)


def test_deactivating_and_activating_switch_the_source_and_repeat_is_a_conflict(api, ops_manager):
    source, _ = svc.source_create(actor=ops_manager, name="Icinga")
    client = api.as_(ops_manager)
    assert (
        client.post(f"/api/v1/event-sources/{source.pk}/deactivate/").json()["is_active"] is False
    )
    assert client.post(f"/api/v1/event-sources/{source.pk}/deactivate/").status_code == 409
    assert client.post(f"/api/v1/event-sources/{source.pk}/activate/").json()["is_active"] is True


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("the operator", None),
        ("a specialist", "does not hold the operator role"),
        ("an inactive operator", "No active person"),
        ("nobody with that id", "No active person"),
    ],
)
def test_the_operator_of_a_source_must_hold_the_operator_role(
    ops_manager, operator, provider, who, error
):
    people = {
        "the operator": lambda: operator.pk,
        "a specialist": lambda: make_person("specialist", organisation=provider, username="s").pk,
        "an inactive operator": lambda: (
            make_person("operator", organisation=provider, username="gone", is_active=False).pk
        ),
        "nobody with that id": lambda: 999_999,
    }
    arguments = {"actor": ops_manager, "name": "Zabbix", "operator": people[who]()}
    if error is None:
        assert svc.source_create(**arguments)[0].operator == operator
        return
    with pytest.raises(Exception) as refused:
        svc.source_create(**arguments)
    assert error in str(refused.value.message_dict["operator"])
    assert not EventSource.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "Prometheus DC1"}, "name"),  # the conftest source has it
        ({"name": "X", "kind": "nagios"}, "kind"),
        ({"name": "X", "rate_limit": 0}, "rate_limit"),
        ({"name": "X", "support_group": 999_999}, "support_group"),
        ({"name": "X", "token_hint": "evt_mine"}, "token_hint"),
    ],
)
def test_bad_source_input_is_a_400_naming_the_field_and_writes_nothing(
    api, ops_manager, source, payload, field
):
    answer = api.as_(ops_manager).post("/api/v1/event-sources/", payload, format="json")
    assert answer.status_code == 400, answer.content
    assert field in field_errors(answer)
    assert EventSource.objects.count() == 1


def test_the_support_group_must_exist_and_is_kept(ops_manager, network):
    found, _ = svc.source_create(actor=ops_manager, name="Zabbix", support_group=network.group.pk)
    assert found.support_group == network.group


# --- Pages ---------------------------------------------------------------------------------


def test_the_register_page_shows_the_token_in_its_answer_only(client, ops_manager):
    client.force_login(ops_manager)
    answer = client.post(reverse("events:source-create"), {"name": "Prom", "kind": "generic",
                                                           "rate_limit": 1000})  # fmt: skip
    assert answer.status_code == 200, answer.content.decode()[:2000]
    assert answer["Cache-Control"] == "no-store"
    source = EventSource.objects.get(name="Prom")
    text = answer.content.decode()
    token = text.split('id="source-token">', 1)[1].split("<", 1)[0]
    assert tokens.digest(token) == source.token_hash
    assert f"Bearer {token}" in text  # the example is ready to paste
    page = client.get(source.get_absolute_url()).content.decode()
    assert token not in page and source.token_hint in page


def test_the_rotate_page_shows_the_new_token_once_and_refuses_who_may_not(
    client, ops_manager, operator, source, source_token
):
    client.force_login(operator)
    assert client.post(reverse("events:source-rotate-token", args=[source.pk])).status_code == 403
    client.force_login(ops_manager)
    answer = client.post(reverse("events:source-rotate-token", args=[source.pk]))
    assert answer.status_code == 200
    source.refresh_from_db()
    assert source.token_hash != tokens.digest(source_token)
    assert source.token_hint in answer.content.decode()


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        ("generic", ["/api/v1/events/ingest/", "curl -X POST", "Authorization: Bearer"]),
        ("alertmanager", ["/api/v1/events/alertmanager/", "webhook_configs:", "send_resolved: true",
                          "credentials: &lt;the source&#x27;s token&gt;"]),
        ("zabbix", ["/api/v1/events/zabbix/", "{EVENT.TAGSJSON}", "trigger_id = {TRIGGER.ID}"]),
    ],
)  # fmt: skip
def test_a_source_page_shows_how_to_send_events_in_its_format(client, ops_manager, kind, shown):
    found, token = svc.source_create(actor=ops_manager, name=f"Source {kind}", kind=kind)
    client.force_login(ops_manager)
    page = client.get(found.get_absolute_url()).content.decode()
    for text in shown:
        assert text in page, text
    assert token not in page


def test_the_edit_page_changes_the_source(client, ops_manager, source, network):
    client.force_login(ops_manager)
    answer = client.post(reverse("events:source-edit", args=[source.pk]), {
        "name": "Prometheus DC1", "kind": "alertmanager", "rate_limit": 50,
        "support_group": network.group.pk, "lock_version": source.lock_version})  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()[:2000]
    source.refresh_from_db()
    assert (source.kind, source.rate_limit, source.support_group) == (
        "alertmanager",
        50,
        network.group,
    )


def test_the_events_area_lists_the_configuration_pages_for_staff(client, operator, requester):
    client.force_login(operator)
    page = client.get(reverse("events:source-list")).content.decode()
    for label in ("Event sources", "Event types", "CI match rules", "Correlation rules"):
        assert label in page
    client.force_login(requester)
    assert client.get(reverse("events:source-list")).status_code in (302, 403)
