"""Change Management (seed 003 ch. 3; seed 004 "Change Management"): requests for change,
changes with their tasks and approvals, change templates, change policies and planned
events (maintenance windows, blackout periods).

Design notes (docs/ARCHITECTURE.md, "Change Management", has the long form):
- A request for change (RFC) is what reaches the change coordinator from one of the five
  sources; the coordinator's review (proc. 1) rejects it, hands it to Release Management,
  adds it to an existing change or registers a new change from it.
- The conditions the seed's rules read (unavailable in service hours, functionality
  different, CMDB update, problem fix, single coordinator, extra funding) are explicit
  nullable fields: "not assessed yet" differs from "no" (as on incident requests).
- The calendar and the conflict check read ``planned_start``/``planned_end`` of the
  scheduled changes through one index; CIs and services of a change are plain M2M rows.
"""

from django.db import models
from django.urls import reverse

from steward.changes.choices import (
    ApprovalBasis,
    ApprovalDecision,
    ChangeCategory,
    ChangeOutcome,
    ChangeStatus,
    ChangeType,
    PlannedEventKind,
    RejectionReason,
    RfcRejection,
    RfcSource,
    RfcStatus,
    RiskLevel,
    TaskKind,
    TaskStatus,
)
from steward.core.models import NumberedRecord, TimeStampedModel, VersionedModel, optional_fk


class ChangePolicy(VersionedModel, TimeStampedModel):
    """An internal standard or policy a request for change can conflict with (proc. 1, 3):
    named when a request or a change is rejected for it."""

    name = models.CharField(max_length=200, unique=True)
    statement = models.TextField(help_text="What the policy requires, as told to requesters.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "change policies"

    def __str__(self) -> str:
        return self.name


class ChangeTemplate(VersionedModel, TimeStampedModel):
    """A change template (proc. 1): a standard change's pre-approved plan and tasks, or a
    starting point for a normal change."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    change_type = models.CharField(
        max_length=20, choices=ChangeType.choices, default=ChangeType.NORMAL
    )
    category = models.CharField(
        max_length=20, choices=ChangeCategory.choices, default=ChangeCategory.INFRASTRUCTURE
    )
    service = optional_fk(
        "service_level.Service", related_name="change_templates", help_text="Empty: any service."
    )
    plan = models.TextField(blank=True)
    backout_plan = models.TextField(blank=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW)
    duration_minutes = models.PositiveIntegerField(default=60)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def pre_approved(self) -> bool:
        """A standard change skips the approval phase (proc. 2)."""
        return self.change_type == ChangeType.STANDARD


class TaskTemplate(VersionedModel, TimeStampedModel):
    """A task (group) template (proc. 1): a task a change registered from it starts with.
    Belongs to a change template or stands alone, to be added to any change."""

    change_template = optional_fk(
        ChangeTemplate, on_delete=models.CASCADE, related_name="task_templates"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=30, choices=TaskKind.choices, default=TaskKind.IMPLEMENTATION
    )
    support_group = optional_fk("core.SupportGroup", related_name="+")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.TextField(blank=True)
    after_previous = models.BooleanField(
        default=True, help_text="Starts when the template's previous task is done."
    )

    class Meta:
        ordering = ["change_template_id", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class Change(VersionedModel, NumberedRecord):
    """A change (proc. 2-8), from registration to closure."""

    NUMBER_PREFIX = "CHG"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    change_type = models.CharField(max_length=20, choices=ChangeType.choices)
    category = models.CharField(max_length=20, choices=ChangeCategory.choices)
    status = models.CharField(
        max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.REGISTERED
    )
    service = models.ForeignKey(
        "service_level.Service", on_delete=models.PROTECT, related_name="changes"
    )
    coordinator = optional_fk("core.Person", related_name="coordinated_changes")
    template = optional_fk(ChangeTemplate, related_name="changes")
    requested_by = optional_fk("core.Person", related_name="requested_changes")

    # The implementation window: the calendar and the conflict check read it.
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)

    plan = models.TextField(blank=True, help_text="How the change will be implemented.")
    backout_plan = models.TextField(blank=True, help_text="How it is undone if it fails.")
    test_plan = models.TextField(blank=True, help_text="How the production test verifies it.")

    # Risk and impact (proc. 2): the questionnaire's answers and what follows from them.
    risk_answers = models.JSONField(default=dict, blank=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    impact = models.JSONField(
        default=dict, blank=True, help_text="The CMDB impact analysis when last computed."
    )
    analysed_at = models.DateTimeField(null=True, blank=True)
    # The seed's conditions (proc. 1 and 3); None = not assessed yet.
    causes_outage = models.BooleanField(
        null=True,
        blank=True,
        help_text="The service becomes unavailable or degraded while implementing.",
    )
    unavailable_in_service_hours = models.BooleanField(
        null=True,
        blank=True,
        help_text="A service becomes unavailable or degraded during service hours.",
    )
    functionality_changes = models.BooleanField(
        null=True, blank=True, help_text="The functionality of a service becomes different."
    )
    cmdb_update = models.BooleanField(
        null=True, blank=True, help_text="The CMDB requires an update."
    )
    infrastructure_changes = models.BooleanField(
        null=True, blank=True, help_text="The service infrastructure is built or modified."
    )
    availability_help_requested_at = models.DateTimeField(null=True, blank=True)

    approval_round = models.PositiveIntegerField(default=0)
    approved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ChangeOutcome.choices, blank=True)
    closure_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Emergency changes (proc. 7, 8): who asked, who implements, the incident it resolves.
    implementer = optional_fk("core.Person", related_name="implemented_changes")
    emergency_requested_by = optional_fk("core.Person", related_name="+")

    cis = models.ManyToManyField(
        "configuration.ConfigurationItem", related_name="planned_changes", blank=True
    )
    services = models.ManyToManyField(
        "service_level.Service",
        related_name="affected_by_changes",
        blank=True,
        help_text="Services the change touches besides its own (from the CMDB).",
    )
    customers = models.ManyToManyField(
        "core.Organisation",
        related_name="affected_by_changes",
        blank=True,
        help_text="Customers with an active SLA on a touched service (from the CMDB).",
    )
    incidents = models.ManyToManyField(
        "incidents.IncidentRequest", related_name="changes", blank=True
    )
    caused_incidents = models.ManyToManyField(
        "incidents.IncidentRequest",
        related_name="caused_by_changes",
        blank=True,
        help_text="Incident requests the change's implementation caused.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["planned_start", "planned_end"], name="change_window_idx"),
            models.Index(fields=["status", "planned_start"], name="change_status_start_idx"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("changes:change-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.service]


class RequestForChange(VersionedModel, NumberedRecord):
    """A request for change as it reaches the change coordinator (proc. 1)."""

    NUMBER_PREFIX = "RFC"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=20, choices=RfcSource.choices)
    status = models.CharField(max_length=20, choices=RfcStatus.choices, default=RfcStatus.SUBMITTED)
    service = models.ForeignKey(
        "service_level.Service", on_delete=models.PROTECT, related_name="requests_for_change"
    )
    requested_by = optional_fk("core.Person", related_name="requests_for_change")
    customer = optional_fk("core.Organisation", related_name="requests_for_change")
    coordinator = optional_fk("core.Person", related_name="reviewed_requests_for_change")
    incident = optional_fk(
        "incidents.IncidentRequest", related_name="requests_for_change", on_delete=models.SET_NULL
    )
    # Known errors (Problem Management), release requirement documents (Release) and
    # return-to-production requests (Continuity) are later areas: their number until then.
    origin_reference = models.CharField(max_length=40, blank=True)
    wanted_by = models.DateTimeField(null=True, blank=True)

    # What the review reads (proc. 1); None = not answered.
    standard_template = optional_fk(
        ChangeTemplate, related_name="+", help_text="The standard change it asks for."
    )
    causes_outage_in_service_hours = models.BooleanField(null=True, blank=True)
    functionality_changes = models.BooleanField(null=True, blank=True)
    cmdb_update = models.BooleanField(null=True, blank=True)
    problem_fix = models.BooleanField(null=True, blank=True)
    single_coordinator = models.BooleanField(null=True, blank=True)
    extra_funding = models.BooleanField(null=True, blank=True)

    rejection = models.CharField(max_length=20, choices=RfcRejection.choices, blank=True)
    policy = optional_fk(ChangePolicy, related_name="rejected_requests")
    decision_note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    change = optional_fk(Change, related_name="requests_for_change")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "request for change"
        verbose_name_plural = "requests for change"
        indexes = [models.Index(fields=["status", "service"], name="rfc_status_service_idx")]

    def get_absolute_url(self) -> str:
        return reverse("changes:rfc-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.service] + ([self.customer] if self.customer_id else [])


class ChangeTask(VersionedModel, TimeStampedModel):
    """A task of a change (proc. 4-6), for a support group and maybe one of its members."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=30, choices=TaskKind.choices)
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.WAITING)
    support_group = optional_fk("core.SupportGroup", related_name="change_tasks")
    assignee = optional_fk("core.Person", related_name="change_tasks")
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, related_name="dependants", blank=True
    )
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = optional_fk("core.Person", related_name="+")
    result = models.TextField(blank=True)

    class Meta:
        ordering = ["change_id", "position", "pk"]
        indexes = [models.Index(fields=["status", "support_group"], name="changetask_queue_idx")]

    def __str__(self) -> str:
        return f"{self.change.number} #{self.position} {self.title}"

    def permission_scopes(self) -> list[models.Model]:
        return [self.change.service] + ([self.support_group] if self.support_group_id else [])


