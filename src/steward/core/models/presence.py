from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Presence(models.Model):
    """Someone (staff) has a record page open: "Grace is viewing", "Dana is editing".
    One row per person and record, refreshed by the page's live poll
    (``core.services.presence``) and forgotten once ``expires_at`` passed. A table rather
    than the cache: the default cache is each process's memory, and two gunicorn workers
    would each see half of the people."""

    record_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    record_id = models.PositiveBigIntegerField()
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    editing = models.BooleanField(default=False)
    seen_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id", "person"], name="uniq_presence"
            )
        ]

    def __str__(self) -> str:
        doing = "editing" if self.editing else "viewing"
        return f"{self.person_id} {doing} {self.record_type_id}:{self.record_id}"
