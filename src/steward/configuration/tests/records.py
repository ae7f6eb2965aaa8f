"""Configuration records made through the services as ``actor``, each with names of its own:
the makers the access matrix and the optimistic-concurrency matrix share."""

import datetime as dt
from typing import Any

from steward.configuration.models import (
    CIClass,
    ConfigurationItem,
    Contract,
    PurchaseRequisition,
    Relationship,
)
from steward.configuration.services import cis as cmdb
from steward.configuration.services import contracts, suppliers
from steward.configuration.services import requisitions as purchasing
from steward.core.models import Organisation, Person
from steward.core.testing.matrix import unique


def ci_class(actor: Person) -> CIClass:
    n = unique()
    return cmdb.ci_class_create(
        actor=actor, name=f"Server {n}", code=f"server-{n}", category="hardware"
    )


def ci(actor: Person) -> ConfigurationItem:
    return cmdb.ci_create(actor=actor, ci_class=ci_class(actor), name=f"host-{unique()}")


def relationship_ends(actor: Person) -> dict[str, int]:
    """Two CIs and a relationship type a rule allows between them."""
    source, target = ci(actor), ci(actor)
    n = unique()
    kind = cmdb.relationship_type_create(
        actor=actor, code=f"feeds-{n}", name="feeds", reverse_name="is fed by"
    )
    cmdb.relationship_rule_add(
        actor=actor, type_id=kind.pk,
        source_class_id=source.ci_class_id, target_class_id=target.ci_class_id,
    )  # fmt: skip
    return {"source": source.pk, "target": target.pk, "type": kind.pk}


def relationship(actor: Person) -> Relationship:
    ends = relationship_ends(actor)
    return cmdb.relationship_add(
        actor=actor, source_id=ends["source"], target_id=ends["target"], type_id=ends["type"]
    )


def supplier(actor: Person) -> Organisation:
    """A supplier with contact details: requisitions may be submitted to it."""
    return suppliers.supplier_register(
        actor=actor, name=f"Supplier {unique()}", email="sales@example.com"
    )


def contract(actor: Person) -> Contract:
    return contracts.contract_register(
        actor=actor, title=f"Support {unique()}", kind="support", supplier=supplier(actor),
        starts_on=dt.date(2026, 1, 1),
    )  # fmt: skip


def requisition(actor: Person, change_coordinator: Person, **kwargs: Any) -> PurchaseRequisition:
    return purchasing.requisition_create(
        actor=actor, title=f"Laptops {unique()}",
        lines=[{"description": "Laptop", "quantity": 2}],
        change_coordinator=change_coordinator, **kwargs,
    )  # fmt: skip
