"""Release Management (seed 003 ch. 10; seed 004 "Release and Deployment Management"):
the requests for change Change Management passed on, CABs and their meetings with the
members' votes, releases (the backlog release of each service among them) with their
high-level plan, business cases, deployment through controlled environments, CMDB
baselines and rollbacks, and the release policy of each service.

Design notes (docs/ARCHITECTURE.md, "Release Management", has the long form):
- A request for change stays Change Management's record; ``RfcHandling`` is Release
  Management's side of it (one per request): the release coordinator's assessment, the
  effort and cost, the release it is in.
- "The backlog release that acts as the placeholder for requests for change that are to
  be reviewed during the next CAB meeting" is a real ``Release`` (``is_backlog``), one per
  service: the CAB's list is its requests, and "back to the backlog" is one update.
- The two-thirds rule counts all the CAB members of the meeting (``CabMeeting.members``,
  fixed when the meeting opens), as the seed reads: a member who abstains or does not vote
  does not agree.
- The changes of a release are registered through Change Management: each change of the
  plan (``ReleasePlanItem``) submits a request for change of source "release requirement
  document"; the change is that request's.
- Baselines are the CMDB's (``configuration.Baseline``): one taken before deployment, one
  after; a rollback restores the first and records what it put back.
"""

from django.db import models
from django.urls import reverse

