"""Building blocks every record type inherits: timestamps and a human number."""

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NumberSequence(models.Model):
    """The last number handed out per record prefix (INC, CHG, SVC...)."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_value}"


class NumberedRecord(TimeStampedModel):
    """A record people refer to by number (``INC000123``).

    Subclasses set ``NUMBER_PREFIX``; services call ``numbering.assign(record)``
    before the first save, inside their transaction, so a rolled-back creation
    gives its number back.
    """

    NUMBER_PREFIX = ""
    number = models.CharField(max_length=20, unique=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        title = getattr(self, "title", "") or getattr(self, "name", "")
        return f"{self.number} {title}".strip()