class ChangeApproval(TimeStampedModel):
    """One approver's answer in one approval round (proc. 3)."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="approvals")
    round = models.PositiveIntegerField()
    approver = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(max_length=30, choices=ApprovalBasis.choices)
    organisation = optional_fk("core.Organisation", related_name="+")
    decision = models.CharField(
        max_length=20, choices=ApprovalDecision.choices, default=ApprovalDecision.PENDING
    )
    reason = models.CharField(max_length=20, choices=RejectionReason.choices, blank=True)
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["change_id", "round", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "round", "approver"], name="uniq_change_approver_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.change.number} round {self.round}: {self.approver}"


class PlannedEvent(VersionedModel, NumberedRecord):
    """A planned event on the change calendar: a maintenance window, a blackout period
    (no changes), or another event changes must not collide with."""

    NUMBER_PREFIX = "PEV"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PlannedEventKind.choices)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    everywhere = models.BooleanField(
        default=False, help_text="Concerns every service and CI (a company-wide freeze)."
    )
    services = models.ManyToManyField(
        "service_level.Service", related_name="planned_events", blank=True
    )
    cis = models.ManyToManyField(
        "configuration.ConfigurationItem", related_name="planned_events", blank=True
    )
    created_by = optional_fk("core.Person", related_name="+")
    is_cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="plannedevent_window_idx")]

    def get_absolute_url(self) -> str:
        return reverse("changes:planned-event-detail", args=[self.pk])
