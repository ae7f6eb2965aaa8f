"""Choices of Change Management (seed 003 ch. 3), with their labels in one place."""

from django.db import models


class RfcSource(models.TextChoices):
    """The five sources of requests for change (proc. 1)."""

    INCIDENT = "incident", "Incident request"
    REQUEST_FORM = "request_form", "Request form"
    KNOWN_ERROR = "known_error", "Known error"
    RELEASE = "release", "Release requirement document"
    CONTINUITY = "continuity", "Return-to-production request"


class RfcStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    REGISTERED = "registered", "Change registered"
    LINKED = "linked", "Added to an existing change"
    REJECTED = "rejected", "Rejected"
    TO_RELEASE = "to_release", "With Release Management"


OPEN_RFC_STATUSES = (RfcStatus.SUBMITTED,)


class RfcRejection(models.TextChoices):
    POLICY = "policy", "Conflicts with a policy"
    NOT_NEEDED = "not_needed", "Change Management is not required"
    CAB = "cab", "Rejected by the CAB"


class ChangeType(models.TextChoices):
    STANDARD = "standard", "Standard"
    NORMAL = "normal", "Normal"
    EMERGENCY = "emergency", "Emergency"


class ChangeCategory(models.TextChoices):
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    APPLICATION = "application", "Application"


class ChangeStatus(models.TextChoices):
    """The seed's phases as states (proc. 2-8)."""

    REGISTERED = "registered", "Registered"
    RISK_ANALYSIS = "risk_analysis", "Risk and impact analysis"
    PLANNING = "planning", "Planning"
    APPROVAL = "approval", "Approval"
    IMPLEMENTATION = "implementation", "Implementation"
    PRODUCTION_TEST = "production_test", "Production test"
    CLOSED = "closed", "Closed"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    BACKED_OUT = "backed_out", "Backed out"


OPEN_CHANGE_STATUSES = (
    ChangeStatus.REGISTERED,
    ChangeStatus.RISK_ANALYSIS,
    ChangeStatus.PLANNING,
    ChangeStatus.APPROVAL,
    ChangeStatus.IMPLEMENTATION,
    ChangeStatus.PRODUCTION_TEST,
)
# The changes that hold a slot on the calendar: their window can conflict with others.
SCHEDULED_STATUSES = OPEN_CHANGE_STATUSES
ENDED_CHANGE_STATUSES = (
    ChangeStatus.CLOSED,
    ChangeStatus.REJECTED,
    ChangeStatus.CANCELLED,
    ChangeStatus.BACKED_OUT,
)


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ChangeOutcome(models.TextChoices):
    """How a change ended, for the success rate (proc. 6, 8)."""

    SUCCESSFUL = "successful", "Successful: all requirements met"
    BACKED_OUT = "backed_out", "Backed out"
    REJECTED = "rejected", "Rejected: cannot be implemented"
    CANCELLED = "cancelled", "Cancelled"


class TaskKind(models.TextChoices):
    """What a change task is for: proc. 4 (infrastructure), proc. 5 (application),
    proc. 6 (production test and the updates after it) and additional tasks."""

    PREPARATION = "preparation", "Preparation (operational readiness)"
    IMPLEMENTATION = "implementation", "Implementation"
    DEVELOP = "develop", "Develop the new release"
    TEST = "test", "Test in the development or test environment"
    TRANSFER_TO_TEST = "transfer_to_test", "Transfer to the test environment"
    CUSTOMER_TEST = "customer_test", "Customer testing"
    READINESS = "readiness", "Operational readiness"
    TRANSFER_TO_PRODUCTION = "transfer_to_production", "Transfer to production"
    PRODUCTION_TEST = "production_test", "Production test"
    CMDB_UPDATE = "cmdb_update", "Update the CMDB"
    CAPACITY_UPDATE = "capacity_update", "Update the capacity information"
    CONTINUITY_UPDATE = "continuity_update", "Update the continuity information"
    ADDITIONAL = "additional", "Additional task"


INFRASTRUCTURE_TASKS = (TaskKind.PREPARATION, TaskKind.IMPLEMENTATION)
APPLICATION_TASKS = (
    TaskKind.DEVELOP,
    TaskKind.TEST,
    TaskKind.TRANSFER_TO_TEST,
    TaskKind.CUSTOMER_TEST,
    TaskKind.READINESS,
    TaskKind.TRANSFER_TO_PRODUCTION,
)
CLOSURE_TASKS = (TaskKind.CMDB_UPDATE, TaskKind.CAPACITY_UPDATE, TaskKind.CONTINUITY_UPDATE)


class TaskStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"  # on the tasks it depends on, or on its phase
    OPEN = "open", "Open"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_TASK_STATUSES = (TaskStatus.WAITING, TaskStatus.OPEN)


class ApprovalBasis(models.TextChoices):
    """Why a person approves (proc. 3's approver rule)."""

    CUSTOMER_REPRESENTATIVE = "customer_representative", "Representative of an affected customer"
    SERVICE_OWNER = "service_owner", "Service owner"


class ApprovalDecision(models.TextChoices):
    PENDING = "pending", "Waiting"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "No longer needed"


class RejectionReason(models.TextChoices):
    """What an approver's rejection asks for (proc. 3): the reason decides the next step."""

    ANALYSIS = "analysis", "The risk and impact analysis is insufficient"
    PLAN = "plan", "The implementation plan needs adjusting"
    OTHER = "other", "Other: the change cannot be implemented"


class ManagerReview(models.TextChoices):
    """The change manager's review before approvals are collected (proc. 3)."""

    COLLECT = "collect", "Collect the approvals"
    MORE_ANALYSIS = "more_analysis", "Request additional risk and impact analysis"
    ADJUST_PLAN = "adjust_plan", "Request an adjustment of the implementation plan"
    POLICY_CONFLICT = "policy_conflict", "Conflicts with a policy: cannot be implemented"


class PlannedEventKind(models.TextChoices):
    MAINTENANCE = "maintenance", "Maintenance window"
    BLACKOUT = "blackout", "Blackout period"
    OTHER = "other", "Planned event"


class ProductionTestResult(models.TextChoices):
    """Proc. 6: the specialist's verdict after the production test."""

    MET = "met", "All requirements met"
    BACK_OUT = "back_out", "Not met: back out"
    ADDITIONAL_TASKS = "additional_tasks", "Not met: can still succeed with additional tasks"
