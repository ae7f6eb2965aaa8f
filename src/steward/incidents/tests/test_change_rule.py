"""Seed 003 ch. 8 procedures 2, 4 and 5: the Change Management rule ("may not be resolved
without Change Management when its resolution will cause a service to become unavailable
or degraded during service hours, its functionality to become different, or the CMDB to
require an update") and the handling of escalated incidents by the service owner."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.core.choices import JournalKind
from steward.core.errors import InvalidTransition
from steward.core.models import JournalEntry
from steward.core.tests.factories import give_role, make_person
from steward.incidents.services import incidents as svc

COMBINATIONS = list(itertools.product([False, True], repeat=3))


def assess(actor, incident, answers):
    unavailable, functionality, cmdb = answers
    return svc.incident_assess_change(
        actor=actor,
        incident_id=incident.pk,
        causes_service_unavailability=unavailable,
        changes_service_functionality=functionality,
        requires_cmdb_update=cmdb,
    )


@pytest.mark.parametrize("answers", COMBINATIONS)
def test_group_coordinator_sends_change_work_to_the_services_change_coordinator(
    assigned_incident, coordinator, change_coordinator, service_owner, notified, answers
):
    """Proc. 2: any yes -> the change coordinator of the service; all no -> stays with
    the group for the coordinator to assign a specialist."""
    incident = assess(coordinator, assigned_incident, answers)

    assert (
        incident.causes_service_unavailability,
        incident.changes_service_functionality,
        incident.requires_cmdb_update,
    ) == answers
    if any(answers):
        assert incident.needs_change_management is True
        assert (incident.assignee, incident.escalation) == (
            change_coordinator,
            "change_coordinator",
        )
        assert notified(change_coordinator, incident) == ["incident.change_needed"]
    else:
        assert incident.needs_change_management is False
        assert (incident.assignee, incident.escalation) == (None, "")
        assert notified(change_coordinator, incident) == []
    assert notified(service_owner, incident) == []  # the coordinator never escalates


@pytest.mark.parametrize("answers", COMBINATIONS)
def test_specialist_escalates_change_work_to_the_service_owner(
    working_incident, specialist, change_coordinator, service_owner, notified, answers
):
    """Proc. 4: any yes -> escalated to the service owner; all no -> the specialist
    resolves it."""
    incident = assess(specialist, working_incident, answers)

    assert incident.assignee == specialist
    if any(answers):
        assert (incident.escalation, incident.escalated_to) == ("service_owner", service_owner)
        assert incident.escalated_at is not None
        assert notified(service_owner, incident) == ["incident.escalated"]
    else:
        assert (incident.escalation, incident.escalated_to) == ("", None)
        assert notified(service_owner, incident) == []
    assert notified(change_coordinator, incident) == []


def test_the_assessment_is_journalled(assigned_incident, coordinator, change_coordinator):
    assess(coordinator, assigned_incident, (False, True, False))

    fields = set(
        JournalEntry.objects.filter(
            record_id=assigned_incident.pk, kind=JournalKind.FIELD_CHANGE
        ).values_list("field", flat=True)
    )
    assert set(svc.CHANGE_FIELDS) | {"assignee"} <= fields
    # The escalation is the request's second state machine: a transition, staff-only.
    escalation = JournalEntry.objects.get(
        record_id=assigned_incident.pk, kind=JournalKind.TRANSITION, field="escalation"
    )
    assert (escalation.old_value, escalation.new_value) == ("", "change_coordinator")
    assert escalation.public is False


def test_the_assessment_needs_three_answers(assigned_incident, coordinator):
    with pytest.raises(ValidationError) as caught:
        assess(coordinator, assigned_incident, (None, True, "yes"))

    assert set(caught.value.message_dict) == {
        "causes_service_unavailability",
        "requires_cmdb_update",
    }


def test_without_any_change_coordinator_the_coordinator_is_told_so(assigned_incident, coordinator):
    with pytest.raises(ValidationError) as caught:
        assess(coordinator, assigned_incident, (True, False, False))

    assert "service" in caught.value.message_dict
    assigned_incident.refresh_from_db()
    assert assigned_incident.causes_service_unavailability is None  # nothing written


def test_a_change_coordinator_held_everywhere_stands_in(assigned_incident, coordinator, provider):
    everywhere = make_person("change_coordinator", organisation=provider, username="cc-all")

    incident = assess(coordinator, assigned_incident, (True, False, False))

    assert incident.assignee == everywhere


@pytest.mark.parametrize("owner_state", ["none", "inactive"])
def test_the_on_duty_manager_stands_in_for_a_missing_service_owner(
    working_incident, specialist, on_duty_manager, service, provider, notified, owner_state
):
    if owner_state == "inactive":
        owner = make_person("service_owner", organisation=provider, scope=service, is_active=False)
        service.owner = owner
        service.save()

    incident = svc.incident_escalate(actor=specialist, incident_id=working_incident.pk, note="Down")

    assert (incident.escalation, incident.escalated_to) == ("service_owner", on_duty_manager)
    assert notified(on_duty_manager, incident) == ["incident.escalated"]


def test_an_escalated_incident_cannot_be_escalated_again(
    working_incident, specialist, service_owner
):
    svc.incident_escalate(actor=specialist, incident_id=working_incident.pk)

    with pytest.raises(InvalidTransition):
        svc.incident_escalate(actor=specialist, incident_id=working_incident.pk)


def test_the_specialist_of_another_group_may_not_assess(working_incident, network_specialist):
    with pytest.raises(PermissionDenied):
        assess(network_specialist, working_incident, (True, True, True))


def test_the_change_coordinator_assigned_may_work_on_it(
    assigned_incident, coordinator, change_coordinator
):
    """The change coordinator is no member of the group but works on what is assigned."""
    assess(coordinator, assigned_incident, (False, False, True))

    incident = svc.incident_take(actor=change_coordinator, incident_id=assigned_incident.pk)

    assert (incident.status, incident.assignee) == ("in_progress", change_coordinator)


# --- Proc. 5: escalation handling ------------------------------------------------------


@pytest.fixture
def escalated(working_incident, specialist, service_owner):
    return svc.incident_escalate(
        actor=specialist, incident_id=working_incident.pk, note="Needs a fix in production"
    )


@pytest.mark.parametrize(
    ("decision", "escalation", "told"),
    [
        ("continuity", "on_duty_manager", "on_duty_manager"),
        ("emergency_change", "emergency_change", "specialist"),
        ("back_to_specialists", "back_to_specialists", "specialist"),
    ],
)
def test_the_service_owner_decides_how_the_incident_is_resolved(
    escalated, cast, notified, decision, escalation, told
):
    """An emergency change is asked of a specialist (ch. 3 proc. 7), not of the change
    coordinators, who register it only after its implementation (proc. 8)."""
    specialist = cast["specialist"] if decision == "emergency_change" else None
    incident = svc.incident_handle_escalation(
        actor=cast["service_owner"], incident_id=escalated.pk, decision=decision,
        note="Decided", specialist=specialist,
    )  # fmt: skip

    assert incident.escalation == escalation
    assert notified(cast[told], incident)[-1] == f"incident.escalation.{decision}"
    if decision == "continuity":
        assert incident.escalated_to == cast["on_duty_manager"]
    if decision == "emergency_change":
        system = JournalEntry.objects.filter(
            record_id=incident.pk, kind=JournalKind.SYSTEM, data__emergency_change=True
        )
        assert system.count() == 1
        assert notified(cast["change_coordinator"], incident) == []


def test_the_on_duty_manager_handles_an_escalation_in_the_owners_place(escalated, on_duty_manager):
    incident = svc.incident_handle_escalation(
        actor=on_duty_manager, incident_id=escalated.pk, decision="back_to_specialists"
    )

    assert incident.escalation == "back_to_specialists"


def test_after_going_back_to_the_specialists_it_can_be_escalated_again(
    escalated, service_owner, specialist
):
    svc.incident_handle_escalation(
        actor=service_owner, incident_id=escalated.pk, decision="back_to_specialists"
    )

    incident = svc.incident_escalate(actor=specialist, incident_id=escalated.pk)

    assert incident.escalation == "service_owner"


@pytest.mark.parametrize("who", ["specialist", "coordinator", "requester", "other_owner"])
def test_others_may_not_handle_an_escalation(escalated, cast, other_service, provider, who):
    actor = cast.get(who)
    if who == "other_owner":
        actor = make_person("service_owner", organisation=provider, scope=other_service)

    with pytest.raises(PermissionDenied):
        svc.incident_handle_escalation(
            actor=actor, incident_id=escalated.pk, decision="emergency_change"
        )


def test_only_an_escalated_incident_is_handled(working_incident, service_owner):
    with pytest.raises(InvalidTransition):
        svc.incident_handle_escalation(
            actor=service_owner, incident_id=working_incident.pk, decision="continuity"
        )


def test_an_unknown_decision_is_refused(escalated, service_owner):
    with pytest.raises(ValidationError):
        svc.incident_handle_escalation(actor=service_owner, incident_id=escalated.pk, decision="x")


def test_a_decision_is_taken_once(escalated, service_owner, specialist):
    svc.incident_handle_escalation(
        actor=service_owner,
        incident_id=escalated.pk,
        decision="emergency_change",
        specialist=specialist,
    )

    with pytest.raises(InvalidTransition):
        svc.incident_handle_escalation(
            actor=service_owner, incident_id=escalated.pk, decision="continuity"
        )


def test_a_scoped_service_owner_role_is_needed_to_decide(escalated, service, provider):
    """The recorded owner of the service decides when they hold the role for it."""
    person = make_person(organisation=provider, username="owner2")
    with pytest.raises(PermissionDenied):
        svc.incident_handle_escalation(
            actor=person, incident_id=escalated.pk, decision="continuity"
        )

    give_role(person, "service_owner", service)
    incident = svc.incident_handle_escalation(
        actor=person, incident_id=escalated.pk, decision="back_to_specialists"
    )
    assert incident.escalation == "back_to_specialists"
