"""What people record while they work on any record type: the time they spent (per action,
reported per group and person) and the reply/resolution templates they write with."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from steward.core.models.records import TimeStampedModel, VersionedModel


class TimeEntry(models.Model):
    """Minutes a person spent on a record, written with the action that took them (a reply,
    a work note, a resolution, an inline change) and pointing at its journal entry."""

    record_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    record_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("record_type", "record_id")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    # The group that worked on the record then (for "time per group"), kept as it was.
    support_group = models.ForeignKey(
        "core.SupportGroup", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes = models.PositiveIntegerField()
    activity = models.CharField(max_length=40, help_text="What the time was spent on.")
    journal_entry = models.OneToOneField(
        "core.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entry",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["record_type", "record_id"])]
        verbose_name_plural = "time entries"

    def __str__(self) -> str:
        return f"{self.minutes} min by {self.person} ({self.activity})"


class TemplateKind(models.TextChoices):
    REPLY = "reply", "Reply"
    RESOLUTION = "resolution", "Resolution"


class ResponseTemplate(VersionedModel, TimeStampedModel):
    """A text for replies or resolutions with placeholders (``{{requester.first_name}}``)
    filled from the record when chosen. Shared (no owner: maintained by coordinators and
    managers) or personal (its owner's only)."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=TemplateKind.choices)
    body = models.TextField()
    owner = models.ForeignKey(
        "core.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response_templates",
        help_text="Empty: shared with everyone who works on records.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def shared(self) -> bool:
        return self.owner_id is None
