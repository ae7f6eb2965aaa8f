"""Registrations through the API in a real process that dies after commit, or whose broker
is down: the requester's and the group's emails and the webhook still go out, once each."""

import json
import signal

import pytest
from django.core import mail
from django.core.management import call_command

from steward.core import tasks
from steward.core.choices import DeliveryStatus
from steward.core.models import Notification, WebhookDelivery, WebhookSubscription
from steward.core.tests.processes import (
    SmtpSink,
    child_env,
    free_port,
    redis_server,
    run_child,
    run_steward,
    shared_database,
    use_rq,
)
from steward.incidents.models import IncidentRequest, RoutingRule

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/incidents/"


@pytest.fixture
def world(desk_analyst, requester, coordinator, server_group, receiver):
    """The desk registers for a requester; the rule sends it to the server group, whose
    coordinator is told; an integration subscribes to every event."""
    RoutingRule.objects.create(order=10, name="Everything", support_group=server_group)
    WebhookSubscription.objects.create(name="Sync", url=receiver.url, secret="s" * 32)
    body = {"requester": requester.pk, "title": "Mail down", "description": "Since 9:00."}
    return {"actor": desk_analyst, "body": json.dumps(body)}


def _post(env, world, *flags):
    return run_child(env, "post", URL, str(world["actor"].pk), world["body"], *flags)


def test_a_registration_killed_right_after_commit_is_still_told_to_everyone_once(
    world, requester, coordinator, receiver, tmp_path
):
    with shared_database(tmp_path) as url:
        child = _post(child_env(url, tmp_path), world, "--die-at-enqueue")

    assert child.returncode == -signal.SIGKILL, child.stderr
    incident = IncidentRequest.objects.get()  # committed before the process died
    notes = Notification.objects.filter(record_id=incident.pk, send_email=True)
    assert sorted(n.recipient.username for n in notes) == ["coord", "requester"]
    assert not notes.filter(emailed_at__isnull=False).exists()
    [delivery] = WebhookDelivery.objects.filter(event="incidents.incident_request.created")

    tasks.dispatch_outbox.call()
    tasks.dispatch_outbox.call()

    assert sorted(m.to[0] for m in mail.outbox) == [coordinator.email, requester.email]
    assert receiver.deliveries == [str(delivery.pk)]
    assert receiver.events[0]["number"] == incident.number
    assert not notes.filter(emailed_at__isnull=True).exists()


def test_a_registration_while_the_broker_is_down_succeeds_and_is_emailed_once_it_is_back(
    world, api, requester, coordinator, receiver, tmp_path, settings
):
    port = free_port()  # nothing listens there yet: the broker is down
    use_rq(settings, f"redis://127.0.0.1:{port}/0")  # this process is the web node
    response = api.as_(world["actor"]).post(URL, json.loads(world["body"]), format="json")
    assert response.status_code == 201, response.json()

    smtp = SmtpSink()
    try:
        with redis_server(tmp_path, port=port) as redis_url:
            # The broker is back: the scheduler's next pass enqueues the dispatcher...
            call_command("scheduler", "--once", verbosity=0)
            # ...and a worker runs it.
            with shared_database(tmp_path) as url:
                rq = {"STEWARD_TASKS_BACKEND": "rq", "REDIS_URL": redis_url}
                worker = run_steward(
                    child_env(url, tmp_path, **rq, **smtp.env()), "worker", "--batch"
                )
            assert worker.returncode == 0, worker.stderr
        received = sorted(str(m["To"]) for m in smtp.messages)
    finally:
        smtp.close()

    assert received == [coordinator.email, requester.email]
    incident = IncidentRequest.objects.get()
    assert not Notification.objects.filter(
        record_id=incident.pk, send_email=True, emailed_at__isnull=True
    ).exists()
    delivery = WebhookDelivery.objects.get(event="incidents.incident_request.created")
    assert receiver.deliveries == [str(delivery.pk)]
    assert delivery.status == DeliveryStatus.DELIVERED
