"""Live updates: what changed since a page was drawn, cheaply enough to be asked every
few seconds by every open queue and record page (docs/ARCHITECTURE.md "Live updates").

* A record page remembers the record's ``lock_version`` and the last journal entry it
  showed; ``record_changes`` answers from the row (already fetched for the permission
  check) and the record's journal entries after that one (an index range).
* A list page remembers a *token*, the newest ``updated_at`` of the whole table (one
  step down an index), and a *fingerprint* of its page (the rows' keys and versions and
  the count). Only when the token moved is the page's query run again
  (``list_fingerprint``: the page's keys and the capped count, what drawing it costs
  without the cells), and only when the fingerprint differs is the page told to reload.
"""

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Model

from steward.core import journal, permissions
from steward.core.models import JournalEntry, Person

SYSTEM_NAME = "Steward"


def interval_ms() -> int:
    """How often pages poll, in milliseconds (``STEWARD_LIVE_SECONDS``)."""
    return max(100, int(settings.STEWARD_LIVE_SECONDS * 1000))


# --- Records --------------------------------------------------------------------------------


def last_entry_id(record: Model, actor: Person) -> int:
    """The newest journal entry of ``record`` that ``actor`` may read (0: none)."""
    found = journal.timeline(record, actor=actor).aggregate(last=Max("pk"))["last"]
    return found or 0


def record_token(record: Model, actor: Person) -> dict[str, int]:
    return {
        "version": int(getattr(record, "lock_version", 0) or 0),
        "entry": last_entry_id(record, actor),
    }


def record_changes(record: Model, actor: Person, version: int, entry: int) -> dict[str, Any]:
    """Whether someone else changed ``record`` since the page showed ``version`` and journal
    entry ``entry``, and who. The actor's own changes (another tab, an inline edit) are not
    news: the page takes the new version quietly. Customer-side people learn only of what
    their timeline shows (a staff field change is no news to them)."""
    entries = list(
        journal.timeline(record, actor=actor)
        .filter(pk__gt=entry)
        .order_by("pk")
        .values_list("pk", "actor_id", "actor__first_name", "actor__last_name")
    )
    names: list[str] = []
    for _pk, actor_id, first, last in entries:
        if actor_id == actor.pk:
            continue
        name = f"{first} {last}".strip() if actor_id else SYSTEM_NAME
        if name and name not in names:
            names.append(name)
    now = record_token(record, actor)
    if entries:
        now["entry"] = max(now["entry"], entries[-1][0])
    moved = now["version"] != version and not permissions.is_customer_side(actor)
    changed = bool(names) or (moved and not entries and _others_wrote(record, actor, entry))
    return {"changed": changed, "by": names, **now}


def _others_wrote(record: Model, actor: Person, entry: int) -> bool:
    """The version moved with no entry the actor may read: did someone else write?"""
    ct = ContentType.objects.get_for_model(record, for_concrete_model=True)
    mine = JournalEntry.objects.filter(record_type=ct, record_id=record.pk, pk__gt=entry)
    return not mine.exists() or mine.exclude(actor_id=actor.pk).exists()


def changed_text(kind: str, names: list[str]) -> str:
    if not names:
        return f"This {kind} was updated."
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"This {kind} was updated by {who}."


def presence_rows(presence: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {"name": p.person.display_name, "editing": p.editing, "id": p.person_id} for p in presence
    ]


# --- Lists ----------------------------------------------------------------------------------


def list_token(model: type[Model]) -> str:
    """The newest ``updated_at`` of ``model`` (an index on it makes this one step), or ""
    when the model has none (the fingerprint is then computed on every poll)."""
    if not any(f.name == "updated_at" for f in model._meta.concrete_fields):
        return ""
    newest = model._default_manager.aggregate(newest=Max("updated_at"))["newest"]
    # Microseconds since the epoch: a plain number travels in a URL as it is.
    return str(int(newest.timestamp() * 1_000_000)) if newest else "-"


def fingerprint(objects: Iterable[Model], count: Any) -> str:
    """The page as the person sees it: its rows' keys and versions, in order, and the
    count."""
    parts = [str(count)]
    for obj in objects:
        version = getattr(obj, "lock_version", None)
        if version is None:
            stamp = getattr(obj, "updated_at", None)
            version = stamp.isoformat() if stamp else ""
        parts.append(f"{obj.pk}:{version}")
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]
