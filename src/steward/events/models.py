"""Event Management (seed 003 ch. 6; ch. 2 proc. 2 for capacity warnings): the monitoring
sources that send events and their tokens, the durable inbox the ingestion endpoints
write, the deduplicated events the operators handle, the event types with their handling
instructions, the CI match and correlation rules, and the records of the event and
outage reviews.

Design notes (docs/ARCHITECTURE.md, "Event Management", has the long form):
- Ingestion only validates and appends to ``EventInbox`` (one INSERT, committed before the
  202): that is what makes an accepted event durable. Deduplication, CI matching,
  correlation and incident registration run in the event processor, which takes inbox
  rows in batches and deletes them in the transaction that applies them (exactly once).
- An ``Event`` is one alert while it fires: repeats of its fingerprint add to ``count``
  and move ``last_seen_at``; the monitor's "resolved" clears it (``active`` false). At
  most one active event per source and fingerprint (a partial unique index: the upsert
  that counts repeats is correct under concurrency). The operator's status (open,
  acknowledged, closed) is a separate matter: an event is closed once its incident is
  assigned, while the alert may still be firing.
"""

from django.db import models
from django.urls import reverse

from steward.core.models import TimeStampedModel, VersionedModel, optional_fk
from steward.events.choices import (
    CorrelationKind,
    EventCategory,
    EventStatus,
    Handling,
    MatchOn,
    OutageFinding,
    ReviewTopic,
    Severity,
    SourceKind,
)


