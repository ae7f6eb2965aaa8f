"""Choices of the core building blocks, with their labels in one place."""

from django.db import models


class OrganisationKind(models.TextChoices):
    PROVIDER = "provider", "Service provider"
    CUSTOMER = "customer", "Customer"
    SUPPLIER = "supplier", "Supplier"


class Role(models.TextChoices):
    """The roles of seed 003 (BRIEF section 1); a person may hold several."""

    REQUESTER = "requester", "Requester (user)"
    CUSTOMER_REPRESENTATIVE = "customer_representative", "Customer representative"
    SERVICE_DESK_ANALYST = "service_desk_analyst", "Service desk analyst"
    GROUP_COORDINATOR = "group_coordinator", "Group coordinator"
    SPECIALIST = "specialist", "Specialist"
    PROBLEM_COORDINATOR = "problem_coordinator", "Problem coordinator"
    CHANGE_COORDINATOR = "change_coordinator", "Change coordinator"
    CHANGE_MANAGER = "change_manager", "Change manager"
    CAB_MEMBER = "cab_member", "CAB member"
    RELEASE_COORDINATOR = "release_coordinator", "Release coordinator"
    RELEASE_ADMINISTRATOR = "release_administrator", "Release administrator"
    SERVICE_OWNER = "service_owner", "Service owner"
    ON_DUTY_MANAGER = "on_duty_manager", "On-duty manager"
    OPERATOR = "operator", "Operator"
    OPERATIONS_MANAGER = "operations_manager", "Operations manager"
    CONFIGURATION_ADMINISTRATOR = "configuration_administrator", "Configuration administrator"
    PURCHASING_AGENT = "purchasing_agent", "Purchasing agent"
    AVAILABILITY_MANAGER = "availability_manager", "Availability manager"
    CAPACITY_MANAGER = "capacity_manager", "Capacity manager"
    CONTINUITY_MANAGER = "continuity_manager", "Continuity manager"
    CONTINUITY_PLANNER = "continuity_planner", "Continuity planner"
    SERVICE_LEVEL_ADMINISTRATOR = "service_level_administrator", "Service level administrator"
    SERVICE_LEVEL_MANAGER = "service_level_manager", "Service level manager"
    IT_CONTROLLER = "it_controller", "IT controller"
    IT_DIRECTOR = "it_director", "IT director"
    FINANCIAL_MANAGER = "financial_manager", "Financial manager"
    SYSTEM_ADMINISTRATOR = "system_administrator", "System administrator"


class ScopeKind(models.TextChoices):
    """What a role assignment may be limited to (seed 003: "the change coordinator of the service")."""

    NONE = "none", "Everywhere"
    SERVICE = "service", "A service"
    GROUP = "group", "A support group"
    ORGANISATION = "organisation", "A customer organisation"


# Roles held by people on the customer side: they see only their organisations' records.
CUSTOMER_SIDE_ROLES = frozenset({Role.REQUESTER, Role.CUSTOMER_REPRESENTATIVE})

# Which scopes each role may be limited to; a role not listed is always global.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.CUSTOMER_REPRESENTATIVE: frozenset({ScopeKind.ORGANISATION}),
    Role.GROUP_COORDINATOR: frozenset({ScopeKind.GROUP}),
    Role.SPECIALIST: frozenset({ScopeKind.NONE, ScopeKind.GROUP}),
    Role.PROBLEM_COORDINATOR: frozenset({ScopeKind.NONE, ScopeKind.SERVICE}),
    Role.CHANGE_COORDINATOR: frozenset({ScopeKind.NONE, ScopeKind.SERVICE}),
    Role.CAB_MEMBER: frozenset({ScopeKind.NONE, ScopeKind.SERVICE}),
    Role.RELEASE_COORDINATOR: frozenset({ScopeKind.NONE, ScopeKind.SERVICE}),
    Role.SERVICE_OWNER: frozenset({ScopeKind.SERVICE}),
    Role.AVAILABILITY_MANAGER: frozenset({ScopeKind.NONE, ScopeKind.SERVICE}),
    Role.CAPACITY_MANAGER: frozenset({ScopeKind.NONE, ScopeKind.SERVICE}),
    Role.CONTINUITY_PLANNER: frozenset({ScopeKind.NONE, ScopeKind.SERVICE}),
    Role.SERVICE_LEVEL_MANAGER: frozenset({ScopeKind.NONE, ScopeKind.ORGANISATION}),
}


def allowed_scopes(role: str) -> frozenset[str]:
    return ROLE_SCOPES.get(role, frozenset({ScopeKind.NONE}))


class JournalKind(models.TextChoices):
    CREATED = "created", "Created"
    FIELD_CHANGE = "field_change", "Field changed"
    TRANSITION = "transition", "Status changed"
    WORK_NOTE = "work_note", "Work note"
    PUBLIC_REPLY = "public_reply", "Public reply"
    ATTACHMENT = "attachment", "Attachment added"
    SYSTEM = "system", "System"
    # A save refused because the record changed meanwhile (staff only, like work notes).
    CONFLICT = "conflict", "Save refused (changed meanwhile)"


# Journal kinds written as public (readable by customer-side people) unless the writing
# service says otherwise: a status change is public, its reason only when the procedure
# addresses it to the requester. Work notes, field changes and system lines are internal.
PUBLIC_JOURNAL_KINDS = frozenset(
    {JournalKind.CREATED, JournalKind.TRANSITION, JournalKind.PUBLIC_REPLY, JournalKind.ATTACHMENT}
)


class SecurityEventKind(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", "Login"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOCKED_OUT = "locked_out", "Locked out"
    UNLOCKED = "unlocked", "Lockout lifted"
    TOKEN_REJECTED = "token_rejected", "API token refused"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    PERMISSION_DENIED = "permission_denied", "Permission denied"
    THROTTLED = "throttled", "Request throttled"
    OUTBOUND_REFUSED = "outbound_refused", "Outbound request refused"
    CSRF_FAILED = "csrf_failed", "CSRF check failed"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset asked for"
    PASSWORD_RESET = "password_reset", "Password reset"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"


class Priority(models.TextChoices):
    """Priority of a record (from impact x urgency); SLA targets are set per priority."""

    CRITICAL = "1", "1 - Critical"
    HIGH = "2", "2 - High"
    MEDIUM = "3", "3 - Medium"
    LOW = "4", "4 - Low"


class ClockKind(models.TextChoices):
    """Whose promise a clock measures: the customer's SLA, a group's OLA, a supplier's UC."""

    SLA = "sla", "SLA"
    OLA = "ola", "OLA"
    UC = "uc", "Underpinning contract"


class ClockMetric(models.TextChoices):
    RESPONSE = "response", "Response"
    RESOLUTION = "resolution", "Resolution"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"
    CANCELLED = "cancelled", "Cancelled"
