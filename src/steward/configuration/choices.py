"""Choices of Configuration Management (seed 003 ch. 4; ISO/IEC 20000 Configuration Management)."""

from django.db import models


class ClassCategory(models.TextChoices):
    HARDWARE = "hardware", "Hardware"
    SOFTWARE = "software", "Software"
    NETWORK = "network", "Network"
    SERVICE_INFRASTRUCTURE = "service_infrastructure", "Service infrastructure"
    LICENCE = "licence", "Licence"
    DOCUMENTATION = "documentation", "Documentation"
    OTHER = "other", "Other"


class CIStatus(models.TextChoices):
    ORDERED = "ordered", "Ordered"
    IN_STOCK = "in_stock", "In stock"
    IN_PRODUCTION = "in_production", "In production"
    IN_REPAIR = "in_repair", "In repair"
    RETIRED = "retired", "Retired"


class AttributeType(models.TextChoices):
    STRING = "string", "Text"
    INTEGER = "integer", "Whole number"
    DECIMAL = "decimal", "Number"
    BOOLEAN = "boolean", "Yes/no"
    DATE = "date", "Date"
    CHOICE = "choice", "One of a list"
    IP_ADDRESS = "ip_address", "IP address"
    URL = "url", "URL"


class PersonRelation(models.TextChoices):
    USER = "user", "User"
    ADMINISTRATOR = "administrator", "Administrator"
    CONTACT = "contact", "Contact"


class ContractKind(models.TextChoices):
    SUPPORT = "support", "Support contract"
    MAINTENANCE = "maintenance", "Maintenance contract"
    LEASE = "lease", "Lease"
    WARRANTY = "warranty", "Warranty"
    LICENCE_CERTIFICATE = "licence_certificate", "Licence certificate"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


class LicenceMetric(models.TextChoices):
    INSTALLATION = "installation", "Per installation"
    USER = "user", "Per named user"
    CPU_CORE = "cpu_core", "Per CPU core"
    SITE = "site", "Site licence"


class RequisitionStatus(models.TextChoices):
    """Seed 003 ch. 4 proc. 1 and 3, in order."""

    DRAFT = "draft", "Draft"
    PRICING = "pricing", "Pricing requested"
    IN_APPROVAL = "in_approval", "In approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    ORDERED = "ordered", "Ordered"
    DELIVERY_INCOMPLETE = "delivery_incomplete", "Delivery incomplete"
    DELIVERED = "delivered", "Delivered"
    REGISTERED = "registered", "Registered in the CMDB"
    CANCELLED = "cancelled", "Cancelled"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Not yet delivered"
    COMPLETE = "complete", "Complete and undamaged"
    DAMAGED = "damaged", "Damaged"
    MISSING = "missing", "Missing items"
    WRONG = "wrong", "Wrong items"


class Decision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class IntegrityCheck(models.TextChoices):
    MISSING_MANDATORY = "missing_mandatory", "Missing mandatory attributes"
    BROKEN_RULE = "broken_rule", "Relations that break class rules"
    ORPHAN = "orphan", "CIs with no service"
    STALE = "stale", "CIs not updated recently"
    DUPLICATE_SERIAL = "duplicate_serial", "Duplicate serial numbers"


class RunTrigger(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    ON_DEMAND = "on_demand", "On demand"
