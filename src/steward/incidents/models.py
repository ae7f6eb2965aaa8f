"""Incident Management (seed 003 ch. 8; IRP SG1-SG3): incident requests, their actions
(tasks), the priority matrix, routing rules, solutions (knowledge) and the log of inbound
mail.

Design notes (docs/ARCHITECTURE.md has the long form):
- ``IncidentRequest.priority`` is derived from impact x urgency through
  ``PriorityMatrixEntry`` by the services; it is stored so queues sort by an index.
- The three conditions under which an incident needs Change Management (seed 003 ch. 8,
  procedures 2, 4, 5) are explicit nullable fields: "not assessed yet" differs from "no".
- SLA/OLA clocks are ``core.SlaClock`` rows started through
  ``service_level.services.slt.start_clocks_for``; this app keeps no timers of its own.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from steward.core.choices import Priority
from steward.core.models import NumberedRecord, TimeStampedModel, VersionedModel, optional_fk
from steward.incidents import search
from steward.incidents.choices import (
    OPEN_STATUSES,
    ActionStatus,
    Channel,
    Escalation,
    Impact,
    IncidentStatus,
    MailOutcome,
    PendingReason,
    ResolutionCode,
    SendBackReason,
    ServiceType,
    SolutionStatus,
    Urgency,
)


class Category(VersionedModel, TimeStampedModel):
    """What the request is about ("Email > Mailbox full"); two levels are enough."""

    name = models.CharField(max_length=100)
    parent = optional_fk("self", related_name="children")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["parent__name", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="uniq_incident_category")
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} > {self.name}" if self.parent_id else self.name


class PriorityMatrixEntry(models.Model):
    """One cell of the configurable impact x urgency -> priority matrix."""

    impact = models.CharField(max_length=1, choices=Impact.choices)
    urgency = models.CharField(max_length=1, choices=Urgency.choices)
    priority = models.CharField(max_length=1, choices=Priority.choices)

    class Meta:
        ordering = ["impact", "urgency"]
        verbose_name_plural = "priority matrix entries"
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="uniq_priority_cell")
        ]

    def __str__(self) -> str:
        return f"impact {self.impact} x urgency {self.urgency} -> {self.priority}"


# The open requests, as the queue indexes' condition (and the queries' filter) spell them.
OPEN = models.Q(status__in=OPEN_STATUSES)
# "My groups" lists the requests nobody has taken first (procedure 2): 0 unassigned, 1 taken.
UNASSIGNED_LAST = models.Case(
    models.When(assignee__isnull=True, then=models.Value(0)),
    default=models.Value(1),
    output_field=models.IntegerField(),
)


class IncidentRequest(VersionedModel, NumberedRecord):
    NUMBER_PREFIX = "INC"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # No index of their own for requester, customer, service, group and assignee: the
    # indexes in Meta begin with them, and every index is one more write per registration.
    requester = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, related_name="incident_requests", db_index=False
    )
    customer = optional_fk(
        "core.Organisation",
        related_name="incident_requests",
        help_text="The requester's organisation when the request was registered.",
        db_index=False,
    )
    service = optional_fk("service_level.Service", related_name="incident_requests", db_index=False)
    cis = models.ManyToManyField(
        "configuration.ConfigurationItem", blank=True, related_name="incident_requests"
    )
    category = optional_fk(Category, related_name="+")
    service_type = models.CharField(
        max_length=30, choices=ServiceType.choices, default=ServiceType.USER_SERVICE_RESTORATION
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PHONE)
    impact = models.CharField(max_length=1, choices=Impact.choices, default=Impact.MINOR)
    urgency = models.CharField(max_length=1, choices=Urgency.choices, default=Urgency.MEDIUM)
    priority = models.CharField(max_length=1, choices=Priority.choices, default=Priority.LOW)
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.NEW
    )
    pending_reason = models.CharField(max_length=30, choices=PendingReason.choices, blank=True)
    support_group = optional_fk(
        "core.SupportGroup", related_name="incident_requests", db_index=False
    )
    assignee = optional_fk("core.Person", related_name="assigned_incident_requests", db_index=False)
    routed_by = optional_fk(
        "RoutingRule",
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The routing rule that chose the group, if one did.",
    )
    registered_by = optional_fk("core.Person", related_name="+")
    # Procedure 2: sent back to the service desk by the group coordinator.
    sent_back_reason = models.CharField(max_length=30, choices=SendBackReason.choices, blank=True)
    # Procedures 2, 4, 5: the resolution will cause ... (None: not assessed yet).
    causes_service_unavailability = models.BooleanField(
        null=True, help_text="A service becomes unavailable or degraded during service hours."
    )
    changes_service_functionality = models.BooleanField(
        null=True, help_text="The functionality of a service becomes different."
    )
    requires_cmdb_update = models.BooleanField(null=True, help_text="The CMDB needs to be updated.")
    escalation = models.CharField(
        max_length=30, choices=Escalation.choices, blank=True, default=Escalation.NONE
    )
    escalated_to = optional_fk("core.Person", related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Resolution (procedures 4 and 6).
    resolution = models.TextField(blank=True)
    resolution_code = models.CharField(max_length=30, choices=ResolutionCode.choices, blank=True)
    solution = optional_fk(
        "Solution",
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The knowledge solution used to resolve it, if one was.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = optional_fk("core.Person", related_name="+")
    first_contact_resolution = models.BooleanField(
        default=False, help_text="Resolved by the service desk while registering it."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    problem_coordinator_informed_at = models.DateTimeField(null=True, blank=True)
    # Email threading: the Message-ID of the mail that created it.
    source_message_id = models.CharField(max_length=250, blank=True)
    # Search documents (steward.incidents.search), kept by the services that write them:
    # the public replies' text and the used solution's title, symptoms and body; the work
    # notes' text (staff only).
    search_public = models.TextField(blank=True, editable=False)
    search_notes = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["priority", "created_at"]
        indexes = [
            # Full-text search: one GIN index per audience's document (PostgreSQL only).
            search.DocumentIndex(search.customer_document(), name="incident_search_customer"),
            search.DocumentIndex(search.staff_document(), name="incident_search_staff"),
            # The queue: a group's open requests, most urgent and oldest first.
            models.Index(
                fields=["support_group", "status", "priority", "created_at", "id"],
                name="incident_queue_idx",
            ),
            models.Index(fields=["assignee", "status"], name="incident_assignee_idx"),
            models.Index(fields=["requester", "status"], name="incident_requester_idx"),
            models.Index(fields=["customer", "status"], name="incident_customer_idx"),
            models.Index(fields=["status", "resolved_at"], name="incident_resolved_idx"),
            models.Index(fields=["service", "created_at"], name="incident_service_idx"),
            # The queue tabs and their sorts (issue 12): about a tenth of the requests are
            # open, so partial indexes over the open ones answer "all open", "my groups",
            # one group and "assigned to me" in queue order, and every index-backed sort
            # of the queue pages, without touching the closed nine tenths.
            *(
                models.Index(fields=[*fields, "id"], name=name, condition=OPEN)
                for name, fields in (
                    ("incident_open_idx", ["priority", "created_at"]),
                    ("incident_open_group_idx", ["support_group", "priority", "created_at"]),
                    ("incident_open_assignee_idx", ["assignee", "priority", "created_at"]),
                    ("incident_open_age_idx", ["created_at"]),
                    ("incident_open_number_idx", ["number"]),
                    ("incident_open_status_idx", ["status"]),
                    ("incident_open_title_idx", ["title"]),
                    # Sorting by requester or service name walks these per person/service.
                    ("incident_open_requester_idx", ["requester"]),
                    ("incident_open_service_idx", ["service"]),
                )
            ),
            models.Index(
                UNASSIGNED_LAST,
                "priority",
                "created_at",
                "id",
                name="incident_open_unassigned_idx",
                condition=OPEN,
            ),
            # Threading a reply mail to its request: only requests that came by mail have a
            # Message-ID, so the others cost this index nothing when they are registered.
            models.Index(
                fields=["source_message_id"],
                name="incident_message_idx",
                condition=~models.Q(source_message_id=""),
            ),
            # The API's unfiltered list (every request, queue order) and its deep pages.
            models.Index(fields=["priority", "created_at", "id"], name="incident_priority_idx"),
            # The queues' live poll asks for the newest change (core.live.list_token).
            models.Index(fields=["updated_at"], name="incident_updated_idx"),
        ]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("incidents:incident-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [s for s in (self.support_group, self.service, self.customer) if s is not None]

    @property
    def needs_change_management(self) -> bool | None:
        """True when any condition holds, False when all were assessed as no, else None."""
        answers = (
            self.causes_service_unavailability,
            self.changes_service_functionality,
            self.requires_cmdb_update,
        )
        if any(a is True for a in answers):
            return True
        if all(a is False for a in answers):
            return False
        return None


class IncidentAction(VersionedModel, TimeStampedModel):
    """A task on an incident request, assigned and tracked to closure; the request stays
    open while any of its actions is open."""

    incident = models.ForeignKey(IncidentRequest, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    support_group = optional_fk("core.SupportGroup", related_name="+")
    assignee = optional_fk("core.Person", related_name="+")
    due_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True)

    class Meta:
        ordering = ["incident", "position"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "position"], name="uniq_action_position")
        ]
        indexes = [models.Index(fields=["assignee", "status"], name="action_assignee_idx")]

    def __str__(self) -> str:
        return f"{self.incident.number}/{self.position} {self.title}"


class IncidentLink(models.Model):
    """A link from an incident request to another record (another incident, a problem, a
    change, a CI ...), by content type and id so later areas can be linked too."""

    incident = models.ForeignKey(IncidentRequest, on_delete=models.CASCADE, related_name="links")
    record_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    record_id = models.PositiveBigIntegerField()
    relation = models.CharField(max_length=40, default="related to")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = optional_fk("core.Person", related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "record_type", "record_id"], name="uniq_incident_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} {self.relation} {self.record_type_id}:{self.record_id}"


class RoutingRule(VersionedModel, TimeStampedModel):
    """Procedure 2: on save, the first active rule (by ``order``) whose every set condition
    matches assigns the request's group. Empty conditions match anything."""

    order = models.PositiveIntegerField(default=100)
    name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    service = optional_fk("service_level.Service", on_delete=models.CASCADE, related_name="+")
    ci_class = optional_fk("configuration.CIClass", on_delete=models.CASCADE, related_name="+")
    category = optional_fk(Category, on_delete=models.CASCADE, related_name="+")
    customer = optional_fk("core.Organisation", on_delete=models.CASCADE, related_name="+")
    service_type = models.CharField(max_length=30, choices=ServiceType.choices, blank=True)
    keywords = models.CharField(
        max_length=300,
        blank=True,
        help_text="Comma-separated; any one found in the title or description matches.",
    )
    support_group = models.ForeignKey(
        "core.SupportGroup", on_delete=models.PROTECT, related_name="routing_rules"
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Solution(VersionedModel, NumberedRecord):
    """A solution proposed for general use (procedures 4, 6) and approved by a group
    coordinator (procedure 7); a known workaround when ``is_workaround``."""

    NUMBER_PREFIX = "SOL"

    title = models.CharField(max_length=200)
    symptoms = models.TextField(blank=True, help_text="What the requester sees.")
    body = models.TextField(help_text="How to resolve it.")
    is_workaround = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=SolutionStatus.choices, default=SolutionStatus.PROPOSED
    )
    service = optional_fk("service_level.Service", on_delete=models.SET_NULL, related_name="+")
    ci_class = optional_fk("configuration.CIClass", on_delete=models.SET_NULL, related_name="+")
    category = optional_fk(Category, on_delete=models.SET_NULL, related_name="+")
    support_group = optional_fk(
        "core.SupportGroup", related_name="+", help_text="Whose group coordinator approves it."
    )
    proposed_by = optional_fk("core.Person", related_name="+")
    from_incident = optional_fk(IncidentRequest, on_delete=models.SET_NULL, related_name="+")
    decided_by = optional_fk("core.Person", related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    use_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["status", "service"], name="solution_status_idx")]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("incidents:solution-detail", args=[self.pk])


