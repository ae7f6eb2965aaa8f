"""Fixtures shared by the CMDB tests: the people who act and a small class tree; the people,
suppliers and requisition of the purchasing flow (``requisition_flow``)."""

import datetime as dt
from decimal import Decimal

import pytest

from steward.configuration.services import cis as services
from steward.configuration.services import requisitions as svc
from steward.configuration.tests.requisition_flow import Flow
from steward.core.tests.factories import OrganisationFactory, staff_fixture

config_admin = staff_fixture("config_admin", "configuration_administrator", "cfg")
specialist = staff_fixture("specialist", "specialist", "spec")


@pytest.fixture
def server(config_admin):
    cls = services.ci_class_create(
        actor=config_admin, name="Server", code="server", category="hardware"
    )
    services.attribute_define(
        actor=config_admin, ci_class_id=cls.pk, key="ram_gb", label="RAM", type="integer",
        mandatory=True,
    )  # fmt: skip
    return cls


@pytest.fixture
def runs_on(config_admin):
    return services.relationship_type_create(
        actor=config_admin, code="runs-on", name="runs on", reverse_name="hosts"
    )


# --- Purchasing: people, suppliers and a requisition ------------------------------------------

agent = staff_fixture("agent", "purchasing_agent", "agent")
fin = staff_fixture("fin", "financial_manager", "fin")
controller = staff_fixture("controller", "it_controller", "ctrl")
director = staff_fixture("director", "it_director", "director")
coordinator = staff_fixture("coordinator", "change_coordinator", "coord")


@pytest.fixture
def dell(db):
    return OrganisationFactory(
        kind="supplier", name="Dell", code="dell", email="sales@dell.example"
    )


@pytest.fixture
def hp(db):
    return OrganisationFactory(kind="supplier", name="HP", code="hp", phone="+31 20 555 0101")


@pytest.fixture
def silent_supplier(db):
    """A supplier without any registered contact details."""
    return OrganisationFactory(kind="supplier", name="Nobody Ltd", code="nobody")


@pytest.fixture
def requisition(config_admin, coordinator, dell, hp, server):
    return svc.requisition_create(
        actor=config_admin,
        title="Two database servers",
        task_reference="CHG000042",
        change_coordinator=coordinator,
        suppliers=[dell, hp],
        needed_by=dt.date.today() + dt.timedelta(days=30),
        lines=[
            {"description": "PowerEdge R760", "quantity": 2, "ci_class": server},
            {"description": "Rack rails", "quantity": 1, "unit_price": Decimal("80.00")},
        ],
    )


@pytest.fixture
def flow(requisition, config_admin, agent, fin, controller, dell, server):
    return Flow(requisition, config_admin, agent, fin, controller, dell, server)
