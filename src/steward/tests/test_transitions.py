"""The transition primitive (core/transitions.py): lock, check, set, journal, publish."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from steward.core import transitions
from steward.core.choices import JournalKind
from steward.core.errors import InvalidTransition
from steward.core.events import UnknownEvent
from steward.core.models import JournalEntry, WebhookDelivery, WebhookSubscription
from steward.core.workflows import Workflow
from steward.incidents.choices import Escalation
from steward.incidents.models import IncidentRequest
from steward.service_level import workflows
from steward.service_level.choices import ServiceStatus
from steward.service_level.models import Service

pytestmark = pytest.mark.django_db

# A second state machine on the incident: the escalation field (seed 003 ch. 8, proc. 5).
ESCALATION = Workflow.build(
    "escalation",
    {
        Escalation.NONE: {Escalation.SERVICE_OWNER},
        Escalation.SERVICE_OWNER: {Escalation.CHANGE_COORDINATOR, Escalation.NONE},
    },
    field="escalation",
)


@pytest.fixture
def service(provider):
    return Service.objects.create(name="Mail", number="SVC-T1", provider=provider)


@pytest.fixture
def hook(db):
    return WebhookSubscription.objects.create(name="All", url="https://example.com/", secret="s")


def journal(record):
    return list(
        JournalEntry.objects.filter(record_id=record.pk)
        .order_by("id")
        .values_list("kind", "field", "old_value", "new_value", "body", "public")
    )


def go(record_id, to, **kwargs):
    with transaction.atomic():
        record = transitions.lock(Service, record_id)
        old = transitions.transition(record, to, workflow=workflows.SERVICE, **kwargs)
    return old, record


def test_lock_answers_not_found_for_a_missing_or_malformed_id():
    for bad in (999_999, "x1", None, "1; drop"):
        with pytest.raises(Http404), transaction.atomic():
            transitions.lock(Service, bad)


def test_transition_sets_saves_journals_and_publishes(service, admin_person, hook):
    old, _ = go(
        service.pk,
        ServiceStatus.ACTIVE,
        actor=admin_person,
        permission="service_level.service.change",
        event="service_level.service.active",
        data={"why": "launch"},
        reason="Go live",
    )
    assert old == ServiceStatus.IN_DESIGN
    service.refresh_from_db()
    assert (service.status, service.lock_version) == (ServiceStatus.ACTIVE, 2)
    assert journal(service) == [
        (JournalKind.TRANSITION, "status", "in_design", "active", "", True),
        (JournalKind.WORK_NOTE, "", "", "", "Go live", False),
    ]
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.event, delivery.payload["data"]) == (
        "service_level.service.active",
        {"why": "launch"},
    )


def test_public_reason_goes_on_the_transition_entry(service, admin_person):
    go(service.pk, ServiceStatus.ACTIVE, actor=admin_person, reason="Live now", public=True)
    assert journal(service) == [
        (JournalKind.TRANSITION, "status", "in_design", "active", "Live now", True)
    ]


def test_also_fields_are_saved_with_the_state(service, admin_person):
    with transaction.atomic():
        record = transitions.lock(Service, service.pk)
        record.description = "Saved with it"
        record.name = "Not saved"
        transitions.transition(
            record, ServiceStatus.ACTIVE, actor=admin_person, workflow=workflows.SERVICE,
            also=["description"],
        )  # fmt: skip
    service.refresh_from_db()
    assert (service.description, service.name) == ("Saved with it", "Mail")


@pytest.mark.parametrize(
    ("to", "event", "error"),
    [
        (ServiceStatus.IN_DESIGN, "service_level.service.active", InvalidTransition),
        (ServiceStatus.ACTIVE, "service_level.service.golive", UnknownEvent),
    ],
)
def test_a_refused_transition_writes_nothing(service, admin_person, hook, to, event, error):
    with pytest.raises(error):
        go(service.pk, to, actor=admin_person, event=event)
    service.refresh_from_db()
    assert (service.status, journal(service), WebhookDelivery.objects.count()) == (
        ServiceStatus.IN_DESIGN, [], 0,
    )  # fmt: skip


def test_the_actor_needs_the_permission_and_the_predicate(service, no_role_person, analyst):
    with pytest.raises(PermissionDenied):
        go(service.pk, ServiceStatus.ACTIVE, actor=no_role_person,
           permission="service_level.service.change")  # fmt: skip
    with pytest.raises(PermissionDenied, match="not the owner"):

        def owner_only(actor, record):
            if record.owner_id != actor.pk:
                raise PermissionDenied("not the owner")

        go(service.pk, ServiceStatus.ACTIVE, actor=analyst, allowed=owner_only)
    with pytest.raises(PermissionDenied):
        go(service.pk, ServiceStatus.ACTIVE, actor=analyst, allowed=lambda a, r: False)
    service.refresh_from_db()
    assert (service.status, journal(service)) == (ServiceStatus.IN_DESIGN, [])


@pytest.mark.django_db(transaction=True)
def test_transition_refuses_to_run_outside_a_transaction(service, admin_person):
    with pytest.raises(RuntimeError):
        transitions.transition(
            service, ServiceStatus.ACTIVE, actor=admin_person, workflow=workflows.SERVICE
        )


def test_a_second_state_machine_moves_its_own_field(service, requester, customer_org, analyst):
    incident = IncidentRequest.objects.create(
        number="INC-T1", title="Down", requester=requester, customer=customer_org, service=service
    )
    with transaction.atomic():
        record = transitions.lock(IncidentRequest, incident.pk, related=["service"])
        old = transitions.transition(
            record, Escalation.SERVICE_OWNER, actor=analyst, workflow=ESCALATION
        )
    assert old == Escalation.NONE
    incident.refresh_from_db()
    assert (incident.status, incident.escalation) == ("new", "service_owner")
    assert journal(incident) == [
        (JournalKind.TRANSITION, "escalation", "", "service_owner", "", True)
    ]
    with pytest.raises(InvalidTransition), transaction.atomic():
        record = transitions.lock(IncidentRequest, incident.pk)
        transitions.transition(
            record, Escalation.ON_DUTY_MANAGER, actor=analyst, workflow=ESCALATION
        )
