"""Choices of Release Management (seed 003 ch. 10; seed 004 "Release and Deployment
Management"), with their labels in one place."""

from django.db import models


class ReleaseType(models.TextChoices):
    """Seed 004's release types; the release policy of a service says how often each."""

    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"
    EMERGENCY = "emergency", "Emergency"


class ReleaseStatus(models.TextChoices):
    """A release's phases (proc. 2-4). The backlog release of a service stays ``backlog``:
    it is the placeholder for the requests for change the next CAB meeting reviews."""

    BACKLOG = "backlog", "Backlog (next CAB meeting)"
    REGISTERED = "registered", "Registered"
    JUSTIFICATION = "justification", "Business justification"
    COORDINATION = "coordination", "Coordination"
    REVIEW = "review", "Post-implementation review"
    CLOSED = "closed", "Closed"
    ABANDONED = "abandoned", "Abandoned"


OPEN_RELEASE_STATUSES = (
    ReleaseStatus.REGISTERED,
    ReleaseStatus.JUSTIFICATION,
    ReleaseStatus.COORDINATION,
    ReleaseStatus.REVIEW,
)


class HandlingStatus(models.TextChoices):
    """Where a request for change stands in Release Management (proc. 1-4)."""

    RECEIVED = "received", "Received: to review"
    CAB_LIST = "cab_list", "Waiting for the CAB"
    IN_RELEASE = "in_release", "In a release"
    REJECTED = "rejected", "Rejected by the CAB"
    PASSED_BACK = "passed_back", "Passed back to Change Management"
    FULFILLED = "fulfilled", "Requirements fulfilled"
    UNMET = "unmet", "Requirements not met"


OPEN_HANDLING_STATUSES = (
    HandlingStatus.RECEIVED,
    HandlingStatus.CAB_LIST,
    HandlingStatus.IN_RELEASE,
)


class MeetingStatus(models.TextChoices):
    """A CAB meeting (proc. 2): planned, invitations sent (with the submission deadline),
    the list of requests finalised after the deadline, in session (votes), closed."""

    SCHEDULED = "scheduled", "Scheduled"
    INVITED = "invited", "Invitations sent"
    AGENDA_FINAL = "agenda_final", "List finalised"
    IN_SESSION = "in_session", "In session"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class Vote(models.TextChoices):
    """What a CAB member asks for one request for change (proc. 2)."""

    REJECT = "reject", "Reject"
    INCLUDE = "include", "Include in the next release"
    NO_OPINION = "no_opinion", "No opinion"


class CabOutcome(models.TextChoices):
    REJECTED = "rejected", "Rejected"
    INCLUDED = "included", "Included in the next release"
    BACKLOG = "backlog", "Back to the backlog"


class BusinessCaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    ABANDONED = "abandoned", "Abandoned"


class Justification(models.TextChoices):
    """The business justification activity of a release (proc. 3)."""

    PENDING = "pending", "Not decided"
    CANCELLED = "cancelled", "Not required: the budget covers it"
    REQUIRED = "required", "Business case required"
    APPROVED = "approved", "Business case approved"
    REJECTED = "rejected", "Business case rejected"


class PlanItemStatus(models.TextChoices):
    """One change of the release's high-level plan (proc. 2, 4)."""

    PLANNED = "planned", "Planned"
    REQUESTED = "requested", "Requirements sent"
    COMPLETED = "completed", "Completed"
    PARTLY = "partly", "Partly fulfilled"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Environment(models.TextChoices):
    """Seed 004: a release goes through controlled environments, in this order."""

    DEVELOPMENT = "development", "Development"
    TEST = "test", "Test"
    ACCEPTANCE = "acceptance", "Acceptance"
    PRODUCTION = "production", "Production"


ENVIRONMENT_ORDER = [e.value for e in Environment]
