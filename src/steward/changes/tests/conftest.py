"""Fixtures shared by the Change Management tests.

The cast (seed 003 ch. 3): the "E-mail" service (office hours Monday-Friday 08:00-17:00)
with its owner, change coordinator (limited to it), availability manager and capacity
manager; a change manager; a server group with a specialist, a release administrator; the
customer Acme with a requester and a customer representative and an active SLA on E-mail;
Globex with its own representative and SLA on E-mail too; an on-duty manager; the CMDB:
the E-mail service's CI runs on the server ``mail-01`` (impact flows to the service).

``make_change(**fields)`` registers a change through the service as the coordinator.
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from steward.changes.models import Change
from steward.changes.services.changes import change_register
from steward.configuration.services import cis as cmdb
from steward.core import numbering
from steward.core.models import Organisation
from steward.core.tests.factories import (
    BusinessCalendarFactory,
    SupportGroupFactory,
    customer_fixture,
    make_person,
    member_fixture,
    staff_fixture,
)
from steward.service_level.choices import AGREEMENT_PREFIX
from steward.service_level.models import Agreement, Service


def _active_service(name: str, provider: Organisation, calendar=None) -> Service:
    service = Service(name=name, status="active", provider=provider, service_hours=calendar)
    numbering.assign(service)
    service.save()
    return service


@pytest.fixture
def office_hours(db):
    """Monday to Friday 08:00-17:00 Europe/Amsterdam."""
    return BusinessCalendarFactory(name="Office hours")


@pytest.fixture
def service(db, provider, customer_org, other_customer_org, office_hours):
    service = _active_service("E-mail", provider, office_hours)
    service.customers.add(customer_org, other_customer_org)
    return service


@pytest.fixture
def other_service(db, provider):
    """Payroll: no service hours (24x7), no customers."""
    return _active_service("Payroll", provider)


@pytest.fixture
def service_owner(service, provider):
    person = make_person("service_owner", organisation=provider, scope=service, username="owner")
    Service.objects.filter(pk=service.pk).update(owner=person)
    service.owner = person
    return person


change_coordinator = staff_fixture(
    "change_coordinator", "change_coordinator", "changecoord", scope="service"
)
change_manager = staff_fixture("change_manager", "change_manager", "changemgr")
availability_manager = staff_fixture(
    "availability_manager", "availability_manager", "availmgr", scope="service"
)
capacity_manager = staff_fixture("capacity_manager", "capacity_manager", "capmgr", scope="service")
on_duty_manager = staff_fixture("on_duty_manager", "on_duty_manager", "onduty")
release_administrator = staff_fixture("release_administrator", "release_administrator", "relad")
config_admin = staff_fixture("config_admin", "configuration_administrator", "cfg")


@pytest.fixture
def server_group(db, provider):
    return SupportGroupFactory(name="Server team", organisation=provider)


specialist = member_fixture("specialist", "server_group", "specialist", "spec")
representative = customer_fixture(
    "representative", "customer_org", "customer_representative", "rep"
)
other_representative = customer_fixture(
    "other_representative", "other_customer_org", "customer_representative", "globex-rep"
)


def _sla(service: Service, customer: Organisation) -> Agreement:
    agreement = Agreement(
        kind="sla",
        name=f"{service.name} for {customer.name}",
        service=service,
        customer=customer,
        status="active",
        term_start=date(2020, 1, 1),
        signed_at=timezone.now() - timedelta(days=30),
    )
    numbering.assign(agreement, prefix=AGREEMENT_PREFIX["sla"])
    agreement.save()
    return agreement


@pytest.fixture
def sla(service, customer_org):
    """Acme's active SLA on E-mail."""
    return _sla(service, customer_org)


@pytest.fixture
def other_sla(service, other_customer_org):
    """Globex's active SLA on E-mail."""
    return _sla(service, other_customer_org)


@pytest.fixture
def cmdb_world(config_admin, service):
    """E-mail's CI runs on the server ``mail-01``; returns ``{"service_ci", "server"}``."""
    kind = cmdb.ci_class_create(
        actor=config_admin, name="Server", code="server", category="hardware"
    )
    app = cmdb.ci_class_create(
        actor=config_admin,
        name="Business service",
        code="bservice",
        category="service_infrastructure",
    )
    runs_on = cmdb.relationship_type_create(
        actor=config_admin, code="runs-on", name="runs on", reverse_name="hosts"
    )
    server = cmdb.ci_create(actor=config_admin, ci_class=kind, name="mail-01")
    service_ci = cmdb.ci_create(actor=config_admin, ci_class=app, name="E-mail service")
    type(service_ci).objects.filter(pk=service_ci.pk).update(service=service)
    service_ci.refresh_from_db()
    cmdb.relationship_rule_add(
        actor=config_admin, type_id=runs_on.pk, source_class_id=app.pk, target_class_id=kind.pk
    )
    cmdb.relationship_add(
        actor=config_admin, source_id=service_ci.pk, target_id=server.pk, type_id=runs_on.pk
    )
    return {"service_ci": service_ci, "server": server}


@pytest.fixture
def make_change(change_coordinator, service) -> Callable[..., Change]:
    """Register a change on E-mail as its change coordinator (fields override)."""

    def make(**fields: Any) -> Change:
        fields.setdefault("title", "Upgrade the mail server")
        fields.setdefault("service_id", service.pk)
        actor = fields.pop("actor", change_coordinator)
        return change_register(actor=actor, **fields)

    return make