class EventSource(VersionedModel, TimeStampedModel):
    """A network or system management application that sends events, with its token."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.GENERIC)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    # SHA-256 of the token (the token itself is shown once); looked up on every request.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(max_length=12, blank=True, editable=False)
    token_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    operator = optional_fk(
        "core.Person",
        related_name="+",
        help_text="The operator in whose name incident requests are registered for its events.",
    )
    support_group = optional_fk(
        "core.SupportGroup",
        related_name="+",
        help_text="The group that maintains its monitoring jobs (event review improvements).",
    )
    rate_limit = models.PositiveIntegerField(
        default=10000, help_text="Events per second accepted from this source."
    )
    created_by = optional_fk("core.Person", related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:source-detail", args=[self.pk])


class EventType(VersionedModel, TimeStampedModel):
    """A kind of event (an alert name, a trigger) with what the operator does about it."""

    code = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(
        max_length=20, choices=EventCategory.choices, default=EventCategory.OUTAGE
    )
    handling_instructions = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name or self.code

    def get_absolute_url(self) -> str:
        return reverse("events:type-detail", args=[self.pk])


class CiMatchRule(VersionedModel, TimeStampedModel):
    """How an event finds its CI (proc. 1, "determine which CI has failed"): tried in
    ``order``; the first rule whose value names exactly one CI wins."""

    order = models.PositiveIntegerField(default=100)
    name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    source = optional_fk(EventSource, on_delete=models.CASCADE, related_name="match_rules")
    event_field = models.CharField(
        max_length=100,
        default="resource",
        help_text='"resource", or an attribute of the event ("labels.instance", "host").',
    )
    match_on = models.CharField(max_length=20, choices=MatchOn.choices, default=MatchOn.NAME)
    ci_attribute = models.CharField(
        max_length=60, blank=True, help_text="The CI attribute compared (match on attribute)."
    )
    strip_port = models.BooleanField(
        default=False, help_text='Compare "host" of a "host:port" value.'
    )
    strip_domain = models.BooleanField(
        default=False, help_text='Compare "host" of a "host.example.com" value.'
    )

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:match-rule-detail", args=[self.pk])


class CorrelationRule(VersionedModel, TimeStampedModel):
    """One of the automated correlation rules of proc. 1; the operations manager may switch
    one off, and the event review shows the ones that never fire."""

    kind = models.CharField(max_length=20, choices=CorrelationKind.choices, unique=True)
    order = models.PositiveIntegerField(default=100)
    name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    window_minutes = models.PositiveIntegerField(
        default=60, help_text="How far back an open event or incident still counts."
    )
    fired_count = models.PositiveBigIntegerField(default=0, editable=False)
    last_fired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:correlation-rule-detail", args=[self.pk])


class EventInbox(models.Model):
    """Accepted, not yet processed events: one normalised event per row, written by the
    ingestion endpoints in one statement and committed before they answer 202."""

    source = models.ForeignKey(EventSource, on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"inbox {self.pk} from source {self.source_id}"


class Event(VersionedModel):
    """One alert while it fires (deduplicated by fingerprint) and how it was handled."""

    source = models.ForeignKey(EventSource, on_delete=models.PROTECT, related_name="events")
    fingerprint = models.CharField(max_length=255)
    resource = models.CharField(max_length=255, blank=True)
    event_type = models.CharField(max_length=100, blank=True)
    type = optional_fk(EventType, on_delete=models.SET_NULL, related_name="events")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MAJOR)
    category = models.CharField(
        max_length=20, choices=EventCategory.choices, default=EventCategory.OUTAGE
    )
    summary = models.CharField(max_length=500, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(help_text="When the monitor says it started.")
    first_seen_at = models.DateTimeField(db_index=True)
    last_seen_at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=1)
    active = models.BooleanField(default=True, help_text="Still firing (not resolved).")
    cleared_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=EventStatus.choices, default=EventStatus.OPEN, db_index=True
    )
    handling = models.CharField(max_length=30, choices=Handling.choices, default=Handling.PENDING)
    handled_at = models.DateTimeField(null=True, blank=True)
    ci = optional_fk("configuration.ConfigurationItem", related_name="events")
    match_rule = optional_fk(CiMatchRule, on_delete=models.SET_NULL, related_name="+")
    cause = optional_fk("self", on_delete=models.SET_NULL, related_name="symptoms")
    correlation_rule = optional_fk(CorrelationRule, on_delete=models.SET_NULL, related_name="+")
    incident = optional_fk("incidents.IncidentRequest", related_name="events")
    planned_change = optional_fk("changes.Change", related_name="+")
    planned_event = optional_fk("changes.PlannedEvent", related_name="+")
    acknowledged_by = optional_fk("core.Person", related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = optional_fk("core.Person", related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "last_seen_at"], name="event_status_seen_idx"),
            models.Index(fields=["ci", "active"], name="event_ci_active_idx"),
            models.Index(fields=["event_type", "first_seen_at"], name="event_type_seen_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "fingerprint"],
                condition=models.Q(active=True),
                name="uniq_active_event_fingerprint",
            )
        ]

    @property
    def number(self) -> str:
        return f"EV{self.pk:07d}" if self.pk else "EV"

    def __str__(self) -> str:
        return f"{self.number} {self.summary or self.event_type}"

    def get_absolute_url(self) -> str:
        return reverse("events:event-detail", args=[self.pk])

    def permission_scopes(self) -> list[models.Model]:
        return []


class ImprovementRequest(models.Model):
    """An improvement the operations manager raised in the event review (proc. 2) or the
    outage review (proc. 3): the incident request that asks the responsible group for it."""

    topic = models.CharField(max_length=30, choices=ReviewTopic.choices)
    subject = models.CharField(
        max_length=200, help_text="What it is about: a source, event type, rule or CI."
    )
    incident = models.ForeignKey(
        "incidents.IncidentRequest", on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_topic_display()}: {self.subject}"


class OutageReview(models.Model):
    """The operations manager's finding on one high-impact incident request (proc. 3)."""

    incident = models.OneToOneField(
        "incidents.IncidentRequest", on_delete=models.CASCADE, related_name="outage_review"
    )
    finding = models.CharField(max_length=30, choices=OutageFinding.choices)
    note = models.TextField(blank=True)
    follow_up = optional_fk("incidents.IncidentRequest", related_name="+")
    reviewed_by = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]

    def __str__(self) -> str:
        return f"Outage review of incident {self.incident_id}: {self.get_finding_display()}"
