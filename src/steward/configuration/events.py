"""Webhook events of Configuration Management (seed 003 ch. 4): the catalog entries.

Names follow ``core.events``: ``<app_label>.<record>.<verb>``; a status change's verb is
the new status.
"""

from steward.configuration.models import Contract, PurchaseRequisition
from steward.core.events import declare_many

declare_many(
    Contract,
    {
        "created": "A contract was registered.",
        "active": "A contract came into force (or was renewed).",
        "expired": "A contract expired.",
        "terminated": "A contract was terminated.",
    },
)
# Procedures 1 and 3.
declare_many(
    PurchaseRequisition,
    {
        "created": "A purchase requisition was drafted (proc. 1).",
        "draft": "A purchase requisition went back to draft.",
        "pricing": "A purchase requisition was sent to purchasing for prices.",
        "in_approval": "A purchase requisition was submitted for approval.",
        "approved": "A purchase requisition was approved.",
        "rejected": "A purchase requisition was rejected.",
        "ordered": "A purchase requisition was ordered from the supplier.",
        "delivery_incomplete": "A purchase requisition was delivered in part (proc. 3).",
        "delivered": "A purchase requisition was delivered in full.",
        "registered": "A purchase requisition had its delivered items registered in the CMDB.",
        "cancelled": "A purchase requisition was cancelled.",
    },
)
