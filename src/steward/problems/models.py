"""Problem Management (seed 003 ch. 9): problem investigations with their linked incident
requests and structural solution options, known errors, and the problem candidates the
system proposes from clusters of similar incidents.

Design notes (docs/ARCHITECTURE.md, "Problem Management", has the long form):
- An incident request is caused by at most one problem: ``ProblemIncident`` is unique per
  incident, which is how "not yet linked to a problem" is one ``NOT EXISTS``.
- The three conditions of "is Change Management really needed" (proc. 3) are nullable
  fields as on requests for change: "not answered" differs from "no".
- A known error is what goes to Change Management: its request for change (``rfc``) is a
  ``changes.RequestForChange`` of source "known error"; the change is the RFC's. Its
  workaround is published as a known workaround (``incidents.Solution``), so registration
  suggests it beside the knowledge solutions and counts its uses.
"""

from django.db import models
from django.urls import reverse

from steward.core.models import NumberedRecord, TimeStampedModel, VersionedModel, optional_fk
from steward.problems.choices import (
    AnalysisOutcome,
    CandidateStatus,
    KnownErrorStatus,
    ProblemSource,
    ProblemStatus,
    ReviewDecision,
)


class ProblemInvestigation(VersionedModel, NumberedRecord):
    """A problem investigation (proc. 1-4), from registration to closure or impasse."""

    NUMBER_PREFIX = "PRB"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    service = models.ForeignKey(
        "service_level.Service", on_delete=models.PROTECT, related_name="problems"
    )
    category = optional_fk("incidents.Category", on_delete=models.SET_NULL, related_name="+")
    cis = models.ManyToManyField(
        "configuration.ConfigurationItem", blank=True, related_name="problems"
    )
    source = models.CharField(
        max_length=20, choices=ProblemSource.choices, default=ProblemSource.INCIDENT_REVIEW
    )
    status = models.CharField(
        max_length=24, choices=ProblemStatus.choices, default=ProblemStatus.REGISTERED
    )
    coordinator = optional_fk("core.Person", related_name="coordinated_problems")
    support_group = optional_fk("core.SupportGroup", related_name="problems")
    specialist = optional_fk("core.Person", related_name="assigned_problems")
    assigned_at = models.DateTimeField(null=True, blank=True)

    # Proc. 2, the specialist's analysis.
    workaround = models.TextField(blank=True, help_text="The temporary workaround.")
    workaround_steps = models.TextField(blank=True, help_text="How to apply the workaround.")
    root_cause = models.TextField(blank=True)
    root_cause_found_at = models.DateTimeField(null=True, blank=True)
    no_root_cause_reason = models.TextField(blank=True)
    no_solution_reason = models.TextField(blank=True)
    change_management_required = models.BooleanField(
        null=True, blank=True, help_text="The specialist believes Change Management is needed."
    )
    analysis_outcome = models.CharField(max_length=20, choices=AnalysisOutcome.choices, blank=True)
    analysis_completed_at = models.DateTimeField(null=True, blank=True)
    fixed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the specialist implemented the solution."
    )

    # Proc. 3, the coordinator's review: is Change Management really needed?
    unavailable_in_service_hours = models.BooleanField(null=True, blank=True)
    functionality_changes = models.BooleanField(null=True, blank=True)
    cmdb_update = models.BooleanField(null=True, blank=True)
    review_decision = models.CharField(max_length=20, choices=ReviewDecision.choices, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    analysis_rounds = models.PositiveSmallIntegerField(default=0)

    # Proc. 4, closure or impasse.
    impasse_reason = models.TextField(blank=True)
    recheck_on = models.DateField(null=True, blank=True)
    recheck_reminded_on = models.DateField(null=True, blank=True)
    closure_note = models.TextField(blank=True)
    closure_override_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "service"], name="problem_status_idx"),
            models.Index(fields=["recheck_on"], name="problem_recheck_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("problems:problem-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        """A problem coordinator limited to the service counts on its problems."""
        return [s for s in (self.service, self.support_group) if s is not None]


class SolutionOption(TimeStampedModel):
    """A structural solution the specialist considered (proc. 2); one is recommended."""

    problem = models.ForeignKey(
        ProblemInvestigation, on_delete=models.CASCADE, related_name="solution_options"
    )
    position = models.PositiveSmallIntegerField(default=1)
    description = models.TextField()
    is_recommended = models.BooleanField(default=False)
    created_by = optional_fk("core.Person", related_name="+")

    class Meta:
        ordering = ["problem_id", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.problem.number} option {self.position}"


class ProblemIncident(models.Model):
    """An incident request caused by the problem (proc. 1). One problem per incident."""

    problem = models.ForeignKey(
        ProblemInvestigation, on_delete=models.CASCADE, related_name="incident_links"
    )
    incident = models.OneToOneField(
        "incidents.IncidentRequest", on_delete=models.CASCADE, related_name="problem_link"
    )
    linked_at = models.DateTimeField(auto_now_add=True)
    linked_by = optional_fk("core.Person", related_name="+")

    class Meta:
        ordering = ["problem_id", "linked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} caused by {self.problem_id}"


class KnownError(VersionedModel, NumberedRecord):
    """A known error (proc. 3): a problem whose root cause is known and whose structural
    solution needs Change Management; passed to the change coordinator of the service as a
    request for change. Its workaround helps resolve incidents until the change is done."""

    NUMBER_PREFIX = "KE"

    problem = models.ForeignKey(
        ProblemInvestigation, on_delete=models.PROTECT, related_name="known_errors"
    )
    title = models.CharField(max_length=200)
    service = models.ForeignKey(
        "service_level.Service", on_delete=models.PROTECT, related_name="known_errors"
    )
    category = optional_fk("incidents.Category", on_delete=models.SET_NULL, related_name="+")
    root_cause = models.TextField()
    workaround = models.TextField(blank=True)
    workaround_steps = models.TextField(blank=True)
    solution = models.TextField(blank=True, help_text="The recommended structural solution.")
    status = models.CharField(
        max_length=20, choices=KnownErrorStatus.choices, default=KnownErrorStatus.OPEN
    )
    rfc = optional_fk("changes.RequestForChange", related_name="known_errors")
    workaround_solution = optional_fk(
        "incidents.Solution",
        on_delete=models.SET_NULL,
        related_name="known_errors",
        help_text="The known workaround offered while registering incidents.",
    )
    created_by = optional_fk("core.Person", related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "service"], name="known_error_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("problems:known-error-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.service]

    @property
    def change(self) -> object | None:
        """The change the request for change was registered as or added to."""
        return self.rfc.change if self.rfc_id and self.rfc.change_id else None


class ProblemCandidate(TimeStampedModel):
    """A cluster of similar recent incident requests not linked to a problem, proposed by
    the periodic candidate job; one step registers a problem from it."""

    fingerprint = models.CharField(max_length=64, db_index=True)
    service = models.ForeignKey(
        "service_level.Service", on_delete=models.CASCADE, related_name="problem_candidates"
    )
    category = optional_fk("incidents.Category", on_delete=models.SET_NULL, related_name="+")
    ci = optional_fk("configuration.ConfigurationItem", on_delete=models.SET_NULL,
                     related_name="+")  # fmt: skip
    ci_class = optional_fk("configuration.CIClass", on_delete=models.SET_NULL, related_name="+")
    label = models.CharField(max_length=200, help_text="The words the incidents share.")
    size = models.PositiveIntegerField(default=0)
    impact = models.FloatField(default=0, help_text="Summed weight of the incidents' impact.")
    score = models.FloatField(default=0, help_text="Rank: count and impact.")
    cohesion = models.FloatField(default=0, help_text="Mean text similarity in the cluster.")
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    incidents = models.ManyToManyField(
        "incidents.IncidentRequest", blank=True, related_name="problem_candidates"
    )
    status = models.CharField(
        max_length=20, choices=CandidateStatus.choices, default=CandidateStatus.OPEN
    )
    problem = optional_fk(ProblemInvestigation, related_name="candidates")
    decided_by = optional_fk("core.Person", related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    dismissal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-score", "-size", "pk"]
        indexes = [models.Index(fields=["status", "service"], name="candidate_status_idx")]

    def __str__(self) -> str:
        return f"{self.label} ({self.size})"

    def get_absolute_url(self) -> str:
        return reverse("problems:candidate-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return [self.service]
