"""Who may set which field of Service Level Management's writes, and who reads their free
text (``steward.core.fields``; seed 003 ch. 11).

Services, the catalog, agreements and reviews are prepared by the provider. Customer-side
people act in one place: a customer representative signs (or declines) an SLA of their
organisation, for themselves. Some staff text is written for the customer on purpose (a
published catalog item, an SLA and its termination, the review minutes and the owner's
explanation of a violation): its help text says so; the rest is internal.
"""

from steward.core.fields import CUSTOMER, INTERNAL, PUBLISHED, Inputs, anyone, staff, staff_inputs

SERVICE_CUSTOMERS = "Seen by the customers subscribed to the service too."
_INTERNAL = staff(audience=INTERNAL)

# Business services (proc. 2) and their outages.
SERVICE = staff_inputs(
    "business service", "name", "owner", "service_hours", "provider", "customers",
    "supporting_services", description=staff(audience=SERVICE_CUSTOMERS),
)  # fmt: skip
SERVICE_STATUS = staff_inputs("service status", "status", reason=_INTERNAL)
OUTAGE = staff_inputs(
    "outage", "service", "started_at", "ended_at", "degraded", "planned",
    source_reference=staff(audience=SERVICE_CUSTOMERS),
    description=staff(audience=SERVICE_CUSTOMERS),
)  # fmt: skip

# The catalog (proc. 1): what customers browse once published; approvals are internal.
_PUBLISHED = staff(audience=PUBLISHED)
CATALOG_ITEM = staff_inputs(
    "catalog item", "service", "name", "template", "copy_of", "visibility", "customer",
    "target_customers", "category", "charge", "charge_unit", "targets",
    summary=_PUBLISHED, description=_PUBLISHED, request_instructions=_PUBLISHED,
)  # fmt: skip
CATALOG_TEMPLATE = staff_inputs(
    "catalog item template", "name", "default_targets", "is_active",
    summary=_INTERNAL, description=_INTERNAL,
)  # fmt: skip
# Request types of catalog items (issue 13): their name, description, questions and help
# are what requesters read in the catalog.
REQUEST_TYPE = staff_inputs(
    "request type", "name", "position", "is_active", "creates_change_request",
    description=_PUBLISHED,
)  # fmt: skip
REQUEST_FIELD = staff_inputs(
    "request type question", "kind", "required", "label", "help", "options"
)  # fmt: skip
CATALOG_DECISION = staff_inputs("catalog decision", "decision", comment=_INTERNAL)
CATALOG_FAIL = staff_inputs("catalog item failure", reason=_INTERNAL)
CATALOG_DISCONTINUE = staff_inputs("catalog item discontinuation", reason=_INTERNAL)
TARGET = staff_inputs(
    "service level target", "kind", "priority", "target_seconds", "target_percent",
    "target_count", "warning_percent", "agreement", "catalog_item", "hours",
    description=staff(audience=CUSTOMER),
)  # fmt: skip

# Agreements (proc. 2, 4): the parties read what is written on them.
AGREEMENT = staff_inputs(
    "agreement", "name", "catalog_item", "term_start", "term_end", "evaluation_months", "kind",
    "service", "customer", "support_group", "supplier", "targets",
    description=staff(audience=CUSTOMER),
)  # fmt: skip
AGREEMENT_TERMINATE = staff_inputs("agreement termination", reason=staff(audience=CUSTOMER))
SIGN = Inputs(
    "signature",
    role=anyone(),
    signed=anyone(),
    comment=anyone(audience="Seen by every party of the agreement, the customer's too."),
    person=staff(
        "service_level.agreement.change",
        why="Only the administrators record a signature given on paper.",
    ),
)

# Customers (proc. 3) and SLA reviews (proc. 5).
CUSTOMER_ORGANISATION = staff_inputs(
    "customer", "name", "code", "email", "phone", "website", "is_active",
    address=staff(audience="Seen by the customer's own people too."),
    notes=staff(audience="Internal: seen by staff only (not by the customer's own people)."),
)  # fmt: skip
CONTACTS = staff_inputs("customer contacts", "representatives", "service_level_managers")
REVIEW_SCHEDULE = staff_inputs("review", "customer", "term_start", "term_end", "meeting_at")
REVIEW_MEETING = staff_inputs(
    "review meeting", "request_references",
    minutes=staff(audience=CUSTOMER), improvement_suggestions=staff(audience=CUSTOMER),
)  # fmt: skip
REVIEW_SUGGESTIONS = REVIEW_MEETING("review suggestions", minutes=None, request_references=None)
VIOLATION = staff_inputs(
    "violation explanation",
    explanation=staff(audience=CUSTOMER),
    remedy=staff(audience=CUSTOMER),
)
