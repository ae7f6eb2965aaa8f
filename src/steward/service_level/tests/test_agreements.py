"""Service Activation (seed 003 ch. 11 proc. 2): signing SLAs, OLAs and underpinning
contracts; Service Termination (proc. 4): the termination rule, branch by branch."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steward.core.choices import Role
from steward.core.errors import DomainError, InvalidTransition
from steward.core.fields import FieldsRefused
from steward.core.models import ClockEvent, JournalEntry, Notification, Person, SlaClock
from steward.core.tests.factories import (
    BusinessCalendarFactory,
    SupportGroupFactory,
    give_role,
    make_person,
)
from steward.service_level.choices import AgreementStatus, ServiceStatus
from steward.service_level.models import Agreement, AgreementSignature, Outage, Service
from steward.service_level.services import agreements as svc
from steward.service_level.tests.test_catalog import World, build_world, published_item

A = AgreementStatus
TARGETS = [{"kind": "resolution", "priority": "1", "seconds": 14400}]


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def group(world):
    group = SupportGroupFactory(name="Mail team", organisation=world.provider)
    world.coordinator = make_person(organisation=world.provider, username="coord")
    give_role(world.coordinator, Role.GROUP_COORDINATOR, group)
    world.supplier_rep = make_person(organisation=world.supplier, username="cloudy-rep")
    return group


def make_agreement(world: World, kind: str = "sla", *, party=None, service=None, **kw):
    party = party if party is not None else {"sla": world.acme, "uc": world.supplier}.get(kind)
    key = {"sla": "customer", "ola": "support_group", "uc": "supplier"}[kind]
    return svc.agreement_create(
        actor=world.sla_admin,
        kind=kind,
        service=service or world.service,
        name=f"{kind.upper()} for mail",
        term_start=dt.date(2025, 1, 1),
        targets=kw.pop("targets", TARGETS),
        **{key: party},
        **kw,
    )


# Who signs which kind: (role, signer attribute on the world).
SIGNERS = {
    "sla": [("customer_representative", "rep_acme"), ("service_owner", "owner")],
    "ola": [("group_coordinator", "coordinator"), ("service_owner", "owner")],
    "uc": [("supplier", "supplier_rep"), ("service_owner", "owner")],
}


def sign(
    actor: Person, agreement: Agreement, role: str = "service_owner", signed: bool = True, **kw: Any
) -> Any:
    """``actor`` signs ``agreement`` for ``role`` (refuses it with ``signed=False``)."""
    return svc.agreement_sign(
        actor=actor, agreement_id=agreement.pk, role=role, signed=signed, **kw
    )


def sign_all(world: World, agreement: Agreement) -> Agreement:
    for role, who in SIGNERS[agreement.kind]:
        person = world.who(who)
        if role == "supplier":  # on paper: the administrator records it
            sign(world.sla_admin, agreement, role, person_id=person.pk)
        else:
            sign(person, agreement, role)
    agreement.refresh_from_db()
    return agreement


def active(world: World, kind: str = "sla", **kw) -> Agreement:
    agreement = sign_all(world, make_agreement(world, kind, **kw))
    assert agreement.status == A.ACTIVE
    return agreement


def service_status(world: World) -> str:
    return Service.objects.get(pk=world.service.pk).status


# --- Preparing ------------------------------------------------------------------------------


class TestPreparing:
    @pytest.mark.parametrize(("kind", "prefix"), [("sla", "SLA"), ("ola", "OLA"), ("uc", "UC")])
    def test_numbered_by_kind_and_drafted_with_targets(self, world, group, kind, prefix):
        party = group if kind == "ola" else None
        agreement = make_agreement(world, kind, party=party)
        assert agreement.number.startswith(prefix)
        assert agreement.status == A.DRAFT
        assert [(t.kind, t.priority, t.target_seconds) for t in agreement.targets.all()] == [
            ("resolution", "1", 14400)
        ]

    @pytest.mark.parametrize(
        ("kind", "field"), [("sla", "customer"), ("ola", "support_group"), ("uc", "supplier")]
    )
    def test_each_kind_needs_its_party(self, world, kind, field):
        with pytest.raises(ValidationError) as exc:
            svc.agreement_create(
                actor=world.sla_admin,
                kind=kind,
                service=world.service,
                name="X",
                term_start=dt.date(2025, 1, 1),
            )
        assert field in exc.value.message_dict
        assert not Agreement.objects.exists()

    def test_an_sla_customer_must_be_a_customer(self, world):
        with pytest.raises(ValidationError) as exc:
            make_agreement(world, "sla", party=world.supplier)
        assert "customer" in exc.value.message_dict

    def test_the_term_cannot_end_before_it_starts(self, world):
        with pytest.raises(ValidationError) as exc:
            make_agreement(world, term_end=dt.date(2024, 12, 31))
        assert "term_end" in exc.value.message_dict

    def test_an_sla_for_a_catalog_item_takes_its_targets(self, world):
        item = published_item(world)
        agreement = make_agreement(world, catalog_item=item, targets=None)
        assert [(t.kind, t.target_seconds) for t in agreement.targets.all()] == [
            ("resolution", 14400)
        ]

    def test_an_unpublished_catalog_item_cannot_be_subscribed_to(self, world):
        from steward.service_level.tests.test_catalog import make_item

        with pytest.raises(ValidationError) as exc:
            make_agreement(world, catalog_item=make_item(world))
        assert "catalog_item" in exc.value.message_dict

    def test_the_parties_are_asked_to_sign(self, world):
        make_agreement(world)
        told = set(
            Notification.objects.filter(
                event="service_level.agreement.signature_requested"
            ).values_list("recipient__username", flat=True)
        )
        assert told == {"rep-acme", "owner"}

    @pytest.mark.parametrize("who", ["owner", "slm_global", "rep_acme", "analyst", "no_role"])
    def test_only_administrators_prepare_agreements(self, world, who):
        with pytest.raises(PermissionDenied):
            svc.agreement_create(
                actor=world.who(who),
                kind="sla",
                service=world.service,
                customer=world.acme,
                name="X",
                term_start=dt.date(2025, 1, 1),
            )
        assert not Agreement.objects.exists()


class TestTargets:
    def test_add_update_remove_on_a_draft(self, world):
        agreement = make_agreement(world, targets=[])
        target = svc.target_add(
            actor=world.sla_admin, agreement_id=agreement.pk, kind="availability",
            target_percent="99.5",
        )  # fmt: skip
        svc.target_update(actor=world.sla_admin, target_id=target.pk, data={"warning_percent": 80})
        target.refresh_from_db()
        assert target.warning_percent == 80
        svc.target_remove(actor=world.sla_admin, target_id=target.pk)
        assert not agreement.targets.exists()

    def test_targets_of_a_signed_agreement_cannot_change(self, world):
        agreement = active(world)
        with pytest.raises(DomainError):
            svc.target_add(actor=world.sla_admin, agreement_id=agreement.pk, kind="rpo",
                           target_seconds=60)  # fmt: skip
        assert agreement.targets.count() == 1

    def test_a_service_owner_cannot_change_targets(self, world):
        agreement = make_agreement(world)
        with pytest.raises(PermissionDenied):
            svc.target_add(actor=world.owner, agreement_id=agreement.pk, kind="rpo",
                           target_seconds=60)  # fmt: skip


# --- Signing ----------------------------------------------------------------------------------


class TestSigning:
    @pytest.mark.parametrize("kind", ["sla", "ola", "uc"])
    def test_one_signature_is_not_enough(self, world, group, kind):
        agreement = make_agreement(world, kind, party=group if kind == "ola" else None)
        sign(world.owner, agreement)
        agreement.refresh_from_db()
        assert agreement.status == A.DRAFT
        assert svc.missing_signatures(agreement) == [SIGNERS[kind][0][0]]

    @pytest.mark.parametrize("kind", ["sla", "ola", "uc"])
    def test_all_signed_activates_the_agreement_and_the_service(self, world, group, kind):
        agreement = sign_all(
            world, make_agreement(world, kind, party=group if kind == "ola" else None)
        )
        assert agreement.status == A.ACTIVE and agreement.signed_at is not None
        assert service_status(world) == ServiceStatus.ACTIVE
        subscribers = list(Service.objects.get(pk=world.service.pk).customers.all())
        assert subscribers == ([world.acme] if kind == "sla" else [])

    @pytest.mark.parametrize(("role", "who"), SIGNERS["sla"])
    def test_a_refusal_means_not_signed_with_the_reason(self, world, role, who):
        agreement = make_agreement(world)
        sign(world.who(who), agreement, role, signed=False, comment="The P1 target is too slow.")
        agreement.refresh_from_db()
        assert agreement.status == A.NOT_SIGNED
        entry = JournalEntry.objects.filter(record_id=agreement.pk, kind="transition").last()
        assert (entry.new_value, entry.body) == ("not_signed", "The P1 target is too slow.")
        assert service_status(world) == ServiceStatus.IN_DESIGN

    def test_a_refusal_needs_a_reason(self, world):
        agreement = make_agreement(world)
        with pytest.raises(ValidationError):
            sign(world.owner, agreement, signed=False)
        assert not AgreementSignature.objects.exists()

    @pytest.mark.parametrize(
        ("who", "role"),
        [
            ("rep_globex", "customer_representative"),  # another customer's representative
            ("other_owner", "service_owner"),  # owner of another service
            ("rep_acme", "service_owner"),  # the right party, the wrong role
            ("owner", "customer_representative"),
            ("requester_acme", "customer_representative"),
            ("slm_acme", "customer_representative"),
            ("no_role", "service_owner"),
        ],
    )
    def test_only_the_party_signs(self, world, who, role):
        agreement = make_agreement(world)
        with pytest.raises(PermissionDenied):
            sign(world.who(who), agreement, role)
        assert not AgreementSignature.objects.exists()

    def test_a_role_the_kind_does_not_have_is_refused(self, world):
        agreement = make_agreement(world)
        with pytest.raises(ValidationError) as exc:
            sign(world.sla_admin, agreement, "group_coordinator", person_id=world.owner.pk)
        assert "role" in exc.value.message_dict

    def test_an_administrator_records_a_paper_signature_of_the_right_person(self, world):
        agreement = make_agreement(world)
        sign(world.sla_admin, agreement, "customer_representative", person_id=world.rep_acme.pk)
        (signature,) = AgreementSignature.objects.all()
        assert (signature.person, signature.signed) == (world.rep_acme, True)
        with pytest.raises(ValidationError) as exc:
            sign(world.sla_admin, agreement, "service_owner", person_id=world.rep_acme.pk)
        assert "person_id" in exc.value.message_dict

    def test_only_administrators_record_for_someone_else(self, world):
        agreement = make_agreement(world)
        with pytest.raises(FieldsRefused) as refused:
            sign(world.owner, agreement, "customer_representative", person_id=world.rep_acme.pk)
        assert refused.value.fields == ["person"]
        assert not AgreementSignature.objects.exists()

    def test_signing_twice_for_a_role_is_refused(self, world):
        agreement = make_agreement(world)
        sign(world.owner, agreement)
        with pytest.raises(ValidationError):
            sign(world.owner, agreement)

    def test_an_active_agreement_cannot_be_signed_again(self, world):
        agreement = active(world)
        with pytest.raises(InvalidTransition):
            sign(world.owner, agreement, signed=False, comment="changed my mind")
        assert Agreement.objects.get(pk=agreement.pk).status == A.ACTIVE

    def test_a_signed_draft_cannot_be_edited(self, world):
        agreement = make_agreement(world)
        sign(world.owner, agreement)
        with pytest.raises(DomainError):
            svc.agreement_update(actor=world.sla_admin, agreement_id=agreement.pk,
                                 data={"name": "Other"})  # fmt: skip


# --- Termination rule (proc. 4) -----------------------------------------------------------------


def clock_on(world: World, agreement: Agreement, state: str = "running") -> SlaClock:
    return SlaClock.objects.create(
        record_type=ContentType.objects.get_for_model(Service),
        record_id=world.service.pk,
        metric="resolution",
        name="P1 resolution",
        agreement_id=agreement.pk,
        calendar=BusinessCalendarFactory(),
        target_seconds=14400,
        state=state,
        started_at=timezone.now(),
    )


# Each row: the agreements of the service (kind, "active" or "draft"), the index of the one
# terminated, the service status afterwards.
TERMINATION_RULE = {
    "last active SLA: service discontinued": ([("sla", "active")], 0, ServiceStatus.DISCONTINUED),
    "another active SLA left: service stays": (
        [("sla", "active"), ("sla", "active")], 0, ServiceStatus.ACTIVE,
    ),
    "active OLA and UC do not count": (
        [("sla", "active"), ("ola", "active"), ("uc", "active")], 0, ServiceStatus.DISCONTINUED,
    ),
    "a draft SLA does not count": (
        [("sla", "active"), ("sla", "draft")], 0, ServiceStatus.DISCONTINUED,
    ),
    "ending an OLA leaves the service alone": (
        [("sla", "active"), ("ola", "active")], 1, ServiceStatus.ACTIVE,
    ),
    "ending a UC leaves the service alone": (
        [("sla", "active"), ("uc", "active")], 1, ServiceStatus.ACTIVE,
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("agreements", "index", "expected"), TERMINATION_RULE.values(), ids=TERMINATION_RULE.keys()
)
def test_termination_rule(world, group, agreements, index, expected):
    made = []
    for kind, state in agreements:
        agreement = make_agreement(world, kind, party=group if kind == "ola" else None)
        made.append(sign_all(world, agreement) if state == "active" else agreement)
    svc.agreement_terminate(actor=world.sla_admin, agreement_id=made[index].pk, reason="Ended")
    terminated = Agreement.objects.get(pk=made[index].pk)
    assert terminated.status == A.DISCONTINUED and terminated.terminated_at is not None
    assert terminated.termination_reason == "Ended"
    assert service_status(world) == expected


def test_terminating_cancels_the_agreements_open_clocks_only(world):
    agreement = active(world)
    other = active(world)
    running, paused = clock_on(world, agreement), clock_on(world, agreement, "paused")
    stopped, elsewhere = clock_on(world, agreement, "stopped"), clock_on(world, other)
    svc.agreement_terminate(actor=world.sla_admin, agreement_id=agreement.pk, reason="Ended")
    states = {c.pk: c.state for c in SlaClock.objects.all()}
    assert states == {
        running.pk: "cancelled", paused.pk: "cancelled",
        stopped.pk: "stopped", elsewhere.pk: "running",
    }  # fmt: skip
    assert ClockEvent.objects.filter(event="cancelled").count() == 2


def test_the_discontinued_service_is_journaled_and_its_owner_told(world):
    agreement = active(world)
    svc.agreement_terminate(actor=world.sla_admin, agreement_id=agreement.pk, reason="Ended")
    entry = JournalEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(Service), kind="transition"
    ).last()
    assert (entry.old_value, entry.new_value) == ("active", "discontinued")
    reason = JournalEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(Service), kind="work_note"
    ).last()
    assert (agreement.number in reason.body, reason.public) == (True, False)
    assert Notification.objects.filter(
        recipient=world.owner, event="service_level.service.discontinued"
    ).exists()


class TestTerminationRefusals:
    def test_a_reason_is_required(self, world):
        agreement = active(world)
        with pytest.raises(ValidationError):
            svc.agreement_terminate(actor=world.sla_admin, agreement_id=agreement.pk, reason=" ")
        assert Agreement.objects.get(pk=agreement.pk).status == A.ACTIVE

    def test_a_draft_cannot_be_terminated(self, world):
        agreement = make_agreement(world)
        with pytest.raises(InvalidTransition):
            svc.agreement_terminate(actor=world.sla_admin, agreement_id=agreement.pk, reason="x")

    @pytest.mark.parametrize("who", ["owner", "rep_acme", "slm_global", "analyst", "no_role"])
    def test_only_administrators_terminate(self, world, who):
        agreement = active(world)
        clock = clock_on(world, agreement)
        with pytest.raises(PermissionDenied):
            svc.agreement_terminate(actor=world.who(who), agreement_id=agreement.pk, reason="x")
        assert Agreement.objects.get(pk=agreement.pk).status == A.ACTIVE
        assert SlaClock.objects.get(pk=clock.pk).state == "running"
        assert service_status(world) == ServiceStatus.ACTIVE


# --- Outages ------------------------------------------------------------------------------------


def test_an_operations_manager_records_an_outage(world):
    manager = make_person(Role.OPERATIONS_MANAGER, organisation=world.provider)
    start = timezone.now() - dt.timedelta(hours=2)
    outage = svc.outage_record(
        actor=manager, service_id=world.service.pk, started_at=start,
        ended_at=start + dt.timedelta(hours=1), source_reference="INC000001",
    )  # fmt: skip
    assert Outage.objects.get().pk == outage.pk
    with pytest.raises(ValidationError):
        svc.outage_record(actor=manager, service_id=world.service.pk, started_at=start,
                          ended_at=start - dt.timedelta(minutes=1))  # fmt: skip
    with pytest.raises(PermissionDenied):
        svc.outage_record(actor=world.analyst, service_id=world.service.pk, started_at=start)
    assert Outage.objects.count() == 1
