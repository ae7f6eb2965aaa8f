import uuid

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name never contains anything the uploader chose: no traversal, no clashes.
    today = timezone.now()
    return f"attachments/{today:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    record_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    record_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("record_type", "record_id")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        "core.Person", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["record_type", "record_id"])]

    def __str__(self) -> str:
        return self.original_name
