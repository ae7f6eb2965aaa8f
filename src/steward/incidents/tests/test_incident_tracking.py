"""Seed 003 ch. 8 procedure 3 (Incident Request Tracking): who is told when an SLA clock of
an incident request reaches its warning or breach; plus the queues, My work, search and
the filter set built on the same reads."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from steward.core import attachments, clocks, registry
from steward.core.models import Notification
from steward.incidents.filters.incidents import IncidentFilterSet
from steward.incidents.models import IncidentRequest
from steward.incidents.queries import incidents as queries
from steward.incidents.services import incidents as svc
from steward.incidents.services import tracking


def sweep_everything():
    """Run the clock sweep far in the future: every running clock warns and breaches."""
    return clocks.sweep(now=timezone.now() + timedelta(days=30))


def titles(person):
    return sorted(Notification.objects.filter(recipient=person).values_list("title", flat=True))


def clock_notices(person):
    return sorted(
        " ".join(t.split()[:3])
        for t in titles(person)
        if t.startswith("SLA ")  # "SLA resolution breached: INC000001"
    )


@pytest.mark.parametrize(
    ("service_type", "impact", "owner_told"),
    [
        ("user_service_restoration", "1", True),
        ("infrastructure_restoration", "2", True),
        ("user_service_restoration", "3", False),
        ("infrastructure_restoration", "4", False),
        ("user_service_request", "1", False),
        ("infrastructure_event", "1", False),
    ],
)
def test_sla_escalations_reach_the_group_coordinator_and_outages_the_service_owner(
    make_incident, server_group, coordinator, service_owner, service_type, impact, owner_told
):
    make_incident(support_group=server_group, service_type=service_type, impact=impact)

    sent = sweep_everything()

    assert (sent["warnings"], sent["breaches"]) == (2, 2)
    assert clock_notices(coordinator) == [
        "SLA resolution 75%",
        "SLA resolution breached:",
        "SLA response 75%",
        "SLA response breached:",
    ]
    expected = ["SLA resolution breached:"] if owner_told else []
    assert clock_notices(service_owner) == expected


def test_a_request_without_group_escalates_to_the_desk(make_incident, desk_analyst, coordinator):
    make_incident()

    sweep_everything()

    assert len(clock_notices(desk_analyst)) == 4
    assert clock_notices(coordinator) == []


def test_without_a_service_owner_the_on_duty_manager_hears_of_the_outage(
    make_incident, server_group, coordinator, on_duty_manager
):
    make_incident(support_group=server_group, impact="1")

    sweep_everything()

    assert clock_notices(on_duty_manager) == ["SLA resolution breached:"]


def test_paused_and_stopped_clocks_do_not_escalate(working_incident, specialist, coordinator):
    svc.incident_set_pending(
        actor=specialist, incident_id=working_incident.pk, reason="awaiting_supplier"
    )

    sent = sweep_everything()

    assert (sent["warnings"], sent["breaches"]) == (0, 0)  # response stopped, resolution paused
    assert clock_notices(coordinator) == []


def test_the_escalation_is_registered_for_incident_requests():
    assert clocks._ESCALATIONS["incidents.incidentrequest"] is tracking._clock_recipients


# --- Queues and My work ----------------------------------------------------------------


def test_a_group_queue_is_most_urgent_and_oldest_first(
    make_incident, server_group, network_group, specialist
):
    low = make_incident(support_group=server_group, impact="4", urgency="4")
    high = make_incident(support_group=server_group, impact="1", urgency="1")
    make_incident(support_group=network_group)
    resolved = make_incident(support_group=server_group)
    svc.incident_take(actor=specialist, incident_id=resolved.pk)
    svc.incident_resolve(
        actor=specialist, incident_id=resolved.pk, resolution="x", resolution_code="solved"
    )

    assert list(queries.queue_for(specialist)) == [high, low]
    assert list(queries.queue_for(specialist, status="resolved")) == [
        IncidentRequest.objects.get(pk=resolved.pk)
    ]
    assert list(queries.queue_for(specialist, group=network_group).values_list("pk", flat=True))


def test_customer_people_have_no_queue(make_incident, requester, server_group):
    make_incident(support_group=server_group)

    assert list(queries.queue_for(requester)) == []


def test_my_work_shows_mine_my_groups_unassigned_and_escalations(
    make_incident, server_group, coordinator, specialist, service_owner
):
    unassigned = make_incident(support_group=server_group, title="Nobody has it")
    mine = make_incident(support_group=server_group, title="Mine")
    svc.incident_take(actor=specialist, incident_id=mine.pk)
    svc.incident_escalate(actor=specialist, incident_id=mine.pk)

    from steward.incidents.registrations import incident_work

    assert incident_work in registry.WORK_PROVIDERS

    sections = {s.title: [r["number"] for r in s.rows] for s in incident_work(specialist)}
    assert sections == {
        "Incident requests assigned to me": [mine.number],
        "Unassigned in my groups": [unassigned.number],
    }
    owner_sections = {s.title: [r["number"] for r in s.rows] for s in incident_work(service_owner)}
    assert owner_sections == {"Incidents escalated to me": [mine.number]}


def test_customer_people_get_no_incident_work_sections(requester):
    from steward.incidents.registrations import incident_work

    assert incident_work(requester) == []


def test_search_finds_requests_the_actor_may_see(make_incident, requester, other_requester):
    from steward.incidents.registrations import search_incidents

    incident = make_incident(title="Printer on fire")

    assert [h.number for h in search_incidents(requester, "printer fire")] == [incident.number]
    assert [h.number for h in search_incidents(requester, incident.number)] == [incident.number]
    assert search_incidents(other_requester, "printer") == []


# --- Filters ---------------------------------------------------------------------------


def test_the_filter_set_narrows_by_status_group_mine_and_search(
    make_incident, server_group, specialist, requester
):
    a = make_incident(support_group=server_group, title="Disk full")
    b = make_incident(title="Printer jam", impact="1", urgency="1")
    svc.incident_take(actor=specialist, incident_id=a.pk)
    request = RequestFactory().get("/")
    request.user = specialist

    def pks(**data):
        fs = IncidentFilterSet(data, queryset=queries.incidents_for(specialist), request=request)
        assert fs.is_valid(), fs.errors
        return sorted(fs.qs.values_list("pk", flat=True))

    assert pks(status=["in_progress"]) == [a.pk]
    assert pks(support_group=server_group.pk) == [a.pk]
    assert pks(mine="true") == [a.pk]
    assert pks(q="printer") == [b.pk]
    assert pks(priority=["1"]) == [b.pk]
    assert pks(open="true") == sorted([a.pk, b.pk])
    assert pks(unassigned="true") == [b.pk]


def test_incident_requests_accept_attachments_seen_like_the_request(make_incident, requester):
    incident = make_incident()

    kind = attachments.attachable_for(IncidentRequest)

    assert kind is not None and kind.view == "incidents.incident.view"
    assert attachments.may_view_record(requester, incident)
