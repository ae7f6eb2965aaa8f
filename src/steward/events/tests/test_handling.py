"""Procedure 1, Event Handling (seed 003 ch. 6; ch. 2 proc. 2), end to end through the
processor: every branch of ``rules.handling_decision`` with the records it leaves behind
(incident requests, symptoms, planned events, outages, journal, webhook events)."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from steward.changes.models import Change, PlannedEvent
from steward.core import numbering
from steward.core.models import JournalEntry, SupportGroup, WebhookDelivery, WebhookSubscription
from steward.core.tests.factories import add_member, make_person
from steward.events.choices import CorrelationKind, EventStatus, Handling
from steward.events.models import CorrelationRule, Event, EventType
from steward.events.tests.streams import normalised, push, resolved
from steward.service_level.models import Outage
from steward.service_level.queries.reviews import service_outages

pytestmark = pytest.mark.django_db


def _hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


def test_a_cascade_in_one_batch_gives_one_incident_and_symptoms(network, source):
    # The servers' and the application's events arrive before the switch's.
    events = push(
        source,
        normalised("web-01", "HostDown"),
        normalised("store-app", "HttpDown"),
        normalised("web-02", "HostDown"),
        normalised("core-switch", "LinkDown", severity="critical"),
    )
    by_ci = {e.ci.name: e for e in events}
    cause = by_ci["core-switch"]
    assert cause.handling == Handling.RESTORATION_INCIDENT
    incident = cause.incident
    assert incident.service_type == "infrastructure_restoration"
    assert incident.channel == "event" and incident.requester == source.operator
    assert incident.support_group == network.group  # the routing rule
    assert set(incident.cis.all()) == {network.switch, network.service_ci}
    assert incident.service == network.service
    for name in ("web-01", "web-02", "store-app"):
        symptom = by_ci[name]
        assert (symptom.handling, symptom.cause, symptom.incident) == (
            Handling.SYMPTOM,
            cause,
            incident,
        )
        assert symptom.status == EventStatus.CLOSED
    assert cause.status == EventStatus.CLOSED  # its incident is assigned
    assert Outage.objects.filter(service=network.service).count() == 1
    rule = CorrelationRule.objects.get(kind=CorrelationKind.DEPENDENCY)
    assert rule.fired_count == 3 and rule.last_fired_at is not None


def test_a_symptom_arriving_later_joins_the_cause_incident(network, source):
    [cause] = push(source, normalised("core-switch", "LinkDown"))
    [symptom] = push(source, normalised("web-02", "HostDown"))
    assert (symptom.handling, symptom.cause, symptom.incident) == (
        Handling.SYMPTOM,
        cause,
        cause.incident,
    )


def test_a_switched_off_dependency_rule_is_skipped(network, source):
    CorrelationRule.objects.create(
        kind=CorrelationKind.DEPENDENCY, name="Dependency", is_active=False
    )
    [cause] = push(source, normalised("core-switch", "LinkDown"))
    [other] = push(source, normalised("web-02", "HostDown"))
    assert other.handling == Handling.RESTORATION_INCIDENT
    assert other.incident != cause.incident
    assert CorrelationRule.objects.get(kind=CorrelationKind.DEPENDENCY).fired_count == 0


def test_a_cause_seen_before_the_rule_window_does_not_count(network, source):
    CorrelationRule.objects.create(
        kind=CorrelationKind.DEPENDENCY, name="Dependency", window_minutes=10
    )
    push(source, normalised("core-switch", "LinkDown"), received_at=timezone.now() - _hours(1))
    [event] = push(source, normalised("web-02", "HostDown"))
    assert event.handling == Handling.RESTORATION_INCIDENT


def _change(network, status: str, **fields) -> Change:
    now = timezone.now()
    change = Change(
        title="Replace the disks of web-01", change_type="normal", category="infrastructure",
        service=fields.pop("service", network.service), status=status,
        planned_start=now - _hours(1), planned_end=now + _hours(1), **fields,
    )  # fmt: skip
    numbering.assign(change)
    change.save()
    return change


@pytest.mark.parametrize(
    ("status", "planned"),
    [("registered", False), ("planning", False), ("approval", True),
     ("implementation", True), ("production_test", True), ("closed", False),
     ("cancelled", False)],
)  # fmt: skip
def test_a_planned_change_window_suppresses_the_incident(network, source, status, planned):
    change = _change(network, status)
    change.cis.add(network.web1)
    [event] = push(source, normalised("web-01", "HostDown"))
    if planned:
        assert (event.handling, event.planned_change, event.incident) == (
            Handling.PLANNED,
            change,
            None,
        )
        assert event.status == EventStatus.CLOSED
        assert not Outage.objects.exists()
    else:
        assert event.handling == Handling.RESTORATION_INCIDENT


def test_a_change_of_the_service_the_ci_supports_counts_and_its_window_matters(network, source):
    _change(network, "implementation")  # no CIs named: the Online Store's infrastructure
    [inside] = push(source, normalised("web-02", "HostDown"))
    assert inside.handling == Handling.PLANNED
    [before] = push(
        source,
        normalised("web-01", "HostDown", occurred_at=timezone.now() - _hours(3)),
    )
    assert before.handling == Handling.RESTORATION_INCIDENT


def _planned_event(**fields) -> PlannedEvent:
    now = timezone.now()
    services = fields.pop("services", [])
    cis = fields.pop("cis", [])
    item = PlannedEvent(
        title="Maintenance", kind=fields.pop("kind", "maintenance"),
        starts_at=now - _hours(1), ends_at=now + _hours(1), **fields,
    )  # fmt: skip
    numbering.assign(item)
    item.save()
    item.services.set(services)
    item.cis.set(cis)
    return item


@pytest.mark.parametrize(
    ("setup", "planned"),
    [
        ({"everywhere": True}, True),
        ({"services": "store"}, True),
        ({"cis": "web-01"}, True),
        ({"cis": "web-02"}, False),
        ({"everywhere": True, "is_cancelled": True}, False),
        ({"everywhere": True, "kind": "blackout"}, False),
    ],
)
def test_a_planned_event_window_suppresses_the_incident(network, source, setup, planned):
    setup = dict(setup)
    if setup.get("services"):
        setup["services"] = [network.service]
    if setup.get("cis"):
        setup["cis"] = [{"web-01": network.web1, "web-02": network.web2}[setup["cis"]]]
    item = _planned_event(**setup)
    [event] = push(source, normalised("web-01", "HostDown"))
    if planned:
        assert (event.handling, event.planned_event, event.incident) == (
            Handling.PLANNED,
            item,
            None,
        )
    else:
        assert event.handling == Handling.RESTORATION_INCIDENT


def test_later_events_of_the_same_cause_attach_to_its_incident(network, source):
    [first] = push(source, normalised("web-01", "HostDown"))
    [second] = push(source, normalised("web01.dc1", "HttpDown"))  # by alias: same CI
    assert (second.handling, second.incident) == (Handling.ATTACHED, first.incident)
    assert second.status == EventStatus.CLOSED
    assert Outage.objects.count() == 1


def test_a_capacity_warning_goes_to_the_capacity_manager(network, source, capacity_manager):
    group = SupportGroup.objects.create(name="Capacity", organisation=network.group.organisation)
    add_member(group, capacity_manager)
    [event] = push(source, normalised("web-01", "DiskFull", category="capacity"))
    incident = event.incident
    assert event.handling == Handling.CAPACITY_INCIDENT and event.status == EventStatus.CLOSED
    assert incident.service_type == "infrastructure_event"
    assert (incident.assignee, incident.support_group) == (capacity_manager, group)
    assert set(incident.cis.all()) == {network.web1, network.service_ci}
    assert incident.service == network.service
    assert not Outage.objects.exists()


def test_a_capacity_manager_held_everywhere_takes_it_when_the_service_has_none(network, source):
    cathy = make_person("capacity_manager", organisation=network.group.organisation)
    group = SupportGroup.objects.create(name="Capacity", organisation=network.group.organisation)
    add_member(group, cathy)
    EventType.objects.create(code="DiskFull", name="Disk full", category="capacity")
    [event] = push(source, normalised("web-02", "DiskFull"))  # category from its type
    assert event.incident.assignee == cathy


def test_a_capacity_warning_nobody_can_take_stays_open(network, source, capacity_manager):
    [event] = push(source, normalised("web-01", "DiskFull", category="capacity"))
    assert event.handling == Handling.CAPACITY_INCIDENT
    assert event.incident is not None and event.incident.support_group is None
    assert event.status == EventStatus.OPEN  # the operator assigns it


def test_without_an_operator_account_the_event_stays_for_the_operator(network, source):
    source.operator = None
    source.save()
    [event] = push(source, normalised("web-01", "HostDown"))
    assert (event.handling, event.status, event.incident) == (
        Handling.FOR_OPERATOR,
        EventStatus.OPEN,
        None,
    )
    assert Outage.objects.filter(service=network.service, ended_at=None).count() == 1


def test_information_is_closed_without_an_incident(network, source):
    [event] = push(source, normalised("web-01", "BackupDone", severity="info"))
    assert (event.handling, event.status, event.incident) == (
        Handling.INFORMATIONAL,
        EventStatus.CLOSED,
        None,
    )


def test_an_event_outage_changes_the_sla_availability_and_ends_with_the_clear(network, source):
    begin = timezone.now() - _hours(2)
    before = service_outages(network.service, begin, timezone.now(), timezone.now())
    push(source, normalised("core-switch", "LinkDown"), received_at=timezone.now() - _hours(1))
    now = timezone.now()
    during = service_outages(network.service, begin, now, now)
    assert before["availability"] == 100
    assert during["availability"] < 100 and during["unplanned_started"] == 1
    [row] = during["list"]
    assert row["source_reference"].startswith("INC") and row["ended_at"] is None
    push(source, resolved("core-switch", "LinkDown"))
    assert Outage.objects.get().ended_at is not None


def test_a_degradation_records_a_degraded_period(network, source):
    push(source, normalised("store-app", "SlowResponses", category="degradation"))
    outage = Outage.objects.get()
    assert outage.degraded and not outage.planned


def test_journal_and_webhook_events_for_new_events_and_changes_only(network, source):
    WebhookSubscription.objects.create(name="Hook", url="https://example.com/h", secret="s")
    push(source, *[normalised("web-01", "HostDown")] * 3)
    push(source, normalised("web-01", "HostDown"))  # a repeat in a later batch
    event = Event.objects.get()
    ours = WebhookDelivery.objects.filter(record_id=event.pk, event__startswith="events.")
    sent = list(ours.values_list("event", flat=True))
    assert sorted(sent) == ["events.event.closed", "events.event.created"]
    notes = JournalEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(Event), record_id=event.pk, kind="system"
    )
    assert [n.body for n in notes] == [
        f"Registered {event.incident.number} (infrastructure restoration)."
    ]
    push(source, resolved("web-01", "HostDown"))
    sent = ours.values_list("event", flat=True)
    assert sorted(sent) == ["events.event.cleared", "events.event.closed", "events.event.created"]
