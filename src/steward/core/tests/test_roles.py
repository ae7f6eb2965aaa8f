"""Role lookups (core/roles.py): who holds a role, everywhere or in a scope."""

import pytest

from steward.core import roles
from steward.core.choices import Role
from steward.core.tests.factories import (
    PersonFactory,
    SupportGroupFactory,
    add_member,
    give_role,
)

pytestmark = pytest.mark.django_db


def test_holders_everywhere_in_a_scope_and_anywhere(customer_org, other_customer_org):
    everywhere, scoped, elsewhere, gone = PersonFactory.create_batch(4)
    give_role(everywhere, Role.SERVICE_LEVEL_MANAGER)
    give_role(scoped, Role.SERVICE_LEVEL_MANAGER, customer_org)
    give_role(elsewhere, Role.SERVICE_LEVEL_MANAGER, other_customer_org)
    give_role(gone, Role.SERVICE_LEVEL_MANAGER)
    gone.is_active = False
    gone.save()
    assert roles.holders(Role.SERVICE_LEVEL_MANAGER) == [everywhere]
    assert roles.holders(Role.SERVICE_LEVEL_MANAGER, customer_org) == [scoped]
    assert roles.holders(Role.SERVICE_LEVEL_MANAGER, anywhere=True) == [
        everywhere,
        scoped,
        elsewhere,
    ]
    assert roles.holders([Role.SERVICE_LEVEL_MANAGER, Role.OPERATIONS_MANAGER]) == [everywhere]


def test_holds_in_scope_or_everywhere(customer_org, other_customer_org):
    person, manager = PersonFactory.create_batch(2)
    give_role(person, Role.CUSTOMER_REPRESENTATIVE, customer_org)
    give_role(manager, Role.SERVICE_LEVEL_MANAGER)
    assert roles.holds(person, Role.CUSTOMER_REPRESENTATIVE, customer_org)
    assert not roles.holds(person, Role.CUSTOMER_REPRESENTATIVE, other_customer_org)
    assert not roles.holds(person, Role.CUSTOMER_REPRESENTATIVE)
    assert not roles.holds(manager, Role.SERVICE_LEVEL_MANAGER, customer_org)
    assert roles.holds(manager, Role.SERVICE_LEVEL_MANAGER, customer_org, or_everywhere=True)
    assert roles.holds(manager, Role.SERVICE_LEVEL_MANAGER)


def test_representation(customer_org, other_customer_org):
    person = PersonFactory()
    give_role(person, Role.CUSTOMER_REPRESENTATIVE, customer_org)
    assert roles.represented_organisations(person) == {customer_org.pk}
    assert roles.represents(person, customer_org.pk)
    assert not roles.represents(person, other_customer_org.pk)
    assert not roles.represents(person, None)


def test_desk_and_coordinators(analyst, provider, no_role_person):
    desk = SupportGroupFactory(organisation=provider)
    coordinator = PersonFactory()
    group = SupportGroupFactory(organisation=provider)
    give_role(coordinator, Role.GROUP_COORDINATOR, group)
    assert roles.is_desk(analyst) and not roles.is_desk(no_role_person)
    assert roles.desk_people(desk) == [analyst]  # an empty desk group: the analysts
    add_member(desk, coordinator)
    assert roles.desk_people(desk) == [coordinator]
    assert roles.group_coordinators(group) == [coordinator]
    assert roles.group_coordinators(None) == []
