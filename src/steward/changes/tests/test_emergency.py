"""Seed 003 ch. 3 proc. 7 (Emergency Change Implementation) and proc. 8 (Emergency Change
Closure) through the services, branch by branch, and the incident side of them (ch. 8
proc. 5: the service owner asks a specialist)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.changes.models import Change
from steward.changes.services import emergency as svc
from steward.changes.tests import emergency_world as world
from steward.core.choices import JournalKind
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import JournalEntry, Notification
from steward.core.testing.journal import journal_of
from steward.core.tests.factories import make_person
from steward.incidents.services import incidents as incident_svc

# The shared fixtures (tests/emergency_world.py).
escalated, ask, emergency, mail_server = (
    world.escalated,
    world.ask,
    world.emergency,
    world.mail_server,
)
application_change, other_specialist, told = (
    world.application_change, world.other_specialist, world.told,
)  # fmt: skip

NOTE = "Mail to globex.example is delivered again."


# --- ch. 8 proc. 5 -> ch. 3 proc. 7: the service owner asks a specialist ---------------


@pytest.mark.parametrize("category", ["infrastructure", "application"])
def test_the_emergency_change_request_reaches_the_specialist(
    ask, escalated, specialist, service_owner, change_coordinator, mail_server, told, category
):
    """Proc. 7: "after the service owner has asked a specialist to resolve an incident by
    implementing an emergency change, the specialist starts to work on the
    implementation": the specialist is told, not the change coordinators."""
    change = ask(category=category)

    assert (change.change_type, change.category, change.status) == (
        "emergency", category, "implementation",
    )  # fmt: skip
    assert (change.implementer, change.emergency_requested_by) == (specialist, service_owner)
    assert change.service == escalated.service
    assert change.coordinator == change_coordinator  # registers it afterwards (proc. 8)
    assert list(change.incidents.all()) == [escalated]
    assert list(change.cis.all()) == [mail_server]
    escalated.refresh_from_db()
    assert (escalated.escalation, escalated.assignee) == ("emergency_change", specialist)
    assert told(specialist, escalated) == ["incident.escalation.emergency_change"]
    assert told(change_coordinator) == []


def test_another_specialist_asked_takes_the_request_over(
    ask, escalated, other_specialist, told, specialist
):
    change = ask(specialist=other_specialist)

    escalated.refresh_from_db()
    assert change.implementer == other_specialist
    assert (escalated.assignee, escalated.status) == (other_specialist, "assigned")
    assert told(other_specialist, escalated) == ["incident.escalation.emergency_change"]


def test_the_on_duty_manager_asks_in_the_owners_place(ask, on_duty_manager, service_owner):
    change = ask(actor=on_duty_manager)

    assert change.emergency_requested_by == on_duty_manager


@pytest.mark.parametrize("who", ["nobody", "change_coordinator", "requester", "inactive"])
def test_the_emergency_change_needs_a_specialist(ask, escalated, provider, request, who):
    if who == "nobody":
        person = None
    elif who == "inactive":
        person = make_person("specialist", organisation=provider, is_active=False)
    else:
        person = request.getfixturevalue(who)

    with pytest.raises(ValidationError) as caught:
        ask(specialist=person)

    assert set(caught.value.message_dict) == {"specialist"}
    assert not Change.objects.exists()
    escalated.refresh_from_db()
    assert escalated.escalation == "service_owner"


def test_a_change_coordinator_held_everywhere_stands_in(
    escalated, service_owner, specialist, provider, change_coordinator
):
    change_coordinator.role_assignments.all().delete()
    everywhere = make_person("change_coordinator", organisation=provider, username="cc-all")

    incident_svc.incident_handle_escalation(
        actor=service_owner, incident_id=escalated.pk, decision="emergency_change",
        specialist=specialist,
    )  # fmt: skip

    assert Change.objects.get(incidents=escalated).coordinator == everywhere


def test_an_unknown_kind_of_change_is_refused(ask):
    with pytest.raises(ValidationError) as caught:
        ask(category="cosmetic")

    assert set(caught.value.message_dict) == {"category"}


# --- proc. 7: the release administrator transfers an application change's release ------


