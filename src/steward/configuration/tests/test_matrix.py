"""The generated access and write matrix (core/testing/matrix.py) for configuration items,
relationships, suppliers, contracts and purchase requisitions."""

from steward.configuration.models import (
    ConfigurationItem,
    Contract,
    PurchaseRequisition,
    Relationship,
)
from steward.configuration.services import contracts
from steward.configuration.services import requisitions as purchasing
from steward.configuration.tests import records
from steward.core.models import Organisation
from steward.core.testing.matrix import (
    Case,
    Create,
    MatrixTests,
    Pages,
    Step,
    Update,
    World,
    as_admin,
)

ci = as_admin(records.ci)
relationship = as_admin(records.relationship)
supplier = as_admin(records.supplier)
contract = as_admin(records.contract)


def terminated(world: World) -> Contract:
    record = contract(world)
    return contracts.contract_terminate(actor=world.admin, contract_id=record.pk, reason="Ended.")


def requisition(world: World) -> PurchaseRequisition:
    return records.requisition(
        world.admin, world.actor("change_coordinator"), suppliers=[supplier(world)]
    )


def submitted(world: World) -> PurchaseRequisition:
    record = requisition(world)
    return purchasing.requisition_submit(actor=world.admin, requisition_id=record.pk)


# Contracts and requisitions carry money: those who manage it read them, the service desk
# does not.
MONEY = ("admin", "financial_manager", "purchasing_agent")

# The CMDB is the provider's: customer-side people have no reason to read it.
CI = Case(
    "configuration item",
    ConfigurationItem,
    ci,
    api="ci",
    sees=("analyst", "specialist", "admin"),
    refused=("requester", "representative"),
    create=Create(
        lambda world: {"ci_class": records.ci_class(world.admin).pk, "name": "mail-01"},
        blank="name",
    ),
    update=Update({"location": "Rack 4"}, denied="specialist"),
    steps=(Step("verify", ci),),
    pages=Pages("configuration:ci", sees=("analyst", "admin"), shown_as="name"),
)

RELATIONSHIP = Case(
    "relationship",
    Relationship,
    relationship,
    api="cirelationship",
    sees=("analyst", "admin"),
    refused=("requester",),
    create=Create(as_admin(records.relationship_ends), missing="type"),
    # Ending an ended relationship is a 400 naming it, not a 409: no wrong_state here.
    steps=(Step("end", relationship),),
)

SUPPLIER = Case(
    "supplier",
    Organisation,
    supplier,
    api="supplier",
    sees=("analyst", "admin", "purchasing_agent"),
    refused=("requester",),
    create=Create({"name": "Dell"}, blank="name"),
    update=Update({"notes": "Next-day delivery."}, by="purchasing_agent"),
    pages=Pages(
        "configuration:supplier",
        sees=("analyst", "purchasing_agent"),
        form={"name": "Dell"},
        shown_as="name",
    ),
)

CONTRACT = Case(
    "contract",
    Contract,
    contract,
    api="contract",
    sees=MONEY,
    refused=("analyst", "requester"),
    create=Create(
        lambda world: {
            "title": "Printer support",
            "kind": "support",
            "supplier": supplier(world).pk,
            "starts_on": "2026-01-01",
        },
        missing="starts_on",
        denied="financial_manager",
    ),
    update=Update({"description": "Next business day, on site."}, denied="financial_manager"),
    steps=(
        Step(
            "terminate",
            contract,
            denied="purchasing_agent",
            status="terminated",
            payload={"reason": "Supplier went bankrupt."},
            wrong_state=terminated,
        ),
    ),
    pages=Pages(
        "configuration:contract",
        sees=("admin", "financial_manager"),
        refused=("analyst",),
        shown_as="title",
    ),
)

REQUISITION = Case(
    "purchase requisition",
    PurchaseRequisition,
    requisition,
    api="purchaserequisition",
    sees=MONEY,
    refused=("analyst", "requester"),
    create=Create(
        {"title": "Laptops for new hires", "lines": [{"description": "Laptop", "quantity": 3}]},
        blank="lines",
        denied="financial_manager",
    ),
    update=Update({"justification": "Three people start in January."}, denied="financial_manager"),
    steps=(
        Step(
            "submit",
            requisition,
            denied="financial_manager",
            status="pricing",
            wrong_state=submitted,
        ),
    ),
    pages=Pages(
        "configuration:requisition", sees=("admin", "purchasing_agent"), refused=("analyst",)
    ),
)


class TestConfigurationMatrix(MatrixTests):
    cases = [CI, RELATIONSHIP, SUPPLIER, CONTRACT, REQUISITION]
