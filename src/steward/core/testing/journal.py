"""What the journal holds about a record, for tests to assert on."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from steward.core.models import JournalEntry


def journal_of(record: Model, **filters: object) -> QuerySet[JournalEntry]:
    """The record's journal entries matching ``filters``, in the order they were written."""
    record_type = ContentType.objects.get_for_model(record)
    return JournalEntry.objects.filter(
        record_type=record_type, record_id=record.pk, **filters
    ).order_by("pk")
