from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from steward.core.choices import ClockKind, ClockMetric, ClockState


class SlaClock(models.Model):
    """A running promise on a record: started on registration, paused while waiting on the
    requester or a supplier, stopped on resolution; warning and breach in business time.

    ``warning_at`` and ``breach_at`` are recomputed on every start, pause and resume, so the
    sweep only compares timestamps (indexed) and never does calendar maths.
    """

    record_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    record_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("record_type", "record_id")
    kind = models.CharField(max_length=10, choices=ClockKind.choices, default=ClockKind.SLA)
    metric = models.CharField(max_length=20, choices=ClockMetric.choices)
    name = models.CharField(max_length=200, help_text="What is promised, e.g. the SLT's label.")
    # The service level target this clock measures (service_level.ServiceLevelTarget), by id
    # so the core does not depend on an area.
    target_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    agreement_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    calendar = models.ForeignKey(
        "core.BusinessCalendar", on_delete=models.PROTECT, related_name="+"
    )
    target_seconds = models.PositiveBigIntegerField()
    warning_percent = models.PositiveSmallIntegerField(default=75)
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_business_seconds = models.PositiveBigIntegerField(default=0)
    stopped_at = models.DateTimeField(null=True, blank=True)
    elapsed_business_seconds = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Business time used, frozen when the clock stops."
    )
    warning_at = models.DateTimeField(null=True, blank=True)
    breach_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["breach_at", "id"]
        indexes = [
            models.Index(fields=["record_type", "record_id"]),
            # The sweep's two questions, answered from small partial indexes.
            models.Index(
                fields=["warning_at"],
                condition=models.Q(state="running", warned_at__isnull=True),
                name="clock_warning_due",
            ),
            models.Index(
                fields=["breach_at"],
                condition=models.Q(state="running", breached_at__isnull=True),
                name="clock_breach_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_metric_display()}: {self.name}"


class ClockEvent(models.Model):
    """The history of a clock: every start, pause, resume, stop and recalculation."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=20)
    at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        "core.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.event} at {self.at:%Y-%m-%d %H:%M}"
