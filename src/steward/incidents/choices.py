"""Choices of Incident Management (seed 003 ch. 8; IRP SG1-SG3)."""

from django.db import models


class ServiceType(models.TextChoices):
    """What kind of help the incident request asks for (seed 003 ch. 8)."""

    USER_SERVICE_RESTORATION = "user_service_restoration", "User service restoration"
    USER_SERVICE_REQUEST = "user_service_request", "User service request"
    INFRASTRUCTURE_RESTORATION = "infrastructure_restoration", "Infrastructure restoration"
    INFRASTRUCTURE_EVENT = "infrastructure_event", "Infrastructure event"


class Impact(models.TextChoices):
    EXTENSIVE = "1", "1 - Extensive / widespread"
    SIGNIFICANT = "2", "2 - Significant / large"
    MODERATE = "3", "3 - Moderate / limited"
    MINOR = "4", "4 - Minor / localised"


class Urgency(models.TextChoices):
    CRITICAL = "1", "1 - Critical"
    HIGH = "2", "2 - High"
    MEDIUM = "3", "3 - Medium"
    LOW = "4", "4 - Low"


class IncidentStatus(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    PENDING = "pending", "Pending"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (
    IncidentStatus.NEW,
    IncidentStatus.ASSIGNED,
    IncidentStatus.IN_PROGRESS,
    IncidentStatus.PENDING,
)


class PendingReason(models.TextChoices):
    AWAITING_REQUESTER = "awaiting_requester", "Awaiting the requester"
    AWAITING_SUPPLIER = "awaiting_supplier", "Awaiting a supplier"
    AWAITING_CHANGE = "awaiting_change", "Awaiting a change"
    SCHEDULED = "scheduled", "Scheduled for later"


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    PORTAL = "portal", "Self-service portal"
    WALK_IN = "walk_in", "In person"
    API = "api", "API"
    EVENT = "event", "Monitoring event"


class Escalation(models.TextChoices):
    """Procedure 5: where an escalated incident stands."""

    NONE = "", "Not escalated"
    SERVICE_OWNER = "service_owner", "Escalated to the service owner"
    CHANGE_COORDINATOR = "change_coordinator", "With the change coordinator"
    EMERGENCY_CHANGE = "emergency_change", "Emergency change requested"
    ON_DUTY_MANAGER = "on_duty_manager", "Handed to the on-duty manager (continuity)"
    BACK_TO_SPECIALISTS = "back_to_specialists", "Back with the specialists"


# Ch. 3 proc. 7: the kinds of emergency change the service owner asks for (Change
# Management's categories, which it checks again).
EMERGENCY_CATEGORIES = [
    ("infrastructure", "Infrastructure change: the specialist implements it"),
    ("application", "Application change: a new release, transferred by a release administrator"),
]


class SendBackReason(models.TextChoices):
    MISSING_INFORMATION = "missing_information", "Information is missing"
    WRONG_GROUP = "wrong_group", "Assigned to the wrong group"


class ResolutionCode(models.TextChoices):
    SOLVED = "solved", "Solved"
    WORKAROUND = "workaround", "Workaround provided"
    REQUEST_FULFILLED = "request_fulfilled", "Request fulfilled"
    NO_FAULT_FOUND = "no_fault_found", "No fault found"
    DUPLICATE = "duplicate", "Duplicate"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class SolutionStatus(models.TextChoices):
    """Procedure 7: proposed -> active (after the group coordinator's review) or rejected."""

    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    REJECTED = "rejected", "Rejected"
    RETIRED = "retired", "Retired"


class MailOutcome(models.TextChoices):
    CREATED = "created", "Created a request"
    REPLIED = "replied", "Added to a request"
    IGNORED_AUTO_REPLY = "ignored_auto_reply", "Ignored: automatic reply"
    IGNORED_LOOP = "ignored_loop", "Ignored: mail loop"
    IGNORED_DUPLICATE = "ignored_duplicate", "Ignored: already processed"
    REJECTED = "rejected", "Rejected"
