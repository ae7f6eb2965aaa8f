"""Webhook events of Service Level Management (seed 003 ch. 11): the catalog entries.

Names follow ``core.events``: ``<app_label>.<record>.<verb>``; a status change's verb is
the new status.
"""

from steward.core.events import declare
from steward.core.models import Organisation
from steward.service_level.models import Agreement, CatalogItem, Service, SlaReview

# Services (the service catalogue's records).
declare("service_level.service.created", model=Service, description="A service was registered.")
declare(
    "service_level.service.changed",
    model=Service,
    description="A service's support groups or CI links changed (`data.field`, old, new).",
)
declare(
    "service_level.service.active",
    model=Service,
    description="A service went live or came back into use.",
)
declare(
    "service_level.service.discontinued",
    model=Service,
    description="A service was discontinued.",
)
declare(
    "service_level.service.outage_recorded",
    model=Service,
    description="An outage of the service was recorded (proc. 3).",
)

# Catalog items (proc. 1 and 4): created, each status reached, each approver's decision.
declare(
    "service_level.catalog_item.created",
    model=CatalogItem,
    description="A catalog item was drafted.",
)
for _status, _text in [
    ("draft", "went back to draft for adjustment"),
    ("in_approval", "was submitted for approval"),
    ("approved", "was approved by every approver"),
    ("published", "was published in the service catalog"),
    ("failed", "failed: the approvers did not agree"),
    ("discontinued", "was discontinued"),
]:
    declare(
        f"service_level.catalog_item.{_status}",
        model=CatalogItem,
        description=f"A catalog item {_text}.",
    )
declare(
    "service_level.catalog_item.decided",
    model=CatalogItem,
    description="An approver approved or rejected a catalog item (`data.decision`).",
)

# Agreements (proc. 2 and 4).
declare(
    "service_level.agreement.created",
    model=Agreement,
    description="An agreement was prepared for signature.",
)
for _status, _text in [
    ("draft", "went back to draft"),
    ("active", "was signed by every party and is in force"),
    ("not_signed", "was declined by a party"),
    ("discontinued", "was terminated"),
]:
    declare(
        f"service_level.agreement.{_status}",
        model=Agreement,
        description=f"An agreement {_text}.",
    )

# SLA reviews (proc. 5).
declare(
    "service_level.sla_review.closed",
    model=SlaReview,
    description="An SLA review's minutes were distributed and the review closed.",
)

# Customers are organisations (core's record).
declare(
    "core.organisation.contacts_changed",
    model=Organisation,
    description="A customer's representatives or service level managers changed.",
)