from steward.core.models import NumberedRecord, TimeStampedModel, VersionedModel, optional_fk
from steward.releases.choices import (
    BusinessCaseStatus,
    CabOutcome,
    Environment,
    HandlingStatus,
    Justification,
    MeetingStatus,
    PlanItemStatus,
    ReleaseStatus,
    ReleaseType,
    Vote,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


class ReleasePolicy(VersionedModel, TimeStampedModel):
    """A service's release policy (seed 004: dates, frequency and types of delivery, the
    environments a release goes through, an acceptance test, emergency releases)."""

    service = models.OneToOneField(
        "service_level.Service", on_delete=models.CASCADE, related_name="release_policy"
    )
    description = models.TextField(blank=True)
    major_frequency = models.CharField(
        max_length=100, blank=True, help_text="How often a major release, e.g. twice a year."
    )
    minor_frequency = models.CharField(
        max_length=100, blank=True, help_text="How often a minor release, e.g. monthly."
    )
    environments = models.JSONField(
        default=list,
        blank=True,
        help_text="The environments a release passes through, in order (empty: all four).",
    )
    acceptance_test_required = models.BooleanField(default=True)
    baseline_required = models.BooleanField(
        default=True, help_text="A CMDB baseline is taken before the transfer to production."
    )
    emergency_rules = models.TextField(
        blank=True, help_text="When an emergency release is allowed and how it goes."
    )

    class Meta:
        verbose_name_plural = "release policies"

    def __str__(self) -> str:
        return f"Release policy of {self.service}"

    def get_absolute_url(self) -> str:
        return reverse("releases:policy-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.service]


class Cab(VersionedModel, TimeStampedModel):
    """The change advisory board of a service (proc. 2) and its members."""

    service = models.OneToOneField(
        "service_level.Service", on_delete=models.CASCADE, related_name="cab"
    )
    name = models.CharField(max_length=120)
    members = models.ManyToManyField("core.Person", related_name="cabs", blank=True)
    usual_place = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "CAB"
        verbose_name_plural = "CABs"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("releases:cab-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.service]


class Release(VersionedModel, NumberedRecord):
    """A release (proc. 2-4), from registration to closure; or the backlog release of a
    service (``is_backlog``), which holds the requests for the next CAB meeting."""

    NUMBER_PREFIX = "REL"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    service = models.ForeignKey(
        "service_level.Service", on_delete=models.PROTECT, related_name="releases"
    )
    release_type = models.CharField(
        max_length=20, choices=ReleaseType.choices, default=ReleaseType.MINOR
    )
    status = models.CharField(
        max_length=20, choices=ReleaseStatus.choices, default=ReleaseStatus.REGISTERED
    )
    is_backlog = models.BooleanField(default=False)
    coordinator = optional_fk("core.Person", related_name="coordinated_releases")
    cab_defined = models.BooleanField(
        default=False, help_text="Defined by a CAB meeting (its requests return to the backlog)."
    )
    cab_meeting = optional_fk("releases.CabMeeting", related_name="+")

    # The deployment window (the roadmap draws it) and "in production by" (on time KPI).
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    target_date = models.DateTimeField(null=True, blank=True)
    production_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    plan_notes = models.TextField(
        blank=True,
        help_text="The high-level implementation plan agreed with the change coordinators.",
    )
    rollback_plan = models.TextField(blank=True)

    # Proc. 3, business justification. The budget reference is for Financial Management.
    estimated_cost = models.DecimalField(null=True, blank=True, **MONEY)
    available_budget = models.DecimalField(
        null=True, blank=True, help_text="The service owner's budget available for it.", **MONEY
    )
    budget_reference = models.CharField(max_length=60, blank=True)
    justification = models.CharField(
        max_length=20, choices=Justification.choices, default=Justification.PENDING
    )

    # Proc. 4: completion and the post-implementation review.
    completion_note = models.TextField(blank=True)
    review_held_at = models.DateTimeField(null=True, blank=True)
    review_attendees = models.ManyToManyField("core.Person", related_name="+", blank=True)
    improvement_suggestions = models.TextField(blank=True)
    review_decisions = models.TextField(blank=True)
    review_published_at = models.DateTimeField(null=True, blank=True)

    # An emergency release goes through the emergency change path.
    emergency_change = optional_fk("changes.Change", related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "service"], name="release_status_service_idx"),
            models.Index(fields=["planned_start"], name="release_start_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["service"],
                condition=models.Q(is_backlog=True),
                name="one_backlog_release_per_service",
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("releases:release-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.service]


class RfcHandling(VersionedModel, TimeStampedModel):
    """Release Management's side of a request for change (proc. 1): the release
    coordinator's assessment of the seed's conditions, effort and cost, and the release
    (or the backlog release) it is in."""

    rfc = models.OneToOneField(
        "changes.RequestForChange", on_delete=models.CASCADE, related_name="release_handling"
    )
    service = models.ForeignKey("service_level.Service", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=HandlingStatus.choices, default=HandlingStatus.RECEIVED
    )
    coordinator = optional_fk("core.Person", related_name="+")
    release = optional_fk(Release, related_name="rfc_handlings", on_delete=models.SET_NULL)
    received_at = models.DateTimeField()
    # The release coordinator's assessment (proc. 1); None = not answered.
    problem_fix = models.BooleanField(null=True, blank=True)
    single_coordinator = models.BooleanField(null=True, blank=True)
    functionality_changes = models.BooleanField(null=True, blank=True)
    extra_funding = models.BooleanField(null=True, blank=True)
    cab_required = models.BooleanField(null=True, blank=True)
    effort_hours = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    cost = models.DecimalField(null=True, blank=True, **MONEY)
    decision_note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # When it entered a release through the CAB (time from inclusion to production KPI).
    included_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = "request for change handling"
        verbose_name_plural = "requests for change handling"
        indexes = [models.Index(fields=["status", "service"], name="handling_status_idx")]

    def __str__(self) -> str:
        return f"Handling of {self.rfc}"

    def get_absolute_url(self) -> str:
        return reverse("releases:handling-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.service]


class CabMeeting(VersionedModel, NumberedRecord):
    """A meeting of a CAB (proc. 2)."""

    NUMBER_PREFIX = "CABM"

    cab = models.ForeignKey(Cab, on_delete=models.PROTECT, related_name="meetings")
    status = models.CharField(
        max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    submission_deadline = models.DateTimeField()
    coordinator = optional_fk("core.Person", related_name="+")
    invited_at = models.DateTimeField(null=True, blank=True)
    agenda_finalised_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The CAB's members when the meeting opened: the two-thirds are of them.
    members = models.ManyToManyField("core.Person", related_name="+", blank=True)
    next_meeting = optional_fk("self", related_name="+")
    minutes = models.TextField(blank=True)
    minutes_published_at = models.DateTimeField(null=True, blank=True)
    rejected_closed_at = models.DateTimeField(null=True, blank=True)
    release = optional_fk(Release, related_name="+", on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = "CAB meeting"
        indexes = [models.Index(fields=["cab", "starts_at"], name="cab_meeting_start_idx")]

    def get_absolute_url(self) -> str:
        return reverse("releases:meeting-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.cab.service]


class CabAgendaItem(TimeStampedModel):
    """A request for change on a meeting's finalised list, and the outcome of the votes."""

    meeting = models.ForeignKey(CabMeeting, on_delete=models.CASCADE, related_name="agenda")
    rfc = models.ForeignKey("changes.RequestForChange", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=CabOutcome.choices, blank=True)
    members_count = models.PositiveIntegerField(default=0)
    reject_votes = models.PositiveIntegerField(default=0)
    include_votes = models.PositiveIntegerField(default=0)
    no_opinion_votes = models.PositiveIntegerField(default=0)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "rfc"], name="uniq_cab_agenda_rfc")
        ]

    def __str__(self) -> str:
        return f"{self.rfc} at {self.meeting}"


class CabVote(TimeStampedModel):
    """One member's vote on one request at one meeting (once; not after the meeting)."""

    item = models.ForeignKey(CabAgendaItem, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    vote = models.CharField(max_length=20, choices=Vote.choices)
    cast_at = models.DateTimeField()

    class Meta:
        ordering = ["item", "member"]
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="uniq_cab_vote")]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_vote_display()}"


class ReleasePlanItem(VersionedModel, TimeStampedModel):
    """One change of the release's high-level plan (proc. 2) and its requirement document
    (proc. 4): which change coordinator takes which requirements, how long, after what."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="plan_items")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    service = models.ForeignKey(
        "service_level.Service",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The release's service or a supporting service that must change too.",
    )
    change_coordinator = optional_fk("core.Person", related_name="+")
    requirements = models.TextField(blank=True, help_text="The requirement document.")
    rfcs = models.ManyToManyField("changes.RequestForChange", related_name="+", blank=True)
    duration_days = models.PositiveIntegerField(default=1)
    depends_on = models.ManyToManyField("self", symmetrical=False, related_name="+", blank=True)
    additional = models.BooleanField(
        default=False, help_text="An additional change after a (partly) failed one."
    )
    status = models.CharField(
        max_length=20, choices=PlanItemStatus.choices, default=PlanItemStatus.PLANNED
    )
    request = optional_fk(
        "changes.RequestForChange", related_name="release_plan_items", on_delete=models.SET_NULL
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)

    class Meta:
        ordering = ["release", "position", "pk"]
        verbose_name = "release change"

    def __str__(self) -> str:
        return self.title

    def permission_scopes(self) -> list[models.Model]:
        return [self.release.service]


class BusinessCase(VersionedModel, NumberedRecord):
    """The business case of a release (proc. 3): costs, benefits and the budget it asks
    for; rejected ones are adjusted (another round) or abandoned."""

    NUMBER_PREFIX = "BC"

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="business_cases")
    status = models.CharField(
        max_length=20, choices=BusinessCaseStatus.choices, default=BusinessCaseStatus.DRAFT
    )
    costs = models.DecimalField(**MONEY)
    benefits = models.TextField()
    budget_requested = models.DecimalField(**MONEY)
    budget_reference = models.CharField(max_length=60, blank=True)
    round = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = optional_fk("core.Person", related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def get_absolute_url(self) -> str:
        return reverse("releases:business-case-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.release.service]


class DeploymentStage(TimeStampedModel):
    """One environment of the release's deployment plan (seed 004): when, what is
    delivered, and the release administrator's transfer into it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="stages")
    environment = models.CharField(max_length=20, choices=Environment.choices)
    planned_at = models.DateTimeField(null=True, blank=True)
    deliverables = models.TextField(blank=True)
    transferred_at = models.DateTimeField(null=True, blank=True)
    transferred_by = optional_fk("core.Person", related_name="+")
    accepted = models.BooleanField(
        null=True, blank=True, help_text="Acceptance test passed (the acceptance environment)."
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["release", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["release", "environment"], name="uniq_release_stage")
        ]

    def __str__(self) -> str:
        return f"{self.release}: {self.get_environment_display()}"


class ReleaseBaseline(TimeStampedModel):
    """A CMDB baseline taken for a release: before deployment (what a rollback restores)
    or after it (what the comparison reads)."""

    BEFORE, AFTER = "before", "after"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="baselines")
    baseline = models.ForeignKey(
        "configuration.Baseline", on_delete=models.PROTECT, related_name="+"
    )
    moment = models.CharField(
        max_length=10, choices=[(BEFORE, "Before deployment"), (AFTER, "After deployment")]
    )

    class Meta:
        ordering = ["release", "created_at"]

    def __str__(self) -> str:
        return f"{self.baseline} ({self.get_moment_display()})"


class Rollback(TimeStampedModel):
    """A rollback of a release: the baseline it restored, why, and what it put back."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="rollbacks")
    baseline = models.ForeignKey(
        "configuration.Baseline", on_delete=models.PROTECT, related_name="+"
    )
    performed_by = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    performed_at = models.DateTimeField()
    reason = models.TextField()
    restored = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-performed_at"]

    def __str__(self) -> str:
        return f"Rollback of {self.release} at {self.performed_at:%Y-%m-%d %H:%M}"
