"""Optimistic concurrency: a save from an older version of a record is refused, not applied.

Every editable record is a ``VersionedModel`` whose ``lock_version`` goes up with each
write (``core/models/records.py``). Whoever starts an edit keeps the version they saw
(the API's ``ETag``, a page form's hidden ``lock_version``) and sends it back:

* Edit services take ``expected_version`` and call ``check(record, expected_version)``
  right after locking the row, so of two saves from the same version exactly one wins.
* ``precondition`` is the same check around any write the caller does not hand the
  version to (a step, a form acting on the record): the row is locked first, the write
  runs, and a version that did not match rolls it all back. The API applies it to every
  write to a record's URL with ``If-Match`` (``StewardViewSet``), pages to every form
  that carries the version (``ServiceFormView``).
* ``refused`` writes the refused attempt on the record's journal (staff only) after the
  rollback; ``changes_since`` tells the person what the other one changed.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils import timezone

from steward.core import journal
from steward.core.choices import JournalKind
from steward.core.errors import StaleVersion
from steward.core.models.records import VersionedModel

FIELD = "lock_version"
# Journal kinds that change what a record is; the others (notes, attachments) do not.
_CHANGE_KINDS = (JournalKind.FIELD_CHANGE, JournalKind.TRANSITION)
_MAX_CHANGES = 20


def is_versioned(model: type[models.Model] | models.Model | None) -> bool:
    cls = model if isinstance(model, type) else type(model)
    return model is not None and issubclass(cls, VersionedModel)


def stored_version(record: VersionedModel) -> int:
    """The version as read from the database, even after this transaction saved it."""
    base = getattr(record, "_lock_version_base", None)
    return base if base else record.lock_version


def check(record: models.Model, expected_version: int | None) -> None:
    """Refuse (``StaleVersion``) when the caller started from another version than the
    stored one. Call it under the row lock, before changing anything; ``None`` means the
    caller did not say (scripts, tasks, old API clients) and skips the check."""
    if expected_version is None:
        return
    if not isinstance(record, VersionedModel):
        raise TypeError(f"{type(record).__name__} has no version: make it a VersionedModel.")
    current = stored_version(record)
    if int(expected_version) != current:
        raise StaleVersion(record, int(expected_version), current)


@dataclass
class Precondition:
    skip: bool = False  # the write was refused anyway (an error answer): nothing to compare


@contextmanager
def precondition(
    model: type[models.Model], pk: Any, accepted: frozenset[int] | int, *, first: bool = False
) -> Iterator[Precondition]:
    """Run the block with the record's row locked from the start, so nobody writes it in
    between; when the version it had is not ``accepted``, everything the block wrote is
    rolled back (``StaleVersion``). By default the block runs first, so a record the caller
    may not see or change still answers 404 or 403 rather than "changed meanwhile" (the
    API); ``first=True`` refuses before the block when the caller's access is settled
    already (a page that showed the form)."""
    accepted = frozenset({accepted}) if isinstance(accepted, int) else accepted
    state = Precondition()
    with transaction.atomic():
        row = (
            model._default_manager.select_for_update()
            .filter(pk=pk)
            .order_by(
                "pk"
            )  # not the model's ordering: a join there (parent__name) cannot be locked
            .values_list(FIELD, flat=True)
            .first()
        )
        stale = row is not None and row not in accepted
        if stale and first:
            raise StaleVersion(model._default_manager.get(pk=pk), min(accepted, default=None), row)
        yield state
        if stale and not state.skip:
            raise StaleVersion(model._default_manager.get(pk=pk), min(accepted, default=None), row)


def touch(record: VersionedModel, *fields: str) -> None:
    """A write to rows that belong to ``record`` (its members, holidays, contacts) is a
    write of the record: save it so its version (and ETag) moves on."""
    update = [*fields, "updated_at"] if hasattr(record, "updated_at") else [*fields]
    record.save(update_fields=update or [FIELD])


# --- HTTP ---------------------------------------------------------------------------------


def etag(version: int) -> str:
    return f'"{int(version)}"'


ANY = "*"


def parse_if_match(header: str | None) -> frozenset[int] | None:
    """The versions an ``If-Match`` header accepts; ``None`` when absent or ``*`` (any).

    Tags are ours (``"7"``); a weak ``W/"7"`` is accepted too, since proxies that compress
    weaken ETags. A tag that is not one of ours matches no version."""
    if header is None or not header.strip():
        return None
    versions: set[int] = set()
    for part in header.split(","):
        tag = part.strip()
        if tag == ANY:
            return None
        if tag.startswith("W/"):
            tag = tag[2:]
        if len(tag) >= 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
            versions.add(int(tag[1:-1]))
    return frozenset(versions)


# --- What changed, and the refused attempt -------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str
    by: str
    at: datetime

    def sentence(self) -> str:
        local = timezone.localtime(self.at)
        when = (
            local.strftime("%H:%M")
            if local.date() == timezone.localdate()
            else local.strftime("%Y-%m-%d %H:%M")
        )
        old = self.old or "(empty)"
        new = self.new or "(empty)"
        return f"{self.by} changed {self.label} from {old} to {new} at {when}."

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "by": self.by,
            "at": self.at.isoformat(),
        }


def _label(record: models.Model, name: str) -> str:
    try:
        label = getattr(record._meta.get_field(name), "verbose_name", None)
    except FieldDoesNotExist:
        label = None
    return str(label) if label else name.replace("_", " ")


def changes_since(record: models.Model, version: int | None, *, actor: Any) -> list[Change]:
    """Field changes and status changes written after ``version``, as ``actor`` may read
    the record's journal (customer-side people see what the timeline shows them)."""
    entries = journal.timeline(record, actor=actor).filter(kind__in=_CHANGE_KINDS)
    if version is not None:
        entries = entries.filter(record_version__gt=version)
    rows = list(entries.order_by("created_at", "id")[:_MAX_CHANGES])
    return [
        Change(
            field=e.field,
            label=_label(record, e.field),
            old=e.old_value,
            new=e.new_value,
            by=e.actor.display_name if e.actor else "Steward",
            at=e.created_at,
        )
        for e in rows
    ]


def explain(exc: StaleVersion, *, actor: Any) -> tuple[str, list[Change]]:
    """A message for the person whose save was refused, and the changes it names."""
    changes = changes_since(exc.record, exc.expected, actor=actor)
    head = (
        f"Not saved: {exc.record} was changed by someone else after you opened it, "
        "and nothing of yours was written."
    )
    if not changes:
        return f"{head} It is now at version {exc.current}.", changes
    return f"{head} {' '.join(c.sentence() for c in changes)}", changes


def refused(exc: StaleVersion, *, actor: Any, attempted: list[str] | None = None) -> None:
    """Journal the refused attempt on the record (staff only). Call it after the refused
    transaction rolled back, so the line survives it."""
    who = getattr(actor, "pk", None) and actor
    fields = ", ".join(_label(exc.record, name) for name in attempted or [])
    text = (
        f"Save refused: started from version {exc.expected}, the record was at version "
        f"{exc.current}" + (f" (tried to change {fields})." if fields else ".")
    )
    entry = journal._unsaved(
        exc.record,
        JournalKind.CONFLICT,
        who or None,
        body=journal.sanitise(text),
        data={"expected": exc.expected, "current": exc.current, "fields": attempted or []},
    )
    entry.record_version = exc.current
    with transaction.atomic():
        entry.save(force_insert=True)
