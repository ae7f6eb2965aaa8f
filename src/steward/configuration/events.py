"""Webhook events of Configuration Management (seed 003 ch. 4): the catalog entries.

Names follow ``core.events``: ``<app_label>.<record>.<verb>``; a status change's verb is
the new status.
"""

from steward.configuration.models import Contract, PurchaseRequisition
from steward.core.events import declare

declare("configuration.contract.created", model=Contract, description="A contract was registered.")
for _status, _text in [
    ("active", "came into force (or was renewed)"),
    ("expired", "expired"),
    ("terminated", "was terminated"),
]:
    declare(f"configuration.contract.{_status}", model=Contract, description=f"A contract {_text}.")

declare(
    "configuration.purchase_requisition.created",
    model=PurchaseRequisition,
    description="A purchase requisition was drafted (proc. 1).",
)
for _status, _text in [
    ("draft", "went back to draft"),
    ("pricing", "was sent to purchasing for prices"),
    ("in_approval", "was submitted for approval"),
    ("approved", "was approved"),
    ("rejected", "was rejected"),
    ("ordered", "was ordered from the supplier"),
    ("delivery_incomplete", "was delivered in part (proc. 3)"),
    ("delivered", "was delivered in full"),
    ("registered", "had its delivered items registered in the CMDB"),
    ("cancelled", "was cancelled"),
]:
    declare(
        f"configuration.purchase_requisition.{_status}",
        model=PurchaseRequisition,
        description=f"A purchase requisition {_text}.",
    )
