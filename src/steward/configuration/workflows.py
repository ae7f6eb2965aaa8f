"""Status transition tables of Configuration Management (seed 003 ch. 4)."""

from steward.configuration.choices import ContractStatus, RequisitionStatus
from steward.core.workflows import Workflow

C, R = ContractStatus, RequisitionStatus

# Procedure 1 (draft -> pricing -> approval -> approved/rejected -> ordered) and
# procedure 3 (delivery checked: incomplete until the rest arrives; delivered CIs are
# registered). Rejected ends the requisition: the task goes on to procedure 4.
REQUISITION = Workflow.build(
    "purchase requisition",
    {
        R.DRAFT: {R.PRICING, R.CANCELLED},
        R.PRICING: {R.IN_APPROVAL, R.DRAFT, R.CANCELLED},
        R.IN_APPROVAL: {R.APPROVED, R.REJECTED},
        R.APPROVED: {R.ORDERED, R.CANCELLED},
        R.ORDERED: {R.DELIVERY_INCOMPLETE, R.DELIVERED},
        R.DELIVERY_INCOMPLETE: {R.DELIVERY_INCOMPLETE, R.DELIVERED},
        R.DELIVERED: {R.REGISTERED},
        R.REJECTED: set(),
        R.REGISTERED: set(),
        R.CANCELLED: set(),
    },
)

# Procedure 5.
CONTRACT = Workflow.build(
    "contract",
    {
        C.DRAFT: {C.ACTIVE, C.TERMINATED},
        C.ACTIVE: {C.EXPIRED, C.TERMINATED},
        C.EXPIRED: {C.ACTIVE},
        C.TERMINATED: set(),
    },
)
