from django.db import models


class ServiceStatus(models.TextChoices):
    IN_DESIGN = "in_design", "In design"
    ACTIVE = "active", "Active"
    DISCONTINUED = "discontinued", "Discontinued"


class CatalogItemStatus(models.TextChoices):
    """Seed 003 ch. 11 proc. 1: prepared, approved by all, published; failed or discontinued."""

    DRAFT = "draft", "Draft"
    IN_APPROVAL = "in_approval", "In approval"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    DISCONTINUED = "discontinued", "Discontinued"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public: every customer"
    PRIVATE = "private", "Private: one customer (one-off)"


class ApprovalRole(models.TextChoices):
    """Who signs a new catalog item (seed 003 ch. 11 proc. 1)."""

    SERVICE_OWNER = "service_owner", "Service owner"
    SERVICE_LEVEL_MANAGER = "service_level_manager", "Service level manager"
    FINANCIAL_MANAGER = "financial_manager", "Financial manager"


class ApprovalDecision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    ADJUST = "adjust", "Adjustments requested"
    REJECTED = "rejected", "Rejected"


class AgreementKind(models.TextChoices):
    SLA = "sla", "Service level agreement"
    OLA = "ola", "Operational level agreement"
    UC = "uc", "Underpinning contract"


AGREEMENT_PREFIX = {AgreementKind.SLA: "SLA", AgreementKind.OLA: "OLA", AgreementKind.UC: "UC"}


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Signed, active"
    NOT_SIGNED = "not_signed", "Not signed"
    DISCONTINUED = "discontinued", "Discontinued"


class SignatoryRole(models.TextChoices):
    CUSTOMER_REPRESENTATIVE = "customer_representative", "Customer representative"
    SERVICE_OWNER = "service_owner", "Service owner"
    GROUP_COORDINATOR = "group_coordinator", "Group coordinator"
    SUPPLIER = "supplier", "Supplier representative"


class TargetKind(models.TextChoices):
    RESPONSE = "response", "Response time"
    RESOLUTION = "resolution", "Resolution time"
    AVAILABILITY = "availability", "Availability %"
    MAX_OUTAGES = "max_outages", "Maximum outages per period"
    RTO = "rto", "Recovery time objective"
    RPO = "rpo", "Recovery point objective"


# Kinds measured per priority, as a duration in the service's business hours.
TIMED_KINDS = frozenset({TargetKind.RESPONSE, TargetKind.RESOLUTION})
DURATION_KINDS = frozenset(
    {TargetKind.RESPONSE, TargetKind.RESOLUTION, TargetKind.RTO, TargetKind.RPO}
)


class ReviewStatus(models.TextChoices):
    """Seed 003 ch. 11 proc. 5."""

    SCHEDULED = "scheduled", "Meeting scheduled"
    REPORTED = "reported", "Report ready"
    HELD = "held", "Meeting held"
    CLOSED = "closed", "Minutes distributed"


class ReportFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class RequestFieldKind(models.TextChoices):
    """What a request type's form field asks for (issue 13: requests from the catalog)."""

    TEXT = "text", "Text"
    LONG_TEXT = "long_text", "Long text"
    CHOICE = "choice", "Choice"
    DATE = "date", "Date"
    NUMBER = "number", "Number"
    YES_NO = "yes_no", "Yes / no"
