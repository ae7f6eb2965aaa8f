from django.contrib.contenttypes.models import ContentType
from django.db import models

from steward.core.choices import DeliveryStatus
from steward.core.models.records import VersionedModel


class Notification(models.Model):
    """A message to one person, shown in the app and (optionally) sent by email."""

    recipient = models.ForeignKey(
        "core.Person", on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=80)
    record_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=250)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    send_email = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True)
    # The outbox (core.outbox): when the email is next due (the end of a lease while a
    # worker sends it; a retry time after a failure); empty once sent, given up or not
    # to be emailed.
    email_due_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # Only rows still to send: the dispatcher's lookup stays small however many
            # notifications were ever sent.
            models.Index(
                fields=["email_due_at"],
                condition=models.Q(email_due_at__isnull=False),
                name="notification_email_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class KeptEmail(models.Model):
    """An email Steward would have sent, kept instead because no mail server is configured
    (``core.keptmail``): administrators read it under Administration, "Outgoing email"."""

    recipients = models.TextField(help_text="The To, Cc and Bcc addresses, comma-separated.")
    from_email = models.CharField(max_length=254, blank=True)
    subject = models.TextField(blank=True)
    body = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    kept_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-kept_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} (to {self.recipients})"


class WebhookSubscription(VersionedModel, models.Model):
    """Another tool's endpoint that receives signed JSON for chosen record types and events."""

    name = models.CharField(max_length=120)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128, help_text="Shared secret for the HMAC signature.")
    record_type = models.CharField(
        max_length=60,
        blank=True,
        help_text='"app.model" (e.g. "incidents.incident"); blank for all.',
    )
    events = models.JSONField(default=list, blank=True, help_text="Event names; empty for all.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def matches(self, record_type: str, event: str) -> bool:
        return (not self.record_type or self.record_type == record_type) and (
            not self.events or event in self.events
        )


class WebhookDelivery(models.Model):
    """One event sent (or being retried) to one subscription: the delivery log."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=80)
    record_type = models.CharField(max_length=60)
    record_id = models.PositiveBigIntegerField(null=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscription} ({self.status})"
