"""Customer Information Maintenance (seed 003 ch. 11 proc. 3): the customer's
representatives and service level managers, and what those roles then allow."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.core import permissions
from steward.core.models import RoleAssignment
from steward.core.tests.factories import make_person
from steward.service_level.services import agreements as agreement_svc
from steward.service_level.services import customers as svc
from steward.service_level.tests.test_catalog import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


def contacts(world: World, org) -> dict[str, list[str]]:
    found = svc.customer_contacts(org)
    return {key: [p.username for p in people] for key, people in found.items()}


def test_setting_contacts_gives_scoped_roles_and_replaces_the_old_ones(world):
    new_rep = make_person(organisation=world.acme, username="new-rep")
    svc.customer_set_contacts(
        actor=world.sla_admin,
        organisation_id=world.acme.pk,
        representatives=[new_rep.pk],
        service_level_managers=[world.slm_global.pk],
    )
    assert contacts(world, world.acme) == {
        "representatives": ["new-rep"],
        "service_level_managers": ["slm"],
    }
    # The old representative and manager of Acme lost those roles for Acme.
    assert not RoleAssignment.objects.filter(person=world.rep_acme).exists()
    assert not RoleAssignment.objects.filter(person=world.slm_acme).exists()


def test_the_new_representative_may_sign_the_customers_sla(world):
    new_rep = make_person(organisation=world.acme, username="new-rep")
    svc.customer_set_contacts(
        actor=world.sla_admin, organisation_id=world.acme.pk,
        representatives=[new_rep.pk], service_level_managers=[],
    )  # fmt: skip
    agreement = agreement_svc.agreement_create(
        actor=world.sla_admin, kind="sla", service=world.service, customer=world.acme,
        name="SLA", term_start=dt.date(2025, 1, 1),
    )  # fmt: skip
    assert permissions.has(new_rep, "service_level.agreement.sign", agreement)
    assert not permissions.has(world.rep_acme, "service_level.agreement.sign", agreement)
    agreement_svc.agreement_sign(
        actor=new_rep, agreement_id=agreement.pk, role="customer_representative", signed=True
    )


@pytest.mark.parametrize(
    ("field", "who"),
    [
        ("representatives", "rep_globex"),  # works for another customer
        ("representatives", "owner"),  # provider staff
        ("service_level_managers", "requester_acme"),  # customer staff
    ],
)
def test_contacts_must_fit_their_role(world, field, who):
    ids = {"representatives": [], "service_level_managers": []}
    ids[field] = [world.who(who).pk]
    with pytest.raises(ValidationError) as exc:
        svc.customer_set_contacts(actor=world.sla_admin, organisation_id=world.acme.pk, **ids)
    assert field in exc.value.message_dict
    assert contacts(world, world.acme) == {
        "representatives": ["rep-acme"],
        "service_level_managers": ["slm-acme"],
    }


def test_unknown_people_are_refused(world):
    with pytest.raises(ValidationError) as exc:
        svc.customer_set_contacts(
            actor=world.sla_admin, organisation_id=world.acme.pk,
            representatives=[999999], service_level_managers=[],
        )  # fmt: skip
    assert exc.value.message_dict == {"representatives": ["Unknown person 999999."]}


def test_only_customers_have_contacts(world):
    with pytest.raises(ValidationError):
        svc.customer_set_contacts(
            actor=world.sla_admin, organisation_id=world.supplier.pk,
            representatives=[], service_level_managers=[],
        )  # fmt: skip


@pytest.mark.parametrize(
    "who", ["owner", "slm_global", "rep_acme", "requester_acme", "analyst", "no_role"]
)
def test_only_service_level_and_system_administrators_maintain_contacts(world, who):
    before = RoleAssignment.objects.count()
    with pytest.raises(PermissionDenied):
        svc.customer_set_contacts(
            actor=world.who(who), organisation_id=world.acme.pk,
            representatives=[], service_level_managers=[],
        )  # fmt: skip
    assert RoleAssignment.objects.count() == before
