"""The Event Management demo: the stories processed through the real pipeline reached the
states the console and the reviews show (a switch cascade as one incident request with
its symptoms, events closed as planned, the capacity warning with the capacity manager,
repeats, cleared events with their outages, the review rows)."""

from django.urls import reverse

from steward.core.models import Person
from steward.events.models import Event, EventSource, EventType, ImprovementRequest, OutageReview
from steward.events.queries.events import CONSOLE
from steward.service_level.models import Outage


def test_the_sources_and_event_types_are_registered(demo):
    sources = dict(EventSource.objects.values_list("name", "kind"))
    assert sources == {
        "Prometheus DC1": "alertmanager", "Zabbix": "zabbix", "Custom scripts": "generic",
    }  # fmt: skip
    prometheus = EventSource.objects.get(name="Prometheus DC1")
    assert prometheus.operator.username == "opal.ops"
    assert prometheus.support_group.name == "Network Operations"
    blank = EventType.objects.filter(handling_instructions="")
    assert list(blank.values_list("code", flat=True)) == ["PowerSupplyDegraded"]
    assert EventType.objects.get(code="DiskFillingUp").category == "capacity"


def test_the_past_switch_cascade_is_one_incident_with_the_hosts_as_symptoms(demo):
    switch = Event.objects.get(resource="tor-sw-ams-dc1-r03")
    assert switch.handling == "restoration_incident" and switch.count == 3
    hosts = Event.objects.filter(resource__in=["esx-ams-dc1-05", "esx-ams-dc1-06"])
    assert {(h.handling, h.cause_id, h.status) for h in hosts} == {("symptom", switch.pk, "closed")}
    assert not switch.active and switch.cleared_at is not None
    incident = switch.incident
    assert incident.status == "resolved" and incident.impact == "2"
    assert incident.assignee.username == "lee.spec"
    # The switch's failure was an outage of the services behind the rack, now ended.
    outages = Outage.objects.filter(source_reference=incident.number)
    assert outages.exists() and not outages.filter(ended_at__isnull=True).exists()


def test_the_cascade_going_on_now_is_on_the_console(demo):
    switch = Event.objects.get(resource="tor-sw-ams-dc2-r02")
    assert switch.active and switch.incident_id and switch.count == 3
    symptoms = Event.objects.filter(cause=switch)
    assert set(symptoms.values_list("resource", flat=True)) == {"esx-ams-dc2-03", "esx-ams-dc2-04"}
    on_console = Event.objects.filter(CONSOLE)
    assert on_console.filter(pk=switch.pk).exists()
    assert on_console.filter(cause=switch).count() == 2


def test_events_inside_the_maintenance_window_are_closed_as_planned(demo):
    planned = Event.objects.filter(handling="planned")
    assert set(planned.values_list("resource", flat=True)) == {"esx-ams-dc2-11", "san-ams-dc2"}
    assert all(e.status == "closed" and e.incident_id is None for e in planned)
    assert all(e.planned_event.title == "SAN firmware upgrade AMS-DC2" for e in planned)


def test_the_capacity_warning_is_an_infrastructure_event_for_the_capacity_manager(demo):
    disk = Event.objects.get(resource="ob-db", event_type="DiskFillingUp")
    assert disk.handling == "capacity_incident" and disk.count == 4 and disk.active
    assert disk.incident.service_type == "infrastructure_event"
    assert disk.incident.assignee == Person.objects.get(username="avery.avail")


def test_routine_unmatched_and_cleared_events(demo):
    backups = Event.objects.get(resource="san-ams-dc1", event_type="BackupFinished")
    assert backups.handling == "informational" and backups.count == 5
    legacy = Event.objects.filter(resource="legacy-ftp-01")
    assert {e.handling for e in legacy} == {"unmatched"} and legacy.count() == 2
    assert all(e.count == 4 for e in legacy)
    latency = Event.objects.get(resource="Payments Gateway Payment switch")
    assert latency.cleared_at and latency.count == 2
    outages = Outage.objects.filter(description__startswith=latency.number)
    assert outages.exists() and all(o.degraded and o.ended_at for o in outages)


def test_the_reviews_have_rows_and_a_recorded_finding(demo, client):
    improvement = ImprovementRequest.objects.get()
    assert improvement.subject == "Custom scripts: legacy-ftp-01"
    assert improvement.incident.support_group.name == "Server & Storage"
    review = OutageReview.objects.get()
    assert review.finding == "monitoring_correction" and review.follow_up_id
    client.force_login(Person.objects.get(username="oscar.ops"))
    page = client.get(reverse("events:outage-review")).content.decode()
    assert "Online Banking login fails for all customers" in page
    assert "Card payments declined at every shop" in page
    assert review.incident.number in page
    page = client.get(reverse("events:event-review")).content.decode()
    assert improvement.incident.number in page and "PowerSupplyDegraded" in page
