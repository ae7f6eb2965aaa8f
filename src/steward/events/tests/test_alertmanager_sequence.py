"""Acceptance 2 of issue 17: a real Prometheus Alertmanager notification sequence, through
the receiver endpoint and then processing, is handled as seed 003 ch. 6 proc. 1 says.

The network of conftest: core-switch <- web-01, web-02 <- store-app <- "Online Store".
Alertmanager groups by alertname and sends every firing alert of the group on each
notification, so the sequence is what a real receiver gets when the core switch goes down:

1. the switch's alert fires: the first notification of an unplanned outage, so one
   "infrastructure restoration" incident request, linked to the CI, routed to Network;
2. the same notification again (repeat_interval): a repeat, counted on the same event;
3. the servers behind the switch stop answering too: one grouped notification with the
   three alerts; the servers' events are symptoms of the switch (no incident of their own);
4. the switch comes back: a notification with its alert resolved (the servers' still
   firing) clears its event.
"""

import pytest
from django.test import Client

from steward.events import tokens
from steward.events.choices import Handling
from steward.events.ingest import ENDPOINTS
from steward.events.models import Event, EventInbox, EventSource
from steward.events.services.processing import process_inbox
from steward.incidents.models import IncidentRequest

TOKEN = "evt_test_alertmanager_sequence_012345"
GROUP = '{}/{severity=~"critical|major"}:{alertname="InstanceDown"}'


def alert(instance: str, fingerprint: str, *, resolved: bool = False) -> dict:
    return {
        "status": "resolved" if resolved else "firing",
        "labels": {
            "alertname": "InstanceDown",
            "instance": f"{instance}:9100",
            "job": "node",
            "severity": "critical",
            "category": "outage",
        },
        "annotations": {
            "summary": f"{instance} is down",
            "description": f"{instance}:9100 of job node has been down for more than 1 minute.",
        },
        "startsAt": "2026-03-01T08:30:04.123456789Z",
        "endsAt": "2026-03-01T08:52:19.5Z" if resolved else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1",
        "fingerprint": fingerprint,
    }


SWITCH = ("core-switch", "a0f5c2e1d3b49f17")
WEB1 = ("web-01", "b1e6d3f2c4a58e28")
WEB2 = ("web-02", "c2d7e4a3b5f69d39")


def notification(*alerts: dict) -> dict:
    return {
        "receiver": "steward",
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "alerts": list(alerts),
        "groupLabels": {"alertname": "InstanceDown"},
        "commonLabels": {"alertname": "InstanceDown", "job": "node", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": GROUP,
        "truncatedAlerts": 0,
    }


@pytest.fixture
def alertmanager(db, operator):
    return EventSource.objects.create(
        name="Alertmanager DC1",
        kind="alertmanager",
        operator=operator,
        token_hash=tokens.digest(TOKEN),
        token_hint=TOKEN[:8],
    )


def deliver(payload: dict) -> None:
    """What Alertmanager's webhook does, then the processor's next round."""
    response = Client().post(
        ENDPOINTS["alertmanager"],
        payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    assert response.status_code == 202, response.content
    assert response.json()["refused"] == []
    process_inbox(limit=1000)
    assert not EventInbox.objects.exists()


def events() -> dict[str, Event]:
    return {e.resource.split(":")[0]: e for e in Event.objects.order_by("pk")}


def test_an_alertmanager_sequence_is_handled_as_the_seed_says(network, alertmanager):
    # 1. The switch's alert fires.
    deliver(notification(alert(*SWITCH)))

    [switch] = events().values()
    incident = switch.incident
    assert (switch.ci, switch.handling, switch.count) == (
        network.switch,
        Handling.RESTORATION_INCIDENT,
        1,
    )
    assert incident.service_type == "infrastructure_restoration"
    # Linked to the CI and the service infrastructure it supports.
    assert set(incident.cis.all()) == {network.switch, network.service_ci}
    assert incident.service == network.service
    assert incident.support_group == network.group
    assert switch.status == "closed"  # closed once its incident request is assigned

    # 2. The same notification again (repeat_interval): a repeat, not a new event.
    deliver(notification(alert(*SWITCH)))

    assert list(events()) == ["core-switch"]
    assert events()["core-switch"].count == 2

    # 3. The servers behind the switch go down too: one grouped notification.
    deliver(notification(alert(*SWITCH), alert(*WEB1), alert(*WEB2)))

    found = events()
    assert list(found) == ["core-switch", "web-01", "web-02"]
    assert [found[name].count for name in found] == [3, 1, 1]
    for name, ci in (("web-01", network.web1), ("web-02", network.web2)):
        server = found[name]
        assert (server.ci, server.handling, server.cause) == (ci, Handling.SYMPTOM, switch)
        assert server.incident_id in (None, incident.pk)
    assert IncidentRequest.objects.filter(events__isnull=False).distinct().count() == 1

    # 4. The switch answers again: its alert resolved, the servers' still firing.
    deliver(notification(alert(*SWITCH, resolved=True), alert(*WEB1), alert(*WEB2)))

    found = events()
    assert list(found) == ["core-switch", "web-01", "web-02"]
    assert (found["core-switch"].active, found["core-switch"].count) == (False, 3)
    assert found["core-switch"].cleared_at is not None
    assert (found["web-01"].active, found["web-01"].count) == (True, 2)
    assert (found["web-02"].active, found["web-02"].count) == (True, 2)
    assert IncidentRequest.objects.count() == 1