@pytest.mark.parametrize(
    ("environment", "kind"),
    [("test", "transfer_to_test"), ("production", "transfer_to_production")],
)
def test_the_specialist_asks_the_release_administrator_to_transfer(
    application_change, specialist, release_administrator, told, environment, kind
):
    """Proc. 7: "the specialist asks a release administrator to transfer the new release
    to the test environment"; once it passed, "to the production environment"."""
    change = svc.emergency_change_transfer(
        actor=specialist, change_id=application_change.pk, environment=environment, note="v2.1"
    )

    task = change.tasks.get()
    assert (task.kind, task.status, task.assignee) == (kind, "open", release_administrator)
    assert told(release_administrator, change) == [f"change.emergency.transfer_to_{environment}"]
    assert journal_of(change, kind=JournalKind.SYSTEM, data__transfer=environment).exists()
    assert change.status == "implementation"


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("infrastructure", DomainError),  # performed "as a normal incident request"
        ("someone_else", PermissionDenied),
        ("owner", PermissionDenied),
        ("bad_environment", ValidationError),
        ("no_release_administrator", ValidationError),
        ("registered", DomainError),
    ],
)
def test_transfers_are_refused(
    ask, specialist, other_specialist, service_owner, request, case, error
):
    if case != "no_release_administrator":
        request.getfixturevalue("release_administrator")
    change = ask(category="infrastructure" if case == "infrastructure" else "application")
    actor = {"someone_else": other_specialist, "owner": service_owner}.get(case, specialist)
    if case == "registered":
        svc.emergency_change_test(actor=specialist, change_id=change.pk, successful=True, note=NOTE)

    with pytest.raises(error):
        svc.emergency_change_transfer(
            actor=actor,
            change_id=change.pk,
            environment="staging" if case == "bad_environment" else "test",
        )

    assert not change.tasks.exists()


# --- proc. 8: the production test ---------------------------------------------------------


def test_a_successful_production_test_completes_the_incident_and_asks_for_registration(
    emergency, escalated, specialist, change_coordinator, told
):
    """Proc. 8: "if the specialist has determined that the implementation is successful,
    he/she completes the incident request. In addition, the specialist asks the change
    coordinator of the affected service to register a change"."""
    change = svc.emergency_change_test(
        actor=specialist, change_id=emergency.pk, successful=True, note=NOTE
    )

    assert change.status == "registered"
    assert change.actual_end is not None
    escalated.refresh_from_db()
    assert (escalated.status, escalated.resolution, escalated.resolved_by) == (
        "resolved", NOTE, specialist,
    )  # fmt: skip
    assert told(change_coordinator, change) == ["change.emergency.register"]
    steps = journal_of(change, kind=JournalKind.TRANSITION).values_list("old_value", "new_value")
    assert list(steps) == [("implementation", "production_test"), ("production_test", "registered")]


@pytest.mark.parametrize("asked_by", ["service_owner", "on_duty_manager"])
def test_an_unsuccessful_production_test_goes_back_and_tells_the_owner(
    ask, escalated, specialist, service_owner, on_duty_manager, told, request, asked_by
):
    """Proc. 8: "if the implementation turns out to be unsuccessful, the specialist informs
    the service owner (or on-duty manager...) to discuss the situation"; back to the
    development (implementation) as proc. 7 says."""
    change = ask(actor=request.getfixturevalue(asked_by))

    change = svc.emergency_change_test(
        actor=specialist, change_id=change.pk, successful=False, note="Still bouncing."
    )

    assert change.status == "implementation"
    escalated.refresh_from_db()
    assert escalated.status != "resolved"
    assert told(service_owner, change) == ["change.emergency.failed"]
    assert told(on_duty_manager, change) == (
        ["change.emergency.failed"] if asked_by == "on_duty_manager" else []
    )
    # ...and tested again once corrected.
    change = svc.emergency_change_test(
        actor=specialist, change_id=change.pk, successful=True, note=NOTE
    )
    assert change.status == "registered"


@pytest.mark.parametrize("who", ["other_specialist", "service_owner", "change_coordinator"])
def test_only_the_implementer_tests(emergency, request, who):
    with pytest.raises(PermissionDenied):
        svc.emergency_change_test(
            actor=request.getfixturevalue(who), change_id=emergency.pk, successful=True, note=NOTE
        )

    emergency.refresh_from_db()
    assert emergency.status == "implementation"


@pytest.mark.parametrize(
    ("given", "fields"),
    [
        ({"successful": True, "note": " "}, {"note"}),
        ({"successful": "yes", "note": NOTE}, {"successful"}),
    ],
)
def test_the_production_test_needs_its_result(emergency, specialist, given, fields):
    with pytest.raises(ValidationError) as caught:
        svc.emergency_change_test(actor=specialist, change_id=emergency.pk, **given)

    assert set(caught.value.message_dict) == fields


