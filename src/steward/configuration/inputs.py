"""Who may set which field of Configuration Management's writes (``steward.core.fields``).

The CMDB, suppliers, contracts and purchase requisitions are the provider's own records:
customer-side people cannot see them at all, so every field is for staff holding the
area's right (checked on the whole write by the services), and all free text is internal.
"""

from steward.core.fields import INTERNAL, staff, staff_inputs

_TEXT = staff(audience=INTERNAL)

# Procedures 3 and 4: CI classes, CIs and relationships.
CI_CLASS = staff_inputs("CI class", "name", "code", "category", "parent", description=_TEXT)
ATTRIBUTE = staff_inputs(
    "attribute definition", "key", "label", "type", "mandatory", "choices", "help_text", "order"
)
CI = staff_inputs(
    "configuration item", "ci_class", "name", "status", "owner", "support_group",
    "serial_number", "version", "location", "attributes", "service", "cause", "change", "attr__*",
    description=_TEXT,
)  # fmt: skip
CI_CLASS_CHOICE = staff_inputs("CI class choice", "ci_class")
RELATIONSHIP_TYPE = staff_inputs(
    "relationship type", "code", "name", "reverse_name", "impact_flows_to_source"
)
RELATIONSHIP = staff_inputs(
    "relationship", "source", "target", "type", "cause", "change", "direction", "other"
)
RELATIONSHIP_END = staff_inputs("end of a relationship", "cause", "change")
BASELINE = staff_inputs("baseline", "name", "service", "cis", description=_TEXT)
INTEGRITY_RUN = staff_inputs("integrity run", "stale_after_days")

# Procedure 2: suppliers and their contacts.
SUPPLIER = staff_inputs(
    "supplier", "name", "code", "email", "phone", "website", "account_number",
    "supplies", "is_active", "confirm", address=_TEXT, notes=_TEXT,
)  # fmt: skip
SUPPLIER_CONTACT = staff_inputs(
    "supplier contact", "first_name", "last_name", "email", "phone", "mobile", "job_title",
    "location", "is_active",
)  # fmt: skip

# Procedure 5: contracts and licence certificates.
CONTRACT = staff_inputs(
    "contract", "title", "kind", "status", "supplier", "supplier_reference", "starts_on",
    "ends_on", "notice_days", "remind_days_before", "value", "currency", "owner",
    "licensed_software", "licence_metric", "entitlement", "cis", description=_TEXT,
)  # fmt: skip
CONTRACT_REASON = staff_inputs("contract step", reason=_TEXT)
CONTRACT_CIS = staff_inputs("contract CIs", "cis", "numbers")

# Procedures 1 and 3: purchase requisitions.
REQUISITION = staff_inputs(
    "purchase requisition", "title", "task_reference", "change_coordinator", "purchasing_agent",
    "suppliers", "currency", "needed_by", "lines", justification=_TEXT,
)  # fmt: skip
REQUISITION_REASON = staff_inputs("purchase requisition step", reason=_TEXT)
QUOTE = staff_inputs(
    "supplier quote", "supplier", "amount", "currency", "reference", "valid_until",
    "delivery_days", "selected", "received_at", notes=_TEXT,
)  # fmt: skip
APPROVAL_REQUEST = staff_inputs("approval request", "approvers", "quote", note=_TEXT)
PURCHASE_DECISION = staff_inputs("purchase decision", "decision", comment=_TEXT)
ORDER = staff_inputs("order", "order_reference")
DELIVERY_CHECK = staff_inputs(
    "delivery check", "lines", "line-*-status", "line-*-received", "line-*-expected",
    **{"line-*-note": _TEXT},
)  # fmt: skip
REGISTER_CIS = staff_inputs(
    "CI registration", "lines", "line-*-class", "line-*-serials", "line-*-names",
    "line-*-location", "line-*-attributes",
)  # fmt: skip
