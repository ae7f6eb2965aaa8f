"""The record journal: field changes, transitions, notes and replies, with who and when.

Services call these helpers inside their own transaction, so the journal and the
change it describes are written together or not at all.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import nh3
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import QuerySet

from steward.core import permissions
from steward.core.choices import PUBLIC_JOURNAL_KINDS, JournalKind
from steward.core.models import JournalEntry, Person

# Markup a note may keep; everything else (scripts, styles, event handlers) is removed.
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "em", "i", "li", "ol", "p", "pre", "strong", "ul",
    "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


_TAG = re.compile(r"<[A-Za-z/!]")


def keep_lines(text: str) -> str:
    """Plain text (typed, or a filled template) as HTML that keeps its lines; text that
    already holds markup is left as it is."""
    if _TAG.search(text):
        return text
    return text.replace("\r\n", "\n").replace("\n", "<br>\n")


def sanitise(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, link_rel="noopener noreferrer nofollow")


def as_text(value: Any) -> str:
    """A value as field-change entries keep it (and compare it)."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date | Decimal):
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _unsaved(
    record: models.Model,
    kind: str,
    actor: Person | None,
    *,
    public: bool | None = None,
    **fields: Any,
) -> JournalEntry:
    return JournalEntry(
        record_type=ContentType.objects.get_for_model(record, for_concrete_model=True),
        record_id=record.pk,
        kind=kind,
        actor=actor,
        record_version=getattr(record, "written_version", None),
        public=kind in PUBLIC_JOURNAL_KINDS if public is None else public,
        **fields,
    )


def _entry(record: models.Model, kind: str, actor: Person | None, **fields: Any) -> JournalEntry:
    entry = _unsaved(record, kind, actor, **fields)
    entry.save(force_insert=True)
    return entry


def created(
    record: models.Model,
    *,
    actor: Person | None,
    summary: str = "",
    system_text: str = "",
    system_data: dict | None = None,
) -> JournalEntry:
    """The creation entry; with ``system_text``, also Steward's note on what it did with
    the new record (e.g. the routing), both written with one statement."""
    entry = _unsaved(record, JournalKind.CREATED, actor, new_value=summary or str(record))
    if not system_text:
        entry.save(force_insert=True)
        return entry
    note = _unsaved(
        record, JournalKind.SYSTEM, None, body=sanitise(system_text), data=system_data or {}
    )
    JournalEntry.objects.bulk_create([entry, note])
    return entry


def transition(
    record: models.Model,
    *,
    actor: Person | None,
    old: str,
    new: str,
    reason: str = "",
    reason_public: bool = False,
    field: str = "status",
    public: bool = True,
) -> JournalEntry:
    """The status change (of ``field``: a second state machine names its own), which
    customer-side people may read, and its ``reason``.

    The reason is staff text and internal (a work note beside the change) unless the
    calling service says the procedure addresses it to the requester (``reason_public``:
    the resolution, why a request was cancelled), so what a coordinator writes to the
    desk never reaches the portal. A change of an internal state (``public=False``: how an
    incident is escalated) is staff-only, like a field change.
    """
    text = sanitise(reason) if reason and reason.strip() else ""
    entry = _unsaved(
        record,
        JournalKind.TRANSITION,
        actor,
        field=field,
        old_value=old,
        new_value=new,
        body=text if reason_public else "",
        public=public,
    )
    if not text or reason_public:
        entry.save(force_insert=True)
        return entry
    note = _unsaved(record, JournalKind.WORK_NOTE, actor, body=text, data={"reason_for": new})
    JournalEntry.objects.bulk_create([entry, note])
    return entry


def field_changes(
    record: models.Model, *, actor: Person | None, changes: Mapping[str, tuple[Any, Any]]
) -> list[JournalEntry]:
    """One entry per changed field; ``changes`` maps field name to (old, new)."""
    return [
        _entry(
            record,
            JournalKind.FIELD_CHANGE,
            actor,
            field=name,
            old_value=as_text(old),
            new_value=as_text(new),
        )
        for name, (old, new) in changes.items()
        if old != new
    ]


def apply_changes(
    record: models.Model, data: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, tuple[Any, Any]]:
    """Set the allowed ``fields`` from ``data`` on ``record``; return what changed."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name in fields:
        if name not in data:
            continue
        old, new = getattr(record, name), data[name]
        if old != new:
            setattr(record, name, new)
            changes[name] = (old, new)
    return changes


def system(record: models.Model, *, text: str, data: dict | None = None) -> JournalEntry:
    return _entry(record, JournalKind.SYSTEM, None, body=sanitise(text), data=data or {})


def attachment_added(
    record: models.Model, *, actor: Person, name: str, attachment_id: int
) -> JournalEntry:
    return _entry(
        record, JournalKind.ATTACHMENT, actor, new_value=name, data={"attachment": attachment_id}
    )


def note_add(
    *, actor: Person, record: models.Model, body: str, public: bool, permission: str
) -> JournalEntry:
    """Add a work note (internal) or a public reply to a record.

    ``permission`` is the area's right to work on the record (e.g. ``incidents.incident.change``);
    customer-side people may only add public replies.
    """
    text = body.strip()
    if not text:
        from django.core.exceptions import ValidationError

        raise ValidationError({"body": ["Write something first."]})
    permissions.require(actor, permission, record)
    if not public and permissions.is_customer_side(actor):
        permissions.require(actor, "core.work_note.add")
    kind = JournalKind.PUBLIC_REPLY if public else JournalKind.WORK_NOTE
    text = keep_lines(text)
    with transaction.atomic():
        return _entry(record, kind, actor, body=sanitise(text))


def timeline(
    record: models.Model, *, actor: Person, public_only: bool = False
) -> QuerySet[JournalEntry]:
    """The record's journal as ``actor`` may read it: customer-side people (and pages
    showing the customer's view, ``public_only``) get the public entries only."""
    qs = JournalEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(record, for_concrete_model=True),
        record_id=record.pk,
    ).select_related("actor")
    if public_only or permissions.is_customer_side(actor):
        qs = qs.filter(public=True)
    return qs