class SolutionUse(models.Model):
    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="uses")
    incident = models.ForeignKey(
        IncidentRequest, on_delete=models.CASCADE, related_name="solution_uses"
    )
    used_by = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["solution", "incident"], name="uniq_solution_use")
        ]

    def __str__(self) -> str:
        return f"{self.solution.number} on {self.incident.number}"


class InboundMail(models.Model):
    """Every message ``steward mail ingest`` / ``fetch`` looked at, and what it did."""

    message_id = models.CharField(max_length=250, blank=True, db_index=True)
    sender = models.CharField(max_length=250, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    outcome = models.CharField(max_length=30, choices=MailOutcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    incident = optional_fk(IncidentRequest, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~Q(message_id="") & Q(outcome__in=["created", "replied"]),
                name="uniq_processed_message",
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.subject}: {self.get_outcome_display()}"


class ReportSubscription(models.Model):
    """Who receives the weekly incident report by email (IRP: stakeholders)."""

    person = models.OneToOneField(
        "core.Person", on_delete=models.CASCADE, related_name="incident_report_subscription"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Weekly incident report to {self.person}"


class RequestSubmission(models.Model):
    """The answers a user service request was submitted with from the catalog (issue 13),
    as they were asked: label, kind and value of each field."""

    incident = models.OneToOneField(
        IncidentRequest, on_delete=models.CASCADE, related_name="submission"
    )
    request_type = optional_fk(
        "service_level.RequestType", on_delete=models.SET_NULL, related_name="submissions"
    )
    request_type_name = models.CharField(max_length=200)
    # [{"key": "model", "label": "Model", "kind": "choice", "value": "14 inch", "text": "14 inch"}]
    answers = models.JSONField(default=list, blank=True)
    expected_response = models.CharField(
        max_length=200, blank=True, help_text="The response promise shown when it was submitted."
    )

    def __str__(self) -> str:
        return f"{self.request_type_name} ({self.incident_id})"


class Deflection(models.Model):
    """A request that ended before it was registered because a suggested solution solved
    it ("This solved it" on the portal)."""

    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    solution = models.ForeignKey(Solution, on_delete=models.PROTECT, related_name="deflections")
    text = models.TextField(blank=True, help_text="What the person had typed.")
    service = optional_fk("service_level.Service", on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.solution_id} solved it for {self.person_id}"
