"""Outbound webhooks against a real HTTP receiver: signing, retries, filters, the API."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from steward.core import events, notify, webhooks
from steward.core.choices import DeliveryStatus
from steward.core.models import JournalEntry, WebhookDelivery, WebhookSubscription
from steward.core.tests.api import field_errors
from steward.core.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests-only-0123456789"


# ``receiver`` (conftest.py): a local endpoint on loopback, opened to the outbound guard.
@pytest.fixture
def subscription(receiver):
    return WebhookSubscription.objects.create(name="CMDB sync", url=receiver.url, secret=SECRET)


def _publish(capture, record, event="core.organisation.updated", actor=None, data=None):
    with capture(execute=True), transaction.atomic():
        return notify.record_event(record=record, event=event, actor=actor, data=data)


def test_event_arrives_signed_with_the_standard_payload(
    receiver, subscription, admin_person, django_capture_on_commit_callbacks
):
    record = OrganisationFactory(name="Acme Bank", code="acme")

    _publish(
        django_capture_on_commit_callbacks, record, actor=admin_person, data={"changed": ["name"]}
    )

    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Steward-Event"] == "core.organisation.updated"
    assert headers["X-Steward-Delivery"] == str(delivery.pk)
    assert headers["Content-Type"] == "application/json"
    assert webhooks.verify_signature(
        SECRET, headers["X-Steward-Timestamp"], body, headers["X-Steward-Signature"], max_age=60
    )
    payload = json.loads(body)
    assert payload == {
        "event": "core.organisation.updated",
        "record_type": "core.organisation",
        "record_id": record.pk,
        "occurred_at": payload["occurred_at"],
        "actor": {"id": admin_person.pk, "name": admin_person.display_name},
        "data": {"changed": ["name"]},
    }
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_payload_carries_the_record_number_when_there_is_one(
    receiver, subscription, django_capture_on_commit_callbacks
):
    record = OrganisationFactory(code="numbered")
    record.number = "INC-000042"  # any record with a number field

    payload = _publish(django_capture_on_commit_callbacks, record)

    assert payload["number"] == "INC-000042"
    assert json.loads(receiver.requests[0]["body"])["number"] == "INC-000042"
    assert payload["actor"] is None  # a system event


def test_signature_fails_for_wrong_secret_tampered_body_or_old_timestamp():
    body = b'{"event":"x"}'
    signature = webhooks.sign(SECRET, 1700000000, body)

    assert webhooks.verify_signature(SECRET, "1700000000", body, signature)
    assert not webhooks.verify_signature("other-secret", "1700000000", body, signature)
    assert not webhooks.verify_signature(SECRET, "1700000000", b'{"event":"y"}', signature)
    assert not webhooks.verify_signature(SECRET, "1700000001", body, signature)
    assert not webhooks.verify_signature(
        SECRET, "1700000000", body, signature, max_age=300, now=1700000000 + 301
    )


def test_nothing_is_sent_when_the_transaction_rolls_back(
    receiver, subscription, django_capture_on_commit_callbacks
):
    record = OrganisationFactory(code="rollback")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify.record_event(record=record, event="core.organisation.updated", actor=None)
        raise RuntimeError

    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


def test_failing_receiver_is_retried_with_backoff_then_failed(
    receiver, subscription, django_capture_on_commit_callbacks
):
    receiver.statuses = [500] * 10
    _publish(django_capture_on_commit_callbacks, OrganisationFactory(code="flaky"))
    delivery = WebhookDelivery.objects.get()

    for attempt, wait in enumerate(webhooks.BACKOFF, start=1):
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            DeliveryStatus.RETRYING,
            attempt,
            500,
        )
        assert delivery.last_error.startswith("HTTP 500")
        # Next attempt after the backoff for this attempt, counted from when it failed.
        failed_at = delivery.next_attempt_at - wait
        assert timezone.now() - timedelta(seconds=30) < failed_at <= timezone.now()
        # Not due yet: the periodic job leaves it alone.
        assert webhooks.retry_due_webhooks.call() == 0
        # Time passes: the periodic job sends it again.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        assert webhooks.retry_due_webhooks.call() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.FAILED,
        webhooks.MAX_ATTEMPTS,
        None,
    )
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS == 6
    assert webhooks.deliver_webhook.call(delivery.pk) == "skipped"
    assert len(receiver.requests) == 6


def test_a_recovered_receiver_gets_the_retry(
    receiver, subscription, django_capture_on_commit_callbacks
):
    receiver.statuses = [503]
    _publish(django_capture_on_commit_callbacks, OrganisationFactory(code="recovers"))
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())

    assert webhooks.retry_due_webhooks.call() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.DELIVERED,
        2,
        "",
    )
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]


def test_unreachable_receiver_is_retried(django_capture_on_commit_callbacks, receiver):
    url = receiver.url
    receiver.close()  # nothing listens there any more
    WebhookSubscription.objects.create(name="Down", url=url, secret=SECRET)

    _publish(django_capture_on_commit_callbacks, OrganisationFactory(code="down"))

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.RETRYING,
        1,
        None,
    )
    assert delivery.last_error.startswith("Could not connect")


def test_a_delivered_delivery_is_not_sent_again(
    receiver, subscription, django_capture_on_commit_callbacks
):
    _publish(django_capture_on_commit_callbacks, OrganisationFactory(code="once"))
    delivery = WebhookDelivery.objects.get()

    assert webhooks.deliver_webhook.call(delivery.pk) == "skipped"
    assert webhooks.retry_due_webhooks.call() == 0
    assert len(receiver.requests) == 1


def test_a_delivery_being_sent_is_not_sent_by_a_second_worker(receiver, subscription):
    delivery = webhooks.create_delivery(
        subscription=subscription, event="x", record_type="a.b", record_id=1, payload={}
    )
    claimed = webhooks._claim(delivery.pk)  # worker one holds the lease, mid-request
    assert claimed is not None

    assert webhooks.deliver(delivery.pk) == "skipped"  # worker two
    assert receiver.requests == []


def test_redirects_are_failures_not_followed(
    receiver, subscription, django_capture_on_commit_callbacks
):
    receiver.statuses = [302]
    _publish(django_capture_on_commit_callbacks, OrganisationFactory(code="moved"))

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.RETRYING, 302)
    assert len(receiver.requests) == 1


def test_deactivated_subscription_fails_its_open_deliveries(receiver, subscription):
    delivery = webhooks.create_delivery(
        subscription=subscription, event="x", record_type="a.b", record_id=1, payload={}
    )
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)

    assert webhooks.deliver(delivery.pk) == "skipped"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (
        DeliveryStatus.FAILED,
        "The subscription is inactive.",
    )
    assert receiver.requests == []


def test_subscriptions_filter_by_record_type_and_event(
    receiver, django_capture_on_commit_callbacks
):
    def sub(name, record_type="", events=(), is_active=True):
        return WebhookSubscription.objects.create(
            name=name,
            url=receiver.url,
            secret=SECRET,
            record_type=record_type,
            events=list(events),
            is_active=is_active,
        )

    org_updates = sub("org updates", "core.organisation", ["core.organisation.updated"])
    all_orgs = sub("all org events", "core.organisation")
    people = sub("people", "core.person")
    everything = sub("everything")
    sub("switched off", is_active=False)
    record = OrganisationFactory(code="filters")

    _publish(django_capture_on_commit_callbacks, record, event="core.organisation.updated")
    _publish(django_capture_on_commit_callbacks, record, event="core.organisation.created")

    sent = sorted(WebhookDelivery.objects.values_list("subscription__name", "event"))
    assert sent == [
        ("all org events", "core.organisation.created"),
        ("all org events", "core.organisation.updated"),
        ("everything", "core.organisation.created"),
        ("everything", "core.organisation.updated"),
        ("org updates", "core.organisation.updated"),
    ]
    assert not WebhookDelivery.objects.filter(subscription=people).exists()
    assert {org_updates.pk, all_orgs.pk, everything.pk} == set(
        WebhookDelivery.objects.values_list("subscription", flat=True)
    )
    assert len(receiver.requests) == 5


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_worker_is_skipped_not_waited_for(receiver, subscription):
    # Written directly: create_delivery would enqueue (and, here, send) it at once.
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event="x", record_type="a.b", record_id=1, payload={}
    )
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
                locked.set()
                release.wait(10)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert webhooks.deliver(delivery.pk) == "skipped"
    finally:
        release.set()
        thread.join(10)
    assert receiver.requests == []
    assert webhooks.deliver(delivery.pk) == DeliveryStatus.DELIVERED


# --- API -----------------------------------------------------------------------------------


def test_api_refuses_anonymous_and_non_admins(
    api, analyst, requester, no_role_person, receiver, subscription
):
    delivery = webhooks.create_delivery(
        subscription=subscription, event="x", record_type="a.b", record_id=1, payload={}
    )
    new = {"name": "Sneaky", "url": "https://example.com/hook"}

    assert api.get("/api/v1/webhooks/").status_code == 401
    assert api.post("/api/v1/webhooks/", new, format="json").status_code == 401
    for person in (analyst, requester, no_role_person):
        client = api.as_(person)
        assert client.get("/api/v1/webhooks/").status_code == 403
        assert client.get(f"/api/v1/webhooks/{subscription.pk}/").status_code == 403
        assert client.post("/api/v1/webhooks/", new, format="json").status_code == 403
        assert (
            client.patch(
                f"/api/v1/webhooks/{subscription.pk}/",
                {"url": "https://evil.example/"},
                format="json",
            ).status_code
            == 403
        )
        assert client.delete(f"/api/v1/webhooks/{subscription.pk}/").status_code == 403
        assert client.get("/api/v1/webhook-deliveries/").status_code == 403
        assert (
            client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver/").status_code == 403
        )
        assert client.post(f"/api/v1/webhooks/{subscription.pk}/ping/").status_code == 403

    # A denied request changes nothing.
    subscription.refresh_from_db()
    assert (subscription.url, subscription.is_active) == (receiver.url, True)
    assert WebhookSubscription.objects.count() == 1
    assert WebhookDelivery.objects.count() == 1


def test_admin_creates_a_subscription_and_sees_the_secret_once(api, admin_person):
    client = api.as_(admin_person)

    response = client.post(
        "/api/v1/webhooks/",
        {"name": "Chat", "url": "https://chat.example.com/hook", "record_type": "core.organisation",
         "events": ["core.organisation.contacts_changed"]},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    created = response.json()
    subscription = WebhookSubscription.objects.get()
    assert created["secret"] == subscription.secret and len(subscription.secret) == 64
    assert (created["record_type"], created["events"]) == (
        "core.organisation",
        ["core.organisation.contacts_changed"],
    )
    assert "secret" not in client.get(f"/api/v1/webhooks/{subscription.pk}/").json()
    assert "secret" not in client.get("/api/v1/webhooks/").json()["results"][0]
    entry = JournalEntry.objects.get(record_id=subscription.pk, kind="created")
    assert entry.actor == admin_person and subscription.secret not in entry.new_value


def test_admin_may_set_and_replace_the_secret(api, admin_person, subscription):
    client = api.as_(admin_person)

    response = client.patch(
        f"/api/v1/webhooks/{subscription.pk}/",
        {"secret": "another-long-secret-value"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["secret"] == "another-long-secret-value"
    subscription.refresh_from_db()
    assert subscription.secret == "another-long-secret-value"
    entry = JournalEntry.objects.get(record_id=subscription.pk, field="secret")
    assert "another-long-secret-value" not in entry.old_value + entry.new_value
    # A change that does not touch the secret does not show it.
    response = client.patch(
        f"/api/v1/webhooks/{subscription.pk}/", {"name": "Renamed"}, format="json"
    )
    assert "secret" not in response.json()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "X", "url": "ftp://example.com/hook"}, "url"),
        ({"name": "X", "url": "javascript:alert(1)"}, "url"),
        ({"name": "X", "url": "https://example.com/", "record_type": "Incidents"}, "record_type"),
        ({"name": "X", "url": "https://example.com/", "events": "incident.created"}, "events"),
        ({"name": "X", "url": "https://example.com/", "secret": "short"}, "secret"),
        ({"name": " ", "url": "https://example.com/"}, "name"),
    ],
)
def test_api_rejects_bad_subscription_input(api, admin_person, data, field):
    response = api.as_(admin_person).post("/api/v1/webhooks/", data, format="json")

    assert response.status_code == 400
    assert field in field_errors(response)
    assert WebhookSubscription.objects.count() == 0


def test_delete_deactivates_and_keeps_the_log(api, admin_person, subscription):
    webhooks.create_delivery(
        subscription=subscription, event="x", record_type="a.b", record_id=1, payload={}
    )

    response = api.as_(admin_person).delete(f"/api/v1/webhooks/{subscription.pk}/")

    assert response.status_code == 204
    subscription.refresh_from_db()
    assert subscription.is_active is False
    assert WebhookDelivery.objects.filter(subscription=subscription).count() == 1


def test_delivery_log_filters(api, admin_person, subscription):
    other = WebhookSubscription.objects.create(
        name="Other", url="https://example.com/", secret=SECRET
    )
    make = webhooks.create_delivery
    make(
        subscription=subscription,
        event="incident.created",
        record_type="a.b",
        record_id=1,
        payload={},
    )
    failed = make(
        subscription=subscription,
        event="incident.resolved",
        record_type="a.b",
        record_id=1,
        payload={},
    )
    WebhookDelivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED)
    make(subscription=other, event="incident.created", record_type="a.b", record_id=2, payload={})
    client = api.as_(admin_person)

    def ids(**params):
        response = client.get("/api/v1/webhook-deliveries/", params)
        assert response.status_code == 200
        return sorted(d["id"] for d in response.json()["results"])

    assert len(ids()) == 3
    assert ids(status="failed") == [failed.pk]
    assert len(ids(subscription=other.pk)) == 1
    assert len(ids(event="incident.created")) == 2
    assert ids(subscription=subscription.pk, event="incident.resolved") == [failed.pk]
    detail = client.get(f"/api/v1/webhook-deliveries/{failed.pk}/").json()
    assert (detail["status"], detail["subscription_name"]) == ("failed", "CMDB sync")


def test_admin_redelivers_a_failed_delivery(
    api, admin_person, receiver, subscription, django_capture_on_commit_callbacks
):
    failed = WebhookDelivery.objects.create(
        subscription=subscription,
        event="incident.created",
        record_type="incidents.incident",
        record_id=9,
        payload={"event": "incident.created", "record_id": 9},
        status=DeliveryStatus.FAILED,
        attempts=6,
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_(admin_person).post(f"/api/v1/webhook-deliveries/{failed.pk}/redeliver/")

    assert response.status_code == 201
    new = WebhookDelivery.objects.get(pk=response.json()["id"])
    assert (new.status, new.attempts, new.payload) == (DeliveryStatus.DELIVERED, 1, failed.payload)
    assert json.loads(receiver.requests[0]["body"]) == failed.payload
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED  # the log entry stays as it was
    assert JournalEntry.objects.filter(record_id=new.pk, actor=admin_person).exists()


def test_redeliver_to_an_inactive_subscription_is_refused(api, admin_person, subscription):
    delivery = webhooks.create_delivery(
        subscription=subscription, event="x", record_type="a.b", record_id=1, payload={}
    )
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)

    response = api.as_(admin_person).post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 400
    assert "subscription" in field_errors(response)
    assert WebhookDelivery.objects.count() == 1


def test_ping_reaches_the_receiver_whatever_the_filters(
    api, admin_person, receiver, django_capture_on_commit_callbacks
):
    subscription = WebhookSubscription.objects.create(
        name="Narrow", url=receiver.url, secret=SECRET, record_type="incidents.incidentrequest",
        events=["incidents.incident_request.created"],
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_(admin_person).post(f"/api/v1/webhooks/{subscription.pk}/ping/")

    assert response.status_code == 201
    [request] = receiver.requests
    assert request["headers"]["X-Steward-Event"] == "ping"
    assert json.loads(request["body"])["actor"] == {
        "id": admin_person.pk,
        "name": admin_person.display_name,
    }


def test_unknown_delivery_is_404_for_admins(api, admin_person):
    client = api.as_(admin_person)
    assert client.get("/api/v1/webhook-deliveries/999999/").status_code == 404
    assert client.post("/api/v1/webhook-deliveries/999999/redeliver/").status_code == 404


def test_journal_never_holds_the_secret_or_the_receiver_token(api, admin_person):
    client = api.as_(admin_person)
    created = client.post(
        "/api/v1/webhooks/",
        {"name": "Chat", "url": "https://chat.example.com/hooks/T0KEN123"},
        format="json",
    ).json()

    client.patch(
        f"/api/v1/webhooks/{created['id']}/",
        {"url": "https://chat.example.com/hooks/N3WT0KEN"},
        format="json",
    )

    entries = JournalEntry.objects.filter(record_id=created["id"])
    text = " ".join(e.old_value + e.new_value for e in entries)
    assert "T0KEN123" not in text and "N3WT0KEN" not in text and created["secret"] not in text
    url_change = entries.get(field="url")
    assert url_change.new_value == "https://chat.example.com/... (path changed)"


# --- Subscriptions name what the event catalog declares ----------------------------------


@pytest.mark.parametrize(
    ("data", "field", "listed"),
    [
        ({"record_type": "incidents.incident"}, "record_type", "incidents.incidentrequest"),
        ({"events": ["incident.resolved"]}, "events", "incidents.incident_request.resolved"),
        ({"events": ["core.sla_clock.breached", "x.y.z"]}, "events", "core.sla_clock.warning"),
    ],
)
def test_api_refuses_names_outside_the_catalog_and_lists_the_valid_ones(
    api, admin_person, data, field, listed
):
    from steward.core.tests.api import field_errors

    body = {"name": "X", "url": "https://example.com/hook", **data}
    response = api.as_(admin_person).post("/api/v1/webhooks/", body, format="json")

    assert response.status_code == 400
    (message,) = field_errors(response)[field]
    assert listed in message
    assert WebhookSubscription.objects.count() == 0


def test_service_refuses_an_unknown_event_whatever_the_caller(admin_person):
    from django.core.exceptions import ValidationError

    from steward.core.services import notifications

    with pytest.raises(ValidationError) as refused:
        notifications.webhook_subscription_create(
            actor=admin_person, name="X", url="https://example.com/", events=["incident.created"]
        )
    assert "incidents.incident_request.created" in refused.value.message_dict["events"][0]


def test_page_form_offers_the_catalog_and_refuses_other_events(admin_person):
    from steward.core.forms import WebhookForm

    form = WebhookForm(
        data={"name": "X", "url": "https://example.com/", "events_text": "incident.closed"},
        actor=admin_person,
    )
    assert not form.is_valid()
    assert "incidents.incident_request.closed" in form.errors["events_text"][0]
    offered = [value for value, _ in form.fields["record_type"].choices]
    assert offered == ["", *events.record_types()]


def test_schema_lists_the_event_names_and_record_types(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    found = {}

    def walk(node):
        if isinstance(node, dict):
            if "enum" in node and "core.sla_clock.breached" in node["enum"]:
                found["events"] = node["enum"]
            if "enum" in node and "core.slaclock" in node["enum"]:
                found["record_types"] = node["enum"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert found["events"] == events.names()
    assert [v for v in found["record_types"] if v] == events.record_types()
