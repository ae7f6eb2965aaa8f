"""Fixtures shared by the Problem Management tests.

The cast (seed 003 ch. 9): the "E-mail" service (office hours) with its problem
coordinator (limited to it) and change coordinator; a server group with two specialists;
a service desk analyst; the customer Acme with a requester. ``make_incident(**fields)``
registers an incident request on E-mail through the service; ``make_problem(**fields)``
registers a problem investigation as the problem coordinator.
"""

from collections.abc import Callable
from typing import Any

import pytest

from steward.core import numbering
from steward.core.models import Organisation
from steward.core.tests.factories import (
    BusinessCalendarFactory,
    SupportGroupFactory,
    customer_fixture,
    member_fixture,
    staff_fixture,
)
from steward.problems.models import ProblemInvestigation
from steward.problems.services.problems import problem_register
from steward.service_level.models import Service


def _active_service(name: str, provider: Organisation, calendar=None) -> Service:
    service = Service(name=name, status="active", provider=provider, service_hours=calendar)
    numbering.assign(service)
    service.save()
    return service


@pytest.fixture
def service(db, provider, customer_org):
    service = _active_service("E-mail", provider, BusinessCalendarFactory(name="Office hours"))
    service.customers.add(customer_org)
    return service


@pytest.fixture
def other_service(db, provider):
    """Payroll: another service, with no problem coordinator of its own."""
    return _active_service("Payroll", provider)


problem_coordinator = staff_fixture(
    "problem_coordinator", "problem_coordinator", "probcoord", scope="service"
)
other_coordinator = staff_fixture(
    "other_coordinator", "problem_coordinator", "payrollcoord", scope="other_service"
)
change_coordinator = staff_fixture(
    "change_coordinator", "change_coordinator", "changecoord", scope="service"
)


@pytest.fixture
def server_group(db, provider):
    return SupportGroupFactory(name="Server team", organisation=provider)


specialist = member_fixture("specialist", "server_group", "specialist", "spec")
other_specialist = member_fixture("other_specialist", "server_group", "specialist", "spec2")
representative = customer_fixture(
    "representative", "customer_org", "customer_representative", "rep"
)


@pytest.fixture
def make_incident(analyst, service, requester) -> Callable[..., Any]:
    """Register an incident request on E-mail as the service desk analyst."""
    from steward.incidents.services.registration import incident_register

    def make(**fields: Any) -> Any:
        fields.setdefault("title", "Mail does not arrive")
        fields.setdefault("service", service)
        fields.setdefault("requester", requester)
        actor = fields.pop("actor", analyst)
        return incident_register(actor=actor, **fields)

    return make


@pytest.fixture
def make_problem(problem_coordinator, service) -> Callable[..., ProblemInvestigation]:
    """Register a problem investigation on E-mail as its problem coordinator."""

    def make(**fields: Any) -> ProblemInvestigation:
        fields.setdefault("title", "Mail queue stalls every Monday")
        fields.setdefault("service_id", service.pk)
        actor = fields.pop("actor", problem_coordinator)
        return problem_register(actor=actor, **fields)

    return make