def test_a_registered_change_is_not_tested_again(emergency, specialist):
    svc.emergency_change_test(actor=specialist, change_id=emergency.pk, successful=True, note=NOTE)

    with pytest.raises(InvalidTransition):
        svc.emergency_change_test(
            actor=specialist, change_id=emergency.pk, successful=True, note=NOTE
        )


def test_a_planned_change_is_no_emergency_change(make_change, specialist):
    change = make_change()

    with pytest.raises(DomainError):
        svc.emergency_change_test(actor=specialist, change_id=change.pk, successful=True, note=NOTE)


# --- proc. 8: the change coordinator registers and closes ---------------------------------


@pytest.fixture
def implemented(emergency, specialist):
    return svc.emergency_change_test(
        actor=specialist, change_id=emergency.pk, successful=True, note=NOTE
    )


@pytest.mark.parametrize(
    ("cmdb", "capacity"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_the_change_coordinator_registers_updates_and_closes(
    implemented, change_coordinator, service_owner, cmdb, capacity
):
    """Proc. 8: "the change coordinator registers the change and, if required, ensures
    that the CMDB and the Capacity Management information are updated. Before closing the
    change, the change coordinator informs the service owner ... via email"."""
    change = svc.emergency_change_register(
        actor=change_coordinator, change_id=implemented.pk, cmdb_updated=cmdb,
        capacity_updated=capacity, note="Relay CI updated.",
    )  # fmt: skip

    assert (change.status, change.outcome, change.closure_note) == (
        "closed", "successful", "Relay CI updated.",
    )  # fmt: skip
    assert change.closed_at is not None
    recorded = journal_of(change, kind=JournalKind.SYSTEM, data__cmdb_updated=cmdb).get()
    assert recorded.data == {"cmdb_updated": cmdb, "capacity_updated": capacity}
    mail = Notification.objects.get(recipient=service_owner, event="change.emergency.closed")
    assert mail.send_email is True


@pytest.mark.parametrize("asked_by", ["service_owner", "on_duty_manager"])
def test_the_on_duty_manager_who_asked_is_informed_too(
    ask, specialist, change_coordinator, service_owner, on_duty_manager, told, request, asked_by
):
    change = ask(actor=request.getfixturevalue(asked_by))
    svc.emergency_change_test(actor=specialist, change_id=change.pk, successful=True, note=NOTE)

    svc.emergency_change_register(
        actor=change_coordinator, change_id=change.pk, cmdb_updated=True, capacity_updated=False
    )

    assert told(service_owner, change)[-1] == "change.emergency.closed"
    assert ("change.emergency.closed" in told(on_duty_manager, change)) is (
        asked_by == "on_duty_manager"
    )


@pytest.mark.parametrize(
    "who", ["specialist", "service_owner", "change_manager", "other_coordinator"]
)
def test_only_a_change_coordinator_of_the_service_registers(
    implemented, other_service, provider, request, who
):
    if who == "other_coordinator":
        actor = make_person(
            "change_coordinator", organisation=provider, scope=other_service, username="cc2"
        )
    else:
        actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        svc.emergency_change_register(
            actor=actor, change_id=implemented.pk, cmdb_updated=True, capacity_updated=True
        )

    implemented.refresh_from_db()
    assert implemented.status == "registered"


def test_a_change_coordinator_held_everywhere_registers(implemented, provider):
    everywhere = make_person("change_coordinator", organisation=provider, username="cc-all")

    change = svc.emergency_change_register(
        actor=everywhere, change_id=implemented.pk, cmdb_updated=False, capacity_updated=False
    )

    assert (change.status, change.coordinator) == ("closed", everywhere)


def test_registration_waits_for_the_implementation(emergency, change_coordinator):
    with pytest.raises(InvalidTransition):
        svc.emergency_change_register(
            actor=change_coordinator, change_id=emergency.pk, cmdb_updated=True,
            capacity_updated=True,
        )  # fmt: skip


def test_registration_needs_yes_or_no_answers(implemented, change_coordinator):
    with pytest.raises(ValidationError) as caught:
        svc.emergency_change_register(
            actor=change_coordinator, change_id=implemented.pk, cmdb_updated=None,
            capacity_updated="y",
        )  # fmt: skip

    assert set(caught.value.message_dict) == {"cmdb_updated", "capacity_updated"}
    assert not JournalEntry.objects.filter(kind=JournalKind.SYSTEM, data__cmdb_updated=True)
