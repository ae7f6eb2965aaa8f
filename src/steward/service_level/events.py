"""Webhook events of Service Level Management (seed 003 ch. 11): the catalog entries.

Names follow ``core.events``: ``<app_label>.<record>.<verb>``; a status change's verb is
the new status.
"""

from steward.core.events import declare_many
from steward.core.models import Organisation
from steward.service_level.models import Agreement, CatalogItem, Service, SlaReview

# Services (the service catalogue's records).
declare_many(
    Service,
    {
        "created": "A service was registered.",
        "changed": "A service's support groups or CI links changed (`data.fields`).",
        "active": "A service went live or came back into use.",
        "discontinued": "A service was discontinued.",
        "outage_recorded": "An outage of the service was recorded (proc. 3).",
    },
)
# Catalog items (proc. 1 and 4): created, each status reached, each approver's decision.
declare_many(
    CatalogItem,
    {
        "created": "A catalog item was drafted.",
        "draft": "A catalog item went back to draft for adjustment.",
        "in_approval": "A catalog item was submitted for approval.",
        "approved": "A catalog item was approved by every approver.",
        "published": "A catalog item was published in the service catalog.",
        "failed": "A catalog item failed: the approvers did not agree.",
        "discontinued": "A catalog item was discontinued.",
        "decided": "An approver approved or rejected a catalog item (`data.decision`).",
    },
)
# Agreements (proc. 2 and 4).
declare_many(
    Agreement,
    {
        "created": "An agreement was prepared for signature.",
        "draft": "An agreement went back to draft.",
        "active": "An agreement was signed by every party and is in force.",
        "not_signed": "An agreement was declined by a party.",
        "discontinued": "An agreement was terminated.",
    },
)
# SLA reviews (proc. 5).
declare_many(
    SlaReview,
    {"closed": "An SLA review's minutes were distributed and the review closed."},
)
# Customers are organisations (core's record).
declare_many(
    Organisation,
    {"contacts_changed": "A customer's representatives or service level managers changed."},
)
