from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from steward.core.choices import JournalKind


class JournalEntry(models.Model):
    """One line of a record's history: who did what, when. Never edited or deleted."""

    record_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    record_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("record_type", "record_id")
    kind = models.CharField(max_length=20, choices=JournalKind.choices)
    actor = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    field = models.CharField(max_length=100, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    body = models.TextField(blank=True, help_text="Sanitised HTML of a note or reply.")
    public = models.BooleanField(
        default=False,
        help_text="Customer-side people (the requester, the customer's representatives) may "
        "read it; decided when it is written, by the service that writes it.",
    )
    data = models.JSONField(default=dict, blank=True)
    # The record's lock_version this entry's write produced (versioned records only):
    # "what changed since version N" is the field changes and transitions above N.
    record_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["record_type", "record_id", "created_at"])]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor or 'system'} at {self.created_at:%Y-%m-%d %H:%M}"
