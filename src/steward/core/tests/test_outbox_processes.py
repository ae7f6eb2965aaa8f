"""The outbox against real processes: killed with SIGKILL after commit or mid-send, and the
RQ worker (against a private Redis) sending what a web process enqueued."""

import json
import signal
import subprocess
import sys
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from steward.core import dispatcher, notify, tasks
from steward.core.choices import DeliveryStatus
from steward.core.models import Notification, WebhookDelivery, WebhookSubscription, WorkerHeartbeat
from steward.core.tests.factories import make_person
from steward.core.tests.processes import (
    SmtpSink,
    child_env,
    redis_server,
    run_child,
    run_steward,
    shared_database,
    use_rq,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp():
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture
def erin(provider, receiver):
    WebhookSubscription.objects.create(name="Sync", url=receiver.url, secret="s" * 32)
    return make_person("service_desk_analyst", organisation=provider, username="erin")


def test_a_process_killed_between_commit_and_enqueue_loses_nothing(erin, receiver, tmp_path):
    with shared_database(tmp_path) as url:
        child = run_child(child_env(url, tmp_path), "notify", str(erin.pk), "--die-at-enqueue")

    assert child.returncode == -signal.SIGKILL, child.stderr
    # The change committed with its outbox rows; nothing was sent or queued.
    note = Notification.objects.get()
    delivery = WebhookDelivery.objects.get()
    assert (note.recipient, note.emailed_at) == (erin, None)
    assert delivery.status == DeliveryStatus.PENDING
    assert mail.outbox == [] and receiver.deliveries == []

    tasks.dispatch_outbox.call()
    tasks.dispatch_outbox.call()  # and the minute after: nothing twice

    assert [m.to for m in mail.outbox] == [["erin@example.com"]]
    assert receiver.deliveries == [str(delivery.pk)]
    note.refresh_from_db()
    delivery.refresh_from_db()
    assert note.emailed_at is not None
    assert delivery.status == DeliveryStatus.DELIVERED


def test_a_worker_killed_mid_send_leaves_the_email_to_be_retried(erin, receiver, tmp_path):
    with mock.patch.object(notify, "_enqueue_emails"):  # only the dispatcher will send it
        [note] = notify.send(recipients=[erin], event="x", title="Hello")

    with shared_database(tmp_path) as url:
        child = run_child(child_env(url, tmp_path), "dispatch", "--die-mid-send")

    assert child.returncode == -signal.SIGKILL, child.stderr
    note.refresh_from_db()
    assert (note.emailed_at, note.email_attempts) == (None, 1)
    # Still under the dead worker's lease: not sent again yet...
    assert tasks.dispatch_outbox.call()["emails"] == 0
    # ...then it is, once.
    later = timezone.now() + notify.EMAIL_LEASE + timedelta(seconds=1)
    assert dispatcher.dispatch(now=later)["emails"] == 1
    assert dispatcher.dispatch(now=later)["emails"] == 0
    assert [m.to for m in mail.outbox] == [["erin@example.com"]]


def test_the_rq_worker_emails_and_delivers_what_a_web_process_enqueued(
    erin, receiver, smtp, tmp_path, settings
):
    with redis_server(tmp_path) as redis_url:
        use_rq(settings, redis_url)  # this process is the web node: it enqueues to Redis
        with transaction.atomic():
            [note] = notify.send(recipients=[erin], event="x", title="Hello", record=erin)
            notify.record_event(record=erin, event="core.person.updated", actor=None)
        with shared_database(tmp_path) as url:
            rq = {"STEWARD_TASKS_BACKEND": "rq", "REDIS_URL": redis_url}
            env = child_env(url, tmp_path, **rq, **smtp.env(), STEWARD_NODE_NAME="node-a")
            worker = run_steward(env, "worker", "--batch")

    assert worker.returncode == 0, worker.stderr
    assert "is not callable" not in worker.stderr + worker.stdout
    [message] = smtp.messages
    assert message["To"] == "erin@example.com"
    assert message["Message-ID"].endswith(f".steward-n{note.pk}@127.0.0.1>")
    delivery = WebhookDelivery.objects.get()
    assert receiver.deliveries == [str(delivery.pk)]
    assert delivery.status == DeliveryStatus.DELIVERED
    assert Notification.objects.get(pk=note.pk).emailed_at is not None
    assert WorkerHeartbeat.objects.filter(kind="worker", hostname="node-a").exists()


def test_four_dispatchers_at_once_send_each_email_once(erin, smtp, tmp_path):
    with mock.patch.object(notify, "_enqueue_emails"):  # no fast path: all left to dispatchers
        for n in range(60):
            notify.send(recipients=[erin], event="x", title=f"Notice {n}")

    with shared_database(tmp_path) as url:
        env = child_env(url, tmp_path, **smtp.env())
        command = [sys.executable, "-m", "steward.core.tests.outbox_child", "dispatch"]
        children = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(4)
        ]
        outputs = [child.communicate(timeout=120) for child in children]

    assert [c.returncode for c in children] == [0, 0, 0, 0], [err for _, err in outputs]
    sent = [json.loads(out.strip().splitlines()[-1])["emails"] for out, _ in outputs]
    assert sum(sent) == 60
    ids = smtp.message_ids()
    assert len(ids) == len(set(ids)) == 60
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
