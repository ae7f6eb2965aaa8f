"""Status transition tables of Service Level Management (seed 003 ch. 11)."""

from steward.core.workflows import Workflow
from steward.service_level.choices import (
    AgreementStatus,
    CatalogItemStatus,
    ReviewStatus,
    ServiceStatus,
)

A, C, R, S = AgreementStatus, CatalogItemStatus, ReviewStatus, ServiceStatus

SERVICE = Workflow.build(
    "service",
    {
        S.IN_DESIGN: {S.ACTIVE, S.DISCONTINUED},
        S.ACTIVE: {S.DISCONTINUED},
        S.DISCONTINUED: {S.ACTIVE},
    },
)

# Proc. 1: draft -> in approval -> (adjust: back to draft) -> approved -> published;
# no agreement among the approvers -> failed (proc. 4); published -> discontinued.
CATALOG_ITEM = Workflow.build(
    "catalog item",
    {
        C.DRAFT: {C.IN_APPROVAL, C.FAILED},
        C.IN_APPROVAL: {C.DRAFT, C.APPROVED, C.FAILED},
        C.APPROVED: {C.PUBLISHED, C.DRAFT},
        C.PUBLISHED: {C.DISCONTINUED},
        C.FAILED: {C.DRAFT},
        C.DISCONTINUED: set(),
    },
)

# Proc. 2 and 4: signed by all parties -> active; a party declines -> not signed;
# terminated -> discontinued.
AGREEMENT = Workflow.build(
    "agreement",
    {
        A.DRAFT: {A.ACTIVE, A.NOT_SIGNED},
        A.NOT_SIGNED: {A.DRAFT},
        A.ACTIVE: {A.DISCONTINUED},
        A.DISCONTINUED: set(),
    },
)

# Proc. 5.
REVIEW = Workflow.build(
    "SLA review",
    {
        R.SCHEDULED: {R.REPORTED},
        R.REPORTED: {R.REPORTED, R.HELD},
        R.HELD: {R.CLOSED},
        R.CLOSED: set(),
    },
)
