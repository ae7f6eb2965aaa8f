"""Notifications: in-app rows written with the change, emails only after commit, mark-read."""

from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from steward.core import dispatcher, notify
from steward.core.models import Notification, Organisation
from steward.core.services.notifications import notifications_mark_read
from steward.core.tests.api import refused
from steward.core.tests.factories import (
    OrganisationFactory,
    PersonFactory,
    make_person,
    staff_fixture,
)

pytestmark = pytest.mark.django_db


alice = staff_fixture("alice", "service_desk_analyst", "alice")
bob = staff_fixture("bob", "service_desk_analyst", "bob")


def test_send_writes_one_row_per_active_person_and_emails_after_commit(
    alice, bob, django_capture_on_commit_callbacks
):
    inactive = PersonFactory(username="gone", is_active=False)
    record = OrganisationFactory(name="Acme Bank", code="acme")

    with (
        mock.patch.object(Organisation, "get_absolute_url", return_value="/organisations/7/"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        with transaction.atomic():
            notes = notify.send(
                recipients=[alice, bob, alice, None, inactive],
                event="incident.assigned",
                title="INC-1 was assigned to you",
                body="Printer on fire.",
                record=record,
            )
            # Inside the transaction: rows exist, nothing has been mailed yet.
            assert Notification.objects.count() == 2
            assert mail.outbox == []
        assert mail.outbox == []  # committed, but on-commit work has not run yet

    assert [n.recipient for n in notes] == [alice, bob]
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "bob@example.com"]
    message = mail.outbox[0]
    assert message.subject == "INC-1 was assigned to you"
    assert "Printer on fire." in message.body
    assert "http://127.0.0.1:8000/organisations/7/" in message.body  # link to the record
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2
    note = Notification.objects.get(recipient=alice)
    assert (note.record_type.model, note.record_id) == ("organisation", record.pk)
    assert note.url == "/organisations/7/"


@pytest.mark.django_db(transaction=True)
def test_send_many_writes_every_message_at_once_and_queues_one_task(
    alice, bob, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record = OrganisationFactory(name="Acme Bank", code="acme")
    with (
        mock.patch.object(notify, "_enqueue_emails") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
        CaptureQueriesContext(connection) as captured,
    ):
        notes = notify.send_many([
            notify.Message([alice], "test.one", "For Alice", record=record),
            notify.Message([bob, alice, None], "test.two", "For both", email=False),
            notify.Message([], "test.three", "For nobody"),
        ])  # fmt: skip

    assert [(n.recipient, n.event, n.send_email) for n in notes] == [
        (alice, "test.one", True), (bob, "test.two", False), (alice, "test.two", False),
    ]  # fmt: skip
    assert all(n.pk for n in notes)
    assert len([q for q in captured.captured_queries if "INSERT" in q["sql"]]) == 1
    enqueue.assert_called_once_with([notes[0].pk])


def test_rolled_back_change_notifies_nobody(provider):
    person = make_person("service_desk_analyst", organisation=provider, username="carol")

    with pytest.raises(RuntimeError), transaction.atomic():
        notify.send(recipients=[person], event="incident.assigned", title="Assigned")
        raise RuntimeError("the service failed after notifying")

    assert Notification.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_committed_change_emails_once_the_transaction_commits(provider):
    person = make_person("service_desk_analyst", organisation=provider, username="dave")

    with transaction.atomic():
        notify.send(recipients=[person], event="incident.assigned", title="Assigned")
        assert mail.outbox == []

    assert [m.to for m in mail.outbox] == [["dave@example.com"]]
    assert Notification.objects.get().emailed_at is not None


def test_person_without_email_gets_in_app_notification_only(
    alice, provider, django_capture_on_commit_callbacks
):
    no_email = make_person(
        "service_desk_analyst", organisation=provider, username="noemail", email=""
    )

    with django_capture_on_commit_callbacks(execute=True):
        notify.send(recipients=[alice, no_email], event="x.happened", title="Something happened")

    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    silent = Notification.objects.get(recipient=no_email)
    assert (silent.send_email, silent.emailed_at) == (False, None)


def test_email_false_writes_rows_but_sends_nothing(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify.send(recipients=[alice], event="x.happened", title="Quiet", email=False)

    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.get().send_email is False


def test_an_emailed_notification_is_not_emailed_again(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [note] = notify.send(recipients=[alice], event="x.happened", title="Once")
    assert len(mail.outbox) == 1

    # The task runs again (a retry, a second worker): nothing more goes out.
    assert notify.email_notifications([note.pk, note.pk]) == 0
    assert len(mail.outbox) == 1


def test_a_failed_email_is_recorded_and_sent_when_it_is_due_again(
    alice, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(EmailMessage, "send", side_effect=OSError("SMTP server down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        [note] = notify.send(recipients=[alice], event="x", title="Hello")
    note.refresh_from_db()
    assert (note.emailed_at, note.email_error) == (None, "SMTP server down")

    assert notify.email_notifications([note.pk]) == 0  # not due before its backoff
    assert dispatcher.dispatch(now=note.email_due_at)["emails"] == 1
    note.refresh_from_db()
    assert note.emailed_at is not None and note.email_error == ""
    assert len(mail.outbox) == 1


def test_mark_read_touches_only_the_actors_own_notifications(alice, bob):
    mine = [
        Notification.objects.create(recipient=alice, event="x", title=f"A{i}") for i in range(3)
    ]
    theirs = Notification.objects.create(recipient=bob, event="x", title="B")

    # Asking for someone else's notification marks nothing of theirs.
    assert notifications_mark_read(actor=alice, notification_ids=[mine[0].pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None

    assert notifications_mark_read(actor=alice) == 2  # all remaining of mine
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_read_refuses_a_person_without_a_role(no_role_person):
    note = Notification.objects.create(recipient=no_role_person, event="x", title="Hi")
    with pytest.raises(Exception, match="may not"):
        notifications_mark_read(actor=no_role_person)
    note.refresh_from_db()
    assert note.read_at is None


# --- API ---------------------------------------------------------------------------------


def test_api_lists_only_my_notifications(api, alice, bob):
    Notification.objects.create(recipient=alice, event="x", title="For Alice")
    Notification.objects.create(recipient=bob, event="x", title="For Bob")

    response = api.as_(alice).get("/api/v1/notifications/")

    assert response.status_code == 200
    assert [n["title"] for n in response.json()["results"]] == ["For Alice"]
    assert response.json()["results"][0]["is_read"] is False


def test_api_unread_filter(api, alice):
    Notification.objects.create(recipient=alice, event="x", title="Old", read_at=timezone.now())
    Notification.objects.create(recipient=alice, event="x", title="New")

    response = api.as_(alice).get("/api/v1/notifications/", {"unread": "true"})

    assert [n["title"] for n in response.json()["results"]] == ["New"]


def test_api_hides_another_persons_notification(api, alice, bob):
    theirs = Notification.objects.create(recipient=bob, event="x", title="For Bob")

    response = api.as_(alice).get(f"/api/v1/notifications/{theirs.pk}/")

    assert response.status_code == 404


def test_api_mark_read_some_or_all(api, alice, bob):
    first = Notification.objects.create(recipient=alice, event="x", title="1")
    Notification.objects.create(recipient=alice, event="x", title="2")
    theirs = Notification.objects.create(recipient=bob, event="x", title="B")
    client = api.as_(alice)

    response = client.post(
        "/api/v1/notifications/mark-read/", {"ids": [first.pk, theirs.pk]}, format="json"
    )
    assert (response.status_code, response.json()) == (200, {"marked": 1})

    response = client.post("/api/v1/notifications/mark-read/", {}, format="json")
    assert (response.status_code, response.json()) == (200, {"marked": 1})
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_api_mark_read_rejects_bad_ids(api, alice):
    response = api.as_(alice).post(
        "/api/v1/notifications/mark-read/", {"ids": ["x"]}, format="json"
    )

    assert response.status_code == 400
    assert "ids" in refused(response)


def test_api_refuses_anonymous_and_people_without_a_role(api, no_role_person):
    Notification.objects.create(recipient=no_role_person, event="x", title="Hi")

    assert api.get("/api/v1/notifications/").status_code == 401
    assert api.post("/api/v1/notifications/mark-read/", {}, format="json").status_code == 401
    client = api.as_(no_role_person)
    assert client.get("/api/v1/notifications/").status_code == 403
    assert client.post("/api/v1/notifications/mark-read/", {}, format="json").status_code == 403
    assert Notification.objects.get().read_at is None
