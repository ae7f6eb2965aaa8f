"""The operator's part of seed 003 ch. 6 proc. 1 (services/console.py) and the console's
reads (queries/events.py): acknowledging, closing (and when a note is needed), linking an
event to the incident request registered by hand, the selection's bulk handling, the
console's grouping of a cascade under its incident, and the cost of a live poll."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import F
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from steward.core.errors import DomainError, InvalidTransition
from steward.core.testing.journal import journal_of
from steward.events.models import Event
from steward.events.queries import events as queries
from steward.events.services import console as svc
from steward.events.tests.console_records import (
    a_source,
    fresh,
    make_event,
    node_down_type,
    register_incident,
)

# --- When closing needs the operator's note (table of every branch) -------------------------

NOTE_CASES = [
    # (what the event is, its fields, a note is required)
    ("firing, no incident, pending", {}, True),
    ("firing, no CI matched", {"handling": "unmatched"}, True),
    ("firing, left for the operator", {"handling": "for_operator"}, True),
    ("firing, capacity warning not registered", {"category": "capacity"}, True),
    ("has its incident request", {"incident_id": 7}, False),
    ("symptom of another event", {"cause_id": 7}, False),
    ("symptom by handling", {"handling": "symptom"}, False),
    ("planned by a change", {"planned_change_id": 7}, False),
    ("planned by a planned event", {"planned_event_id": 7}, False),
    ("planned by handling", {"handling": "planned"}, False),
    ("information", {"category": "informational"}, False),
    ("informational handling", {"handling": "informational"}, False),
    ("cleared before handling", {"handling": "cleared"}, False),
    ("resolved by the monitor", {"active": False}, False),
]


@pytest.mark.parametrize(("what", "fields", "required"), NOTE_CASES, ids=[c[0] for c in NOTE_CASES])
def test_a_close_note_is_required_only_without_a_reason_procedure_1_gives(what, fields, required):
    event = Event(**{"handling": "pending", "category": "outage", "active": True, **fields})
    assert svc.close_note_required(event) is required


# --- Acknowledge ---------------------------------------------------------------------------


def test_the_operator_acknowledges_an_open_event_and_the_others_see_who(operator, network):
    event = make_event(a_source(), network.switch)

    svc.event_acknowledge(actor=operator, event_id=event.pk)

    event = fresh(event)
    assert (event.status, event.acknowledged_by) == ("acknowledged", operator)
    assert event.acknowledged_at is not None
    entry = journal_of(event, kind="transition").get()
    assert (entry.old_value, entry.new_value, entry.actor) == ("open", "acknowledged", operator)


def test_acknowledging_is_refused_to_who_may_not_handle_events_and_twice(
    operator, outsider, network
):
    event = make_event(a_source(), network.switch)
    with pytest.raises(PermissionDenied):
        svc.event_acknowledge(actor=outsider, event_id=event.pk)
    assert fresh(event).status == "open"
    assert not journal_of(event).exists()

    svc.event_acknowledge(actor=operator, event_id=event.pk)
    with pytest.raises(InvalidTransition):
        svc.event_acknowledge(actor=operator, event_id=event.pk)


def test_a_stale_version_is_refused(operator, network):
    event = make_event(a_source(), network.switch)
    with pytest.raises(DomainError):
        svc.event_acknowledge(actor=operator, event_id=event.pk, expected_version=99)
    assert fresh(event).status == "open"


# --- Close ---------------------------------------------------------------------------------


def test_closing_an_unexplained_firing_event_needs_a_note_and_writes_nothing_without(
    operator, network
):
    event = make_event(a_source(), network.web1)

    with pytest.raises(ValidationError) as refused:
        svc.event_close(actor=operator, event_id=event.pk)

    assert "note" in refused.value.message_dict
    assert fresh(event).status == "open"
    svc.event_close(actor=operator, event_id=event.pk, note="Known flapping sensor, ticket open")
    event = fresh(event)
    assert (event.status, event.closed_by) == ("closed", operator)
    assert event.close_note == "Known flapping sensor, ticket open"
    assert event.handled_at is not None
    assert journal_of(event, kind="work_note").get().body == "Known flapping sensor, ticket open"


def test_a_symptom_closes_without_a_note_and_closed_is_final(operator, network):
    source = a_source()
    cause = make_event(source, network.switch)
    symptom = make_event(source, network.web1, cause=cause, handling="symptom")

    svc.event_close(actor=operator, event_id=symptom.pk)

    assert fresh(symptom).status == "closed"
    with pytest.raises(InvalidTransition):
        svc.event_close(actor=operator, event_id=symptom.pk, note="again")
    with pytest.raises(InvalidTransition):
        svc.event_acknowledge(actor=operator, event_id=symptom.pk)


def test_closing_is_refused_to_an_outsider_and_an_unknown_event_is_not_found(outsider, network):
    event = make_event(a_source(), network.switch, handling="symptom")
    with pytest.raises(PermissionDenied):
        svc.event_close(actor=outsider, event_id=event.pk)
    assert fresh(event).status == "open"
    with pytest.raises(Http404):
        svc.event_close(actor=outsider, event_id=987654, note="x")


# --- Link to an incident request -----------------------------------------------------------


def test_linking_to_a_new_request_keeps_the_event_open_until_it_is_assigned(
    operator, admin_person, network
):
    event = make_event(a_source(), network.switch)
    incident = register_incident(admin_person, ci=network.switch)
    assert incident.support_group_id is None

    svc.event_link_incident(actor=operator, event_id=event.pk, incident_id=incident.pk)

    event = fresh(event)
    assert (event.incident_id, event.status) == (incident.pk, "open")
    change = journal_of(event, kind="field_change").get()
    assert (change.field, change.old_value, change.new_value) == ("incident", "", incident.number)
    # Linking again to the same request changes nothing.
    svc.event_link_incident(actor=operator, event_id=event.pk, incident_id=incident.pk)
    assert journal_of(event).count() == 1


def test_linking_to_an_assigned_request_closes_the_event(operator, admin_person, network):
    event = make_event(a_source(), network.switch)
    incident = register_incident(admin_person, ci=network.switch, group=network.group)

    svc.event_link_incident(actor=operator, event_id=event.pk, incident_id=incident.pk)

    event = fresh(event)
    assert (event.incident_id, event.status, event.closed_by) == (incident.pk, "closed", operator)
    assert event.close_note == f"Incident request {incident.number} is assigned."


def test_linking_refuses_an_unknown_request_a_closed_event_and_an_outsider(
    operator, outsider, admin_person, network
):
    event = make_event(a_source(), network.switch)
    incident = register_incident(admin_person)
    with pytest.raises(ValidationError) as refused:
        svc.event_link_incident(actor=operator, event_id=event.pk, incident_id=987654)
    assert "incident" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        svc.event_link_incident(actor=outsider, event_id=event.pk, incident_id=incident.pk)
    svc.event_close(actor=operator, event_id=event.pk, note="handled")
    with pytest.raises(DomainError):
        svc.event_link_incident(actor=operator, event_id=event.pk, incident_id=incident.pk)
    assert fresh(event).incident_id is None


# --- The selection ---------------------------------------------------------------------------


def test_bulk_acknowledge_does_each_event_and_reports_the_refused_ones(operator, network):
    source = a_source()
    first, second = make_event(source, network.web1), make_event(source, network.web2)
    closed = make_event(source, network.app, status="closed")

    result = svc.events_bulk(
        actor=operator, action="acknowledge", event_ids=[first.pk, second.pk, closed.pk]
    )

    assert [o.done for o in result.outcomes] == [True, True, False]
    assert result.summary() == f"2 acknowledged, 1 refused: {closed.number} (It is closed.)."
    assert {fresh(first).status, fresh(second).status} == {"acknowledged"}


def test_bulk_close_without_a_note_closes_the_explained_ones_only(operator, network):
    source = a_source()
    cause = make_event(source, network.switch)
    symptom = make_event(source, network.web1, cause=cause)

    result = svc.events_bulk(actor=operator, action="close", event_ids=[symptom.pk, cause.pk])

    assert fresh(symptom).status == "closed"
    assert fresh(cause).status == "open"
    assert result.refused[0].number == cause.number
    assert "Say why" in result.refused[0].reason


@pytest.mark.parametrize(
    ("action", "ids", "field"),
    [("delete", [1], "action"), ("close", [], "events")],
    ids=["unknown action", "nothing selected"],
)
def test_bulk_bad_input_is_refused_as_a_whole(operator, network, action, ids, field):
    event = make_event(a_source(), network.web1)
    with pytest.raises(ValidationError) as refused:
        svc.events_bulk(actor=operator, action=action, event_ids=ids or [])
    assert field in refused.value.message_dict
    assert fresh(event).status == "open"


def test_bulk_is_refused_to_who_may_not_handle_events(outsider, network):
    event = make_event(a_source(), network.web1)
    with pytest.raises(PermissionDenied):
        svc.events_bulk(actor=outsider, action="acknowledge", event_ids=[event.pk])
    assert fresh(event).status == "open"


# --- The console's reads ---------------------------------------------------------------------


@pytest.fixture
def cascade(admin_person, network):
    """The core-switch outage as processing leaves it: the switch's event with its
    incident request, web-01 and web-02 symptoms of it, store-app a symptom of web-01;
    and an unrelated disk warning without an incident."""
    node_down_type()
    source = a_source()
    incident = register_incident(admin_person, ci=network.switch, group=network.group)
    switch = make_event(source, network.switch, minutes_ago=10, severity="critical",
                        incident=incident, handling="restoration_incident")  # fmt: skip
    web1 = make_event(source, network.web1, minutes_ago=9, cause=switch, handling="symptom")
    web2 = make_event(source, network.web2, minutes_ago=8, cause=switch, handling="symptom")
    app = make_event(source, network.app, minutes_ago=7, cause=web1, handling="symptom",
                     event_type="AppDown", severity="minor")  # fmt: skip
    disk = make_event(source, None, minutes_ago=1, event_type="DiskFull", severity="warning",
                      category="capacity")  # fmt: skip
    return {"incident": incident, "switch": switch, "web1": web1, "web2": web2, "app": app,
            "disk": disk, "source": source}  # fmt: skip


def test_the_console_shows_a_cascade_as_one_incident_with_its_symptoms_under_the_cause(
    operator, cascade
):
    groups = queries.console_groups(operator)

    assert [g.incident for g in groups] == [cascade["incident"], None]
    rows = [(depth, row.event) for depth, row in groups[0].rows]
    c = cascade
    assert rows == [(0, c["switch"]), (1, c["web1"]), (2, c["app"]), (1, c["web2"])]
    by_event = {row.event: row for _, row in groups[0].rows}
    assert by_event[c["switch"]].instructions == "Ping the node, then call Network."
    assert by_event[c["app"]].instructions == ""  # AppDown has no event type
    assert by_event[c["web1"]].correlation == f"Symptom of {c['switch'].number} core-switch"
    assert [row.event for _, row in groups[1].rows] == [c["disk"]]


def test_the_cause_closed_while_still_firing_keeps_its_symptoms_under_the_incident(
    operator, cascade
):
    svc.event_close(actor=operator, event_id=cascade["switch"].pk)
    Event.objects.filter(pk=cascade["disk"].pk).update(status="closed", active=False)

    groups = queries.console_groups(operator)

    assert [g.incident for g in groups] == [cascade["incident"]]
    assert groups[0].count == 4


def test_a_symptom_whose_cause_left_the_console_still_shows_the_causes_incident(operator, cascade):
    Event.objects.filter(pk=cascade["switch"].pk).update(status="closed", active=False)

    groups = queries.console_groups(operator)

    assert groups[0].incident == cascade["incident"]
    assert [(d, r.event) for d, r in groups[0].rows][:2] == [(0, cascade["web1"]),
                                                              (1, cascade["app"])]  # fmt: skip


def test_the_console_costs_the_same_few_queries_whatever_the_number_of_events(
    operator, cascade, network
):
    def queries_of_console() -> int:
        with CaptureQueriesContext(connection) as captured:
            groups = queries.console_groups(operator)
            for group in groups:
                for _, row in group.rows:
                    str(row.correlation), str(row.event.ci), str(row.event.source)
        return len(captured.captured_queries)

    queries_of_console()  # the actor's roles, read once per request
    few = queries_of_console()
    for n in range(25):
        make_event(cascade["source"], network.web2, cause=cascade["switch"], handling="symptom",
                   fingerprint=f"extra-{n}")  # fmt: skip
    assert queries_of_console() == few == 2  # the events, their event types


def test_a_poll_token_is_one_query_and_moves_with_every_change_the_console_shows(
    operator, cascade, network
):
    with CaptureQueriesContext(connection) as captured:
        token = queries.console_token()
    assert len(captured.captured_queries) == 1

    def moved() -> bool:
        nonlocal token
        now = queries.console_token()
        changed, token = now != token, now
        return changed

    assert not moved()
    Event.objects.filter(pk=cascade["web2"].pk).update(count=F("count") + 1)
    assert moved()  # a repeat counted by an UPDATE
    svc.event_acknowledge(actor=operator, event_id=cascade["disk"].pk)
    assert moved()
    make_event(cascade["source"], network.app)
    assert moved()
    Event.objects.filter(pk=cascade["disk"].pk).update(
        status="closed", active=False, cleared_at=timezone.now()
    )
    assert moved()  # left the console


def test_customer_side_people_see_no_event(requester, cascade):
    assert not queries.events_for(requester).exists()
    assert queries.console_groups(requester) == []
    with pytest.raises(Http404):
        queries.event_for(requester, cascade["switch"].pk)


def test_event_numbers_are_read_back(cascade):
    pk = cascade["switch"].pk
    assert queries.pk_of_number(f"EV{pk:07d}") == pk
    assert queries.pk_of_number(f"ev{pk}") == pk
    assert queries.pk_of_number("INC000001") is None
