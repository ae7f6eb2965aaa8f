"""Writes of presence: who (staff) has a record page open, and whether they are editing
(``core.models.Presence``). Not journalled: it changes no record, it only says who is
looking, and it is forgotten after ``presence_ttl()``."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from steward.core import permissions
from steward.core.models import Person, Presence

# Shown for three polls: one late or lost poll does not make someone vanish.
POLLS_SHOWN = 3
MIN_TTL_SECONDS = 10


def presence_ttl() -> timedelta:
    return timedelta(seconds=max(MIN_TTL_SECONDS, POLLS_SHOWN * settings.STEWARD_LIVE_SECONDS))


def presence_touch(*, actor: Person, record: Model, editing: bool = False) -> None:
    """``actor`` has ``record``'s page open (the caller fetched it through the area's
    ``x_for(actor, pk)``, so the actor may see it). Customer-side people are not recorded:
    presence is staff's. One upsert, and the actor's own expired rows are dropped, so the
    table holds about one row per person and open page."""
    if permissions.is_customer_side(actor):
        return
    now = timezone.now()
    row = Presence(
        record_type=ContentType.objects.get_for_model(record, for_concrete_model=True),
        record_id=record.pk,
        person=actor,
        editing=editing,
        seen_at=now,
        expires_at=now + presence_ttl(),
    )
    with transaction.atomic():
        Presence.objects.filter(person=actor, expires_at__lt=now).delete()
        Presence.objects.bulk_create(
            [row],
            update_conflicts=True,
            unique_fields=["record_type", "record_id", "person"],
            update_fields=["editing", "seen_at", "expires_at"],
        )


def presence_leave(*, actor: Person, record: Model) -> None:
    """``actor`` closed ``record``'s page: forget them at once."""
    Presence.objects.filter(
        record_type=ContentType.objects.get_for_model(record, for_concrete_model=True),
        record_id=record.pk,
        person=actor,
    ).delete()
