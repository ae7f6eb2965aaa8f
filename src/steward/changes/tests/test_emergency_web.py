"""Emergency changes on the change page and through /api/v1/changes/{id}/<step>/ (seed 003
ch. 3 proc. 7-8): the steps offered to whom, their denials, and the emergency section."""

import pytest
from django.urls import reverse

from steward.changes.tests import emergency_world as world
from steward.core.tests.api import field_errors

escalated, ask, emergency, mail_server = (
    world.escalated,
    world.ask,
    world.emergency,
    world.mail_server,
)
application_change, other_specialist = world.application_change, world.other_specialist

NOTE = "Mail to globex.example is delivered again."


def step(change, key):
    return f"/api/v1/changes/{change.pk}/{key}/"


def offered(api, person, change) -> set[str]:
    answer = api.as_(person).get(f"/api/v1/changes/{change.pk}/next-steps/")
    assert answer.status_code == 200, answer.json()
    return {s["key"] for s in answer.json()} & {
        "emergency-transfer", "emergency-test", "emergency-register",
    }  # fmt: skip


def test_each_person_is_offered_their_step(
    api, application_change, specialist, other_specialist, change_coordinator, service_owner,
    release_administrator,
):  # fmt: skip
    assert offered(api, specialist, application_change) == {
        "emergency-transfer", "emergency-test",
    }  # fmt: skip
    for person in (other_specialist, change_coordinator, service_owner):
        assert offered(api, person, application_change) == set()
    api.as_(specialist).post(
        step(application_change, "emergency-test"), {"successful": True, "note": NOTE},
        format="json",
    )  # fmt: skip
    assert offered(api, specialist, application_change) == set()
    assert offered(api, change_coordinator, application_change) == {"emergency-register"}


@pytest.mark.parametrize(
    ("who", "status"),
    [("service_owner", 403), ("other_specialist", 403), ("change_coordinator", 403),
     ("specialist", 200)],
)  # fmt: skip
def test_only_the_implementer_records_the_production_test(
    api, emergency, escalated, request, who, status
):
    answer = api.as_(request.getfixturevalue(who)).post(
        step(emergency, "emergency-test"), {"successful": True, "note": NOTE}, format="json"
    )

    assert answer.status_code == status
    emergency.refresh_from_db()
    escalated.refresh_from_db()
    assert (emergency.status, escalated.status == "resolved") == (
        ("registered", True) if status == 200 else ("implementation", False)
    )


def test_the_production_test_needs_its_note(api, emergency, specialist):
    answer = api.as_(specialist).post(
        step(emergency, "emergency-test"), {"successful": False}, format="json"
    )

    assert answer.status_code == 400
    assert set(field_errors(answer)) == {"note"}


def test_an_infrastructure_change_has_no_release_to_transfer(
    api, emergency, specialist, release_administrator
):
    answer = api.as_(specialist).post(
        step(emergency, "emergency-transfer"), {"environment": "test"}, format="json"
    )

    assert answer.status_code == 409


def test_the_release_transfer_through_the_api(
    api, application_change, specialist, release_administrator
):
    answer = api.as_(specialist).post(
        step(application_change, "emergency-transfer"), {"environment": "production"},
        format="json",
    )  # fmt: skip

    assert answer.status_code == 200, answer.json()
    assert application_change.tasks.get().kind == "transfer_to_production"


@pytest.mark.parametrize(
    ("who", "status"),
    [("specialist", 403), ("service_owner", 403), ("change_manager", 403),
     ("change_coordinator", 200)],
)  # fmt: skip
def test_only_the_change_coordinator_registers(api, emergency, specialist, request, who, status):
    api.as_(specialist).post(
        step(emergency, "emergency-test"), {"successful": True, "note": NOTE}, format="json"
    )

    answer = api.as_(request.getfixturevalue(who)).post(
        step(emergency, "emergency-register"),
        {"cmdb_updated": True, "capacity_updated": False},
        format="json",
    )

    assert answer.status_code == status
    emergency.refresh_from_db()
    assert emergency.status == ("closed" if status == 200 else "registered")


def test_the_change_page_tells_the_emergency(
    client, emergency, escalated, specialist, service_owner
):
    client.force_login(specialist)

    page = client.get(reverse("changes:change-detail", args=[emergency.pk]))

    text = page.content.decode()
    assert 'id="emergency-heading"' in text
    assert service_owner.display_name in text and escalated.number in text
    assert 'id="step-emergency-test"' in text  # the panel draws the step's form


def test_the_page_steps_and_their_denials(
    client, emergency, escalated, specialist, change_coordinator
):
    test_url = reverse("changes:change-emergency-test", args=[emergency.pk])
    register_url = reverse("changes:change-emergency-register", args=[emergency.pk])
    client.force_login(change_coordinator)
    assert client.post(test_url, {"successful": "yes", "note": NOTE}).status_code == 403
    client.force_login(specialist)
    assert client.post(test_url, {"successful": "", "note": ""}).status_code == 400

    tested = client.post(test_url, {"successful": "yes", "note": NOTE})
    refused = client.post(register_url, {"cmdb_updated": "on"})
    client.force_login(change_coordinator)
    registered = client.post(register_url, {"cmdb_updated": "on", "note": "CI updated."})

    assert tested.status_code == 302
    assert refused.status_code == 403
    assert registered.status_code == 302
    emergency.refresh_from_db()
    assert (emergency.status, emergency.outcome) == ("closed", "successful")
