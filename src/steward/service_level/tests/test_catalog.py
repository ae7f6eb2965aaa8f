"""Service Catalog Maintenance (seed 003 ch. 11 proc. 1), branch by branch, and catalog
item discontinuation (proc. 4).

``build_world`` and the item helpers here are shared by the other test modules of this area.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from steward.core.choices import Role
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import JournalEntry, Notification, Organisation, Person
from steward.core.tests.factories import OrganisationFactory, give_role, make_person
from steward.service_level.choices import ApprovalRole, CatalogItemStatus
from steward.service_level.models import CatalogApproval, CatalogItem, CatalogItemTemplate, Service
from steward.service_level.services import catalog as svc
from steward.service_level.services.services import service_create

C = CatalogItemStatus


@dataclass
class World:
    provider: Organisation
    acme: Organisation  # a customer with its own service level manager
    globex: Organisation  # a customer without one: the global manager approves for it
    supplier: Organisation
    sla_admin: Person
    owner: Person
    other_owner: Person
    slm_acme: Person
    slm_global: Person
    fin: Person
    fin2: Person
    rep_acme: Person
    rep_globex: Person
    requester_acme: Person
    requester_globex: Person
    analyst: Person
    no_role: Person
    service: Service
    other_service: Service

    def who(self, name: str) -> Person:
        return getattr(self, name)


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    """Every party of procedures 1-4 (the other test modules of this area build it too)."""
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    acme = OrganisationFactory(kind="customer", name="Acme Bank", code="acme")
    globex = OrganisationFactory(kind="customer", name="Globex", code="globex")
    supplier = OrganisationFactory(kind="supplier", name="Cloudy Ltd", code="cloudy")
    sla_admin = make_person(Role.SERVICE_LEVEL_ADMINISTRATOR, organisation=provider)
    owner = make_person(organisation=provider, username="owner")
    other_owner = make_person(organisation=provider, username="other-owner")
    service = service_create(actor=sla_admin, name="E-mail", owner=owner, provider=provider)
    other_service = service_create(
        actor=sla_admin, name="Payroll", owner=other_owner, provider=provider
    )
    give_role(owner, Role.SERVICE_OWNER, service)
    give_role(other_owner, Role.SERVICE_OWNER, other_service)
    slm_acme = make_person(
        Role.SERVICE_LEVEL_MANAGER, organisation=provider, scope=acme, username="slm-acme"
    )
    slm_global = make_person(Role.SERVICE_LEVEL_MANAGER, organisation=provider, username="slm")
    fin = make_person(Role.FINANCIAL_MANAGER, organisation=provider, username="fin")
    fin2 = make_person(Role.FINANCIAL_MANAGER, organisation=provider, username="fin2")
    rep_acme = make_person(
        Role.CUSTOMER_REPRESENTATIVE, organisation=acme, scope=acme, username="rep-acme"
    )
    rep_globex = make_person(
        Role.CUSTOMER_REPRESENTATIVE, organisation=globex, scope=globex, username="rep-globex"
    )
    requester_acme = make_person(Role.REQUESTER, organisation=acme, username="req-acme")
    requester_globex = make_person(Role.REQUESTER, organisation=globex, username="req-globex")
    analyst = make_person(Role.SERVICE_DESK_ANALYST, organisation=provider, username="analyst")
    no_role = make_person(organisation=provider, username="norole")
    return World(
        provider, acme, globex, supplier, sla_admin, owner, other_owner, slm_acme, slm_global,
        fin, fin2, rep_acme, rep_globex, requester_acme, requester_globex, analyst, no_role,
        service, other_service,
    )  # fmt: skip


def make_item(world: World, *, customers=("acme",), **kwargs) -> CatalogItem:
    kwargs.setdefault("name", "Mailbox, gold")
    kwargs.setdefault("targets", [{"kind": "resolution", "priority": "1", "seconds": 14400}])
    return svc.catalog_item_create(
        actor=world.sla_admin,
        service=world.service,
        target_customers=[world.who(c) for c in customers],
        **kwargs,
    )


@pytest.fixture
def draft(world) -> CatalogItem:
    return make_item(world)


def status_of(item: CatalogItem) -> str:
    return CatalogItem.objects.get(pk=item.pk).status


# --- Preparing: from the template or by copying ----------------------------------------------


class TestPreparing:
    def test_from_the_template_takes_its_texts_and_default_targets(self, world):
        template = CatalogItemTemplate.objects.create(
            name="Standard",
            summary="Our standard level",
            description="Office hours support.",
            default_targets=[
                {"kind": "resolution", "priority": "1", "seconds": 14400},
                {"kind": "availability", "percent": "99.9"},
            ],
        )
        item = svc.catalog_item_create(
            actor=world.sla_admin, service=world.service, name="Mail", template=template
        )
        assert item.status == C.DRAFT
        assert item.number.startswith("CAT")
        assert (item.summary, item.description, item.template) == (
            "Our standard level",
            "Office hours support.",
            template,
        )
        assert sorted(
            (t.kind, t.priority, t.target_seconds, t.target_percent) for t in item.targets.all()
        ) == [("availability", "", None, Decimal("99.900")), ("resolution", "1", 14400, None)]

    def test_by_copying_a_similar_item_takes_its_details_targets_and_customers(self, world):
        original = make_item(world, charge=Decimal("12.50"), charge_unit="per user per month")
        copy = svc.catalog_item_create(
            actor=world.sla_admin,
            service=world.service,
            name="Mailbox, gold (Globex)",
            copy_of=original,
        )
        assert copy.copied_from == original
        assert (copy.charge, copy.charge_unit) == (Decimal("12.50"), "per user per month")
        assert [(t.kind, t.priority, t.target_seconds) for t in copy.targets.all()] == [
            ("resolution", "1", 14400)
        ]
        assert list(copy.target_customers.all()) == [world.acme]
        assert copy.status == C.DRAFT

    def test_template_and_copy_together_are_refused(self, world, draft):
        template = CatalogItemTemplate.objects.create(name="T")
        with pytest.raises(ValidationError) as exc:
            make_item(world, template=template, copy_of=draft)
        assert "copy_of" in exc.value.message_dict

    @pytest.mark.parametrize(
        ("visibility", "customer", "field"),
        [
            ("private", None, "customer"),
            ("public", "acme", "customer"),
            ("odd", None, "visibility"),
        ],
    )
    def test_visibility_and_customer_must_agree(self, world, visibility, customer, field):
        with pytest.raises(ValidationError) as exc:
            make_item(
                world,
                visibility=visibility,
                customer=world.who(customer) if customer else None,
            )
        assert field in exc.value.message_dict
        assert CatalogItem.objects.count() == 0

    def test_a_private_item_is_prepared_for_its_customer(self, world):
        item = make_item(world, customers=(), visibility="private", customer=world.globex)
        assert list(item.target_customers.all()) == [world.globex]

    @pytest.mark.parametrize(
        ("target", "field"),
        [
            ({"kind": "resolution", "seconds": 3600}, "priority"),
            ({"kind": "resolution", "priority": "1"}, "target_seconds"),
            ({"kind": "availability", "percent": "120"}, "target_percent"),
            ({"kind": "availability", "priority": "1", "percent": "99"}, "priority"),
            ({"kind": "max_outages"}, "target_count"),
            ({"kind": "speed", "seconds": 1}, "kind"),
        ],
    )
    def test_bad_targets_are_refused_with_the_reason(self, world, target, field):
        with pytest.raises(ValidationError) as exc:
            make_item(world, targets=[target])
        (message,) = exc.value.message_dict["targets"]
        assert message.startswith(f"Target 1: {field}:")
        assert CatalogItem.objects.count() == 0

    def test_the_same_target_twice_is_refused(self, world):
        twice = [{"kind": "rto", "seconds": 60}, {"kind": "rto", "seconds": 120}]
        with pytest.raises(ValidationError):
            make_item(world, targets=twice)

    @pytest.mark.parametrize(
        "who", ["owner", "slm_global", "fin", "analyst", "rep_acme", "requester_acme", "no_role"]
    )
    def test_only_service_level_administrators_prepare_items(self, world, who):
        with pytest.raises(PermissionDenied):
            svc.catalog_item_create(actor=world.who(who), service=world.service, name="X")
        assert CatalogItem.objects.count() == 0

    def test_adjusting_a_draft_is_journaled_and_replaces_targets(self, world, draft):
        svc.catalog_item_update(
            actor=world.sla_admin,
            item_id=draft.pk,
            data={"name": "Mailbox, platinum"},
            targets=[{"kind": "availability", "percent": "99.95"}],
        )
        draft.refresh_from_db()
        assert draft.name == "Mailbox, platinum"
        assert [t.kind for t in draft.targets.all()] == ["availability"]
        fields = set(
            JournalEntry.objects.filter(record_id=draft.pk, kind="field_change").values_list(
                "field", flat=True
            )
        )
        assert fields == {"name", "targets"}

    def test_only_a_draft_can_be_adjusted(self, world, draft):
        svc.catalog_item_submit(actor=world.sla_admin, item_id=draft.pk)
        with pytest.raises(DomainError):
            svc.catalog_item_update(actor=world.sla_admin, item_id=draft.pk, data={"name": "Y"})
        assert CatalogItem.objects.get(pk=draft.pk).name == "Mailbox, gold"


# --- Approval: every branch of procedure 1 ----------------------------------------------------


class TestSubmit:
    def test_submit_opens_a_round_with_one_slot_per_approver_role(self, world, draft):
        svc.catalog_item_submit(actor=world.sla_admin, item_id=draft.pk)
        draft.refresh_from_db()
        assert (draft.status, draft.approval_round) == (C.IN_APPROVAL, 1)
        rows = {
            (a.role, a.approver.username, a.for_customer and a.for_customer.code)
            for a in CatalogApproval.objects.filter(catalog_item=draft)
        }
        assert rows == {
            (ApprovalRole.SERVICE_OWNER, "owner", None),
            (ApprovalRole.SERVICE_LEVEL_MANAGER, "slm-acme", "acme"),
            (ApprovalRole.FINANCIAL_MANAGER, "fin", None),
            (ApprovalRole.FINANCIAL_MANAGER, "fin2", None),
        }

    def test_each_approver_is_told(self, world, draft, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            svc.catalog_item_submit(actor=world.sla_admin, item_id=draft.pk)
        told = set(
            Notification.objects.filter(
                event="service_level.catalog_item.approval_requested"
            ).values_list("recipient__username", flat=True)
        )
        assert told == {"owner", "slm-acme", "fin", "fin2"}
        assert {m.to[0] for m in mail.outbox} >= {"owner@example.com", "fin@example.com"}

    def test_a_customer_without_its_own_manager_is_approved_by_the_global_one(self, world):
        item = make_item(world, customers=("globex",))
        svc.catalog_item_submit(actor=world.sla_admin, item_id=item.pk)
        managers = CatalogApproval.objects.filter(
            catalog_item=item, role=ApprovalRole.SERVICE_LEVEL_MANAGER
        )
        assert [(a.approver, a.for_customer) for a in managers] == [
            (world.slm_global, world.globex)
        ]

    def test_submit_without_a_financial_manager_is_refused_and_writes_nothing(self, world, draft):
        Person.objects.filter(username__in=["fin", "fin2"]).update(is_active=False)
        with pytest.raises(ValidationError) as exc:
            svc.catalog_item_submit(actor=world.sla_admin, item_id=draft.pk)
        assert exc.value.message_dict["approvers"] == ["Nobody can approve as financial manager."]
        assert status_of(draft) == C.DRAFT
        assert not CatalogApproval.objects.exists()


# Each row: target customers, the decisions in order, the status after them.
APPROVAL_FLOWS = {
    "everyone approves": (
        ("acme",), [("owner", "approved"), ("slm_acme", "approved"), ("fin", "approved")],
        C.APPROVED,
    ),
    "order does not matter": (
        ("acme",), [("fin2", "approved"), ("slm_acme", "approved"), ("owner", "approved")],
        C.APPROVED,
    ),
    "owner only: still waiting": (("acme",), [("owner", "approved")], C.IN_APPROVAL),
    "financial manager missing": (
        ("acme",), [("owner", "approved"), ("slm_acme", "approved")], C.IN_APPROVAL,
    ),
    "one financial manager is enough": (
        ("acme",), [("owner", "approved"), ("slm_acme", "approved"), ("fin2", "approved")],
        C.APPROVED,
    ),
    "owner asks for adjustments": (("acme",), [("owner", "adjust")], C.DRAFT),
    "manager asks for adjustments after the owner approved": (
        ("acme",), [("owner", "approved"), ("slm_acme", "adjust")], C.DRAFT,
    ),
    "financial manager rejects": (("acme",), [("fin", "rejected")], C.IN_APPROVAL),
    "rejected after the others approved": (
        ("acme",), [("owner", "approved"), ("slm_acme", "approved"), ("fin", "rejected")],
        C.IN_APPROVAL,
    ),
    "two customers: one manager is not enough": (
        ("acme", "globex"),
        [("owner", "approved"), ("slm_acme", "approved"), ("fin", "approved")],
        C.IN_APPROVAL,
    ),
    "two customers: both managers approve": (
        ("acme", "globex"),
        [("owner", "approved"), ("slm_acme", "approved"), ("slm_global", "approved"),
         ("fin", "approved")],
        C.APPROVED,
    ),
    "customer without own manager: the global one approves": (
        ("globex",), [("owner", "approved"), ("slm_global", "approved"), ("fin", "approved")],
        C.APPROVED,
    ),
    "no target customer: owner and financial manager": (
        (), [("owner", "approved"), ("fin", "approved")], C.APPROVED,
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("customers", "decisions", "expected"), APPROVAL_FLOWS.values(), ids=APPROVAL_FLOWS.keys()
)
def test_approval_flow(world, customers, decisions, expected):
    item = make_item(world, customers=customers)
    svc.catalog_item_submit(actor=world.sla_admin, item_id=item.pk)
    for who, decision in decisions:
        comment = "" if decision == "approved" else f"{who} is not happy"
        svc.catalog_item_decide(
            actor=world.who(who), item_id=item.pk, decision=decision, comment=comment
        )
    assert status_of(item) == expected


class TestDecisions:
    @pytest.fixture
    def submitted(self, world, draft):
        return svc.catalog_item_submit(actor=world.sla_admin, item_id=draft.pk)

    def test_the_administrators_are_told_of_each_decision(self, world, submitted):
        svc.catalog_item_decide(actor=world.owner, item_id=submitted.pk, decision="approved")
        (note,) = Notification.objects.filter(event="service_level.catalog_item.decided")
        assert note.recipient == world.sla_admin
        assert "approved" in note.title

    def test_adjust_journals_the_comment_and_the_next_submit_opens_round_two(
        self, world, submitted
    ):
        svc.catalog_item_decide(
            actor=world.slm_acme, item_id=submitted.pk, decision="adjust", comment="P1 in 2 h"
        )
        entry = JournalEntry.objects.filter(record_id=submitted.pk, kind="transition").last()
        assert (entry.old_value, entry.new_value) == ("in_approval", "draft")
        # The approver's comment is for the provider: an internal note beside the change.
        note = JournalEntry.objects.filter(record_id=submitted.pk, kind="work_note").last()
        assert (note.body, note.public) == ("P1 in 2 h", False)
        svc.catalog_item_update(
            actor=world.sla_admin,
            item_id=submitted.pk,
            data={},
            targets=[{"kind": "resolution", "priority": "1", "seconds": 7200}],
        )
        svc.catalog_item_submit(actor=world.sla_admin, item_id=submitted.pk)
        item = CatalogItem.objects.get(pk=submitted.pk)
        assert (item.status, item.approval_round) == (C.IN_APPROVAL, 2)
        # Round 1 approvals do not carry over: everyone signs the adjusted item again.
        for who in ("owner", "slm_acme", "fin"):
            svc.catalog_item_decide(actor=world.who(who), item_id=item.pk, decision="approved")
        assert status_of(item) == C.APPROVED
        assert CatalogApproval.objects.filter(catalog_item=item, round=2).count() == 4

    @pytest.mark.parametrize("decision", ["adjust", "rejected"])
    def test_adjust_or_reject_needs_a_comment(self, world, submitted, decision):
        with pytest.raises(ValidationError) as exc:
            svc.catalog_item_decide(actor=world.owner, item_id=submitted.pk, decision=decision)
        assert "comment" in exc.value.message_dict
        assert not CatalogApproval.objects.exclude(decision="pending").exists()

    def test_an_unknown_decision_is_refused(self, world, submitted):
        with pytest.raises(ValidationError):
            svc.catalog_item_decide(actor=world.owner, item_id=submitted.pk, decision="maybe")

    def test_after_a_rejection_nobody_can_approve_in_that_round(self, world, submitted):
        svc.catalog_item_decide(
            actor=world.fin, item_id=submitted.pk, decision="rejected", comment="Too cheap"
        )
        with pytest.raises(DomainError):
            svc.catalog_item_decide(actor=world.owner, item_id=submitted.pk, decision="approved")
        assert CatalogApproval.objects.get(approver=world.owner).decision == "pending"

    def test_rejected_then_failed_with_the_reason(self, world, submitted):
        svc.catalog_item_decide(
            actor=world.fin, item_id=submitted.pk, decision="rejected", comment="Too cheap"
        )
        svc.catalog_item_fail(
            actor=world.sla_admin, item_id=submitted.pk, reason="No agreement on the price."
        )
        item = CatalogItem.objects.get(pk=submitted.pk)
        assert (item.status, item.failure_reason) == (C.FAILED, "No agreement on the price.")

    def test_rejected_then_revised_goes_back_to_draft(self, world, submitted):
        svc.catalog_item_decide(
            actor=world.fin, item_id=submitted.pk, decision="rejected", comment="Too cheap"
        )
        svc.catalog_item_revise(actor=world.sla_admin, item_id=submitted.pk)
        assert status_of(submitted) == C.DRAFT

    def test_failing_needs_a_reason(self, world, submitted):
        with pytest.raises(ValidationError):
            svc.catalog_item_fail(actor=world.sla_admin, item_id=submitted.pk, reason="  ")
        assert status_of(submitted) == C.IN_APPROVAL

    def test_deciding_twice_is_refused(self, world, submitted):
        svc.catalog_item_decide(actor=world.owner, item_id=submitted.pk, decision="approved")
        with pytest.raises(DomainError):
            svc.catalog_item_decide(
                actor=world.owner, item_id=submitted.pk, decision="adjust", comment="Oops"
            )

    @pytest.mark.parametrize(
        ("who", "error"),
        [
            ("slm_global", PermissionDenied),  # a manager, but not of this item's customer
            ("other_owner", PermissionDenied),  # owner of another service
            ("sla_admin", PermissionDenied),  # prepares, does not approve
            ("analyst", PermissionDenied),
            ("rep_acme", PermissionDenied),
            ("requester_acme", PermissionDenied),
            ("no_role", PermissionDenied),
        ],
    )
    def test_only_pending_approvers_decide(self, world, submitted, who, error):
        with pytest.raises(error):
            svc.catalog_item_decide(actor=world.who(who), item_id=submitted.pk, decision="approved")
        assert not CatalogApproval.objects.exclude(decision="pending").exists()
        assert status_of(submitted) == C.IN_APPROVAL

    def test_deciding_on_a_draft_is_an_invalid_transition(self, world, draft):
        with pytest.raises(InvalidTransition):
            svc.catalog_item_decide(actor=world.owner, item_id=draft.pk, decision="approved")


# --- Publishing, discontinuing, and who may do each transition -------------------------------


def approved_item(world: World, **kwargs) -> CatalogItem:
    item = make_item(world, **kwargs)
    svc.catalog_item_submit(actor=world.sla_admin, item_id=item.pk)
    for who in ("owner", "slm_acme", "slm_global", "fin"):
        if CatalogApproval.objects.filter(
            catalog_item=item, approver=world.who(who), decision="pending"
        ).exists():
            svc.catalog_item_decide(actor=world.who(who), item_id=item.pk, decision="approved")
    assert status_of(item) == C.APPROVED
    return item


def published_item(world: World, **kwargs) -> CatalogItem:
    item = approved_item(world, **kwargs)
    return svc.catalog_item_publish(actor=world.sla_admin, item_id=item.pk)


class TestPublishAndDiscontinue:
    def test_publish_then_discontinue_keeps_the_item_on_record(self, world):
        item = published_item(world)
        assert item.status == C.PUBLISHED and item.published_at is not None
        svc.catalog_item_discontinue(actor=world.sla_admin, item_id=item.pk, reason="Replaced")
        item.refresh_from_db()
        assert item.status == C.DISCONTINUED and item.discontinued_at is not None
        assert CatalogItem.objects.filter(pk=item.pk).exists()

    def test_a_discontinued_item_cannot_come_back(self, world):
        item = published_item(world)
        svc.catalog_item_discontinue(actor=world.sla_admin, item_id=item.pk)
        for fn in (svc.catalog_item_publish, svc.catalog_item_revise):
            with pytest.raises(InvalidTransition):
                fn(actor=world.sla_admin, item_id=item.pk)


# (transition, status it starts from, extra arguments)
TRANSITIONS = {
    "submit": (svc.catalog_item_submit, C.DRAFT, {}),
    "publish": (svc.catalog_item_publish, C.APPROVED, {}),
    "fail": (svc.catalog_item_fail, C.IN_APPROVAL, {"reason": "No agreement"}),
    "revise": (svc.catalog_item_revise, C.IN_APPROVAL, {}),
    "discontinue": (svc.catalog_item_discontinue, C.PUBLISHED, {}),
}


def item_in(world: World, status: str) -> CatalogItem:
    if status == C.DRAFT:
        return make_item(world)
    if status == C.IN_APPROVAL:
        item = make_item(world)
        return svc.catalog_item_submit(actor=world.sla_admin, item_id=item.pk)
    if status == C.APPROVED:
        return approved_item(world)
    return published_item(world)


@pytest.mark.parametrize("name", TRANSITIONS)
@pytest.mark.parametrize(
    "who", ["owner", "slm_acme", "fin", "analyst", "rep_acme", "requester_acme", "no_role"]
)
def test_only_service_level_administrators_move_items(world, name, who):
    fn, start, extra = TRANSITIONS[name]
    item = item_in(world, start)
    journal_before = JournalEntry.objects.count()
    with pytest.raises(PermissionDenied):
        fn(actor=world.who(who), item_id=item.pk, **extra)
    assert status_of(item) == start
    assert JournalEntry.objects.count() == journal_before


@pytest.mark.parametrize("name", TRANSITIONS)
def test_transitions_from_the_wrong_status_are_refused(world, name):
    fn, start, extra = TRANSITIONS[name]
    wrong = C.PUBLISHED if start != C.PUBLISHED else C.DRAFT
    item = item_in(world, wrong)
    with pytest.raises(InvalidTransition):
        fn(actor=world.sla_admin, item_id=item.pk, **extra)
    assert status_of(item) == wrong


def test_a_system_administrator_may_move_items_too(world, admin_person):
    item = make_item(world)
    svc.catalog_item_submit(actor=admin_person, item_id=item.pk)
    assert status_of(item) == C.IN_APPROVAL
