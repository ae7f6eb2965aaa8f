"""The transactional outbox: emails and webhook deliveries are rows written with the change,
sent once each by whoever claims them, whatever happens to the enqueue after commit."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

from steward.core import dispatcher, notify, outbox, tasks
from steward.core.choices import DeliveryStatus
from steward.core.models import Notification, WebhookDelivery, WebhookSubscription
from steward.core.tests.factories import OrganisationFactory, staff_fixture

pytestmark = pytest.mark.django_db


alice = staff_fixture("alice", "service_desk_analyst", "alice")


@pytest.fixture
def subscription(receiver):
    return WebhookSubscription.objects.create(name="Sync", url=receiver.url, secret="s" * 32)


def _change_without_enqueue(capture, alice, record=None):
    """A committed change whose on-commit enqueues never run (the process died there)."""
    record = record or OrganisationFactory(code="acme")
    with capture(execute=False), transaction.atomic():
        [note] = notify.send(recipients=[alice], event="x.changed", title="Changed", record=record)
        notify.record_event(record=record, event="core.organisation.updated", actor=None)
    return note


def _dispatch_killed_in(owner: object, name: str) -> None:
    """A dispatcher run whose worker is stopped hard (KeyboardInterrupt) in ``owner.name``."""
    with (
        mock.patch.object(owner, name, side_effect=KeyboardInterrupt),
        pytest.raises(KeyboardInterrupt),
    ):
        dispatcher.dispatch()


def test_dispatcher_sends_what_the_lost_enqueue_would_have_sent_once(
    alice, receiver, subscription, django_capture_on_commit_callbacks
):
    note = _change_without_enqueue(django_capture_on_commit_callbacks, alice)
    assert mail.outbox == [] and receiver.deliveries == []

    result = tasks.dispatch_outbox.call()

    assert result == {"emails": 1, "webhook_attempts": 1}
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    delivery = WebhookDelivery.objects.get()
    assert receiver.deliveries == [str(delivery.pk)]
    note.refresh_from_db()
    assert note.emailed_at is not None and note.email_due_at is None
    # The next minute's run finds nothing left to send.
    assert tasks.dispatch_outbox.call() == {"emails": 0, "webhook_attempts": 0}
    assert len(mail.outbox) == 1 and len(receiver.deliveries) == 1


def test_an_unreachable_queue_costs_a_log_line_and_the_dispatcher_sends_it(
    alice, receiver, subscription, django_capture_on_commit_callbacks, caplog
):
    refused = ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(Task, "enqueue", side_effect=refused),  # every task: the queue is down
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        notify.send(recipients=[alice], event="x", title="Changed")
        notify.record_event(record=alice, event="core.person.updated", actor=None)

    warnings = [r.getMessage() for r in caplog.records if r.name == "steward.core.outbox"]
    assert len(warnings) == 2
    assert all(w.endswith("the outbox dispatcher will send it.") for w in warnings)
    assert mail.outbox == []
    assert tasks.dispatch_outbox.call() == {"emails": 1, "webhook_attempts": 1}
    assert len(mail.outbox) == 1 and len(receiver.deliveries) == 1


def test_webhook_deliveries_are_written_in_the_changes_transaction(
    subscription, django_capture_on_commit_callbacks
):
    record = OrganisationFactory(code="acme")
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        notify.record_event(record=record, event="core.organisation.updated", actor=None)
        # Before commit: the delivery row is part of the change.
        [delivery] = WebhookDelivery.objects.all()

    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at <= timezone.now()


def test_an_email_is_marked_sent_only_once_the_mail_server_took_it(
    alice, django_capture_on_commit_callbacks
):
    note = _change_without_enqueue(django_capture_on_commit_callbacks, alice)

    # The worker is stopped hard in the middle of talking to the mail server.
    _dispatch_killed_in(EmailMessage, "send")

    note.refresh_from_db()
    assert note.emailed_at is None and mail.outbox == []
    # Its claim holds for the lease: another worker does not send it meanwhile...
    assert dispatcher.dispatch()["emails"] == 0
    # ...and once the lease ran out, the next dispatcher run does.
    later = timezone.now() + notify.EMAIL_LEASE + timedelta(seconds=1)
    assert dispatcher.dispatch(now=later)["emails"] == 1
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    note.refresh_from_db()
    assert (note.email_attempts, note.email_error) == (2, "")


def test_an_email_claimed_by_one_worker_is_not_sent_by_another(
    alice, django_capture_on_commit_callbacks
):
    note = _change_without_enqueue(django_capture_on_commit_callbacks, alice)
    due = Notification.objects.filter(email_due_at__isnull=False)
    claim = {"due_field": "email_due_at", "attempts_field": "email_attempts", "limit": 20}

    first = outbox.claim(due, lease=notify.EMAIL_LEASE, now=timezone.now(), **claim)
    second = outbox.claim(due, lease=notify.EMAIL_LEASE, now=timezone.now(), **claim)

    assert (first, second) == ([note.pk], [])
    assert notify.email_notifications([note.pk]) == 0  # the fast path finds it taken too
    assert mail.outbox == []


def test_failed_emails_are_retried_with_backoff_then_given_up_with_a_short_error(
    alice, django_capture_on_commit_callbacks
):
    error = OSError("421 Service not available\n" + "x" * 5000)
    with mock.patch.object(EmailMessage, "send", side_effect=error):
        with django_capture_on_commit_callbacks(execute=True):
            [note] = notify.send(recipients=[alice], event="x", title="Hello")
        for attempt, wait in enumerate(outbox.BACKOFF, start=1):
            note.refresh_from_db()
            assert (note.email_attempts, note.email_error) == (
                attempt,
                "421 Service not available",
            )
            # Not due before the backoff for this attempt has passed.
            assert dispatcher.dispatch(now=note.email_due_at - timedelta(seconds=1))["emails"] == 0
            assert note.email_attempts == Notification.objects.get().email_attempts
            assert timezone.now() - timedelta(seconds=30) < note.email_due_at - wait
            dispatcher.dispatch(now=note.email_due_at)

    note.refresh_from_db()
    assert (note.email_attempts, note.email_due_at, note.emailed_at) == (
        outbox.MAX_ATTEMPTS,
        None,
        None,
    )
    assert note.email_error == "421 Service not available"
    # Given up: a working mail server later does not get it.
    assert dispatcher.dispatch(now=timezone.now() + timedelta(days=2))["emails"] == 0
    assert mail.outbox == []


def test_a_repeat_after_a_crash_carries_the_same_message_id(
    alice, django_capture_on_commit_callbacks
):
    note = _change_without_enqueue(django_capture_on_commit_callbacks, alice)

    # Sent, then the worker dies before it records that (the window SMTP cannot close).
    _dispatch_killed_in(notify, "_outcome")
    dispatcher.dispatch(now=timezone.now() + notify.EMAIL_LEASE + timedelta(seconds=1))

    first, second = (m.message()["Message-ID"] for m in mail.outbox)
    assert first == second
    assert first.endswith(f".steward-n{note.pk}@127.0.0.1>")


def test_backlog_counts_what_is_due_and_not_in_flight(
    alice, subscription, django_capture_on_commit_callbacks
):
    _change_without_enqueue(django_capture_on_commit_callbacks, alice)
    later = timezone.now() + timedelta(minutes=3)

    assert dispatcher.backlog(later) == {
        "emails_due": 1,
        "webhooks_due": 1,
        "oldest_due_seconds": pytest.approx(180, abs=5),
    }
    dispatcher.dispatch()
    assert dispatcher.backlog(later) == {
        "emails_due": 0,
        "webhooks_due": 0,
        "oldest_due_seconds": 0,
    }
