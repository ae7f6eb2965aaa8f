"""Which records accept attachments, who may see and add them, and which files are allowed.

Each area registers its record models (``register(Incident, view=..., change=...,
query=incidents_for)``) in its AppConfig.ready(); the core registers its own directory
models below. Reads of attachments go through ``attachments_for(actor)``: an attachment
is visible exactly when its record is.
"""

import os
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from steward.core import permissions, queries
from steward.core.models import Attachment, Organisation, Person, SupportGroup

Query = Callable[[Any], QuerySet]


@dataclass(frozen=True)
class Attachable:
    """A record model that accepts attachments, with the rights that guard them."""

    model: type[models.Model]
    view: str
    change: str
    # Restricts the records to those the actor may see (the area's ``<things>_for``).
    query: Query | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def records_for(self, actor: Any) -> QuerySet:
        if not permissions.has(actor, self.view):
            return self.model._default_manager.none()
        if self.query is not None:
            return self.query(actor)
        return self.model._default_manager.all()


_REGISTRY: dict[str, Attachable] = {}


def register(
    model: type[models.Model], *, view: str, change: str, query: Query | None = None
) -> None:
    """Let ``model`` records carry attachments: seen with ``view``, added with ``change``.

    Pass the area's ``query`` (``incidents_for``) so that an attachment is visible to
    exactly the people who can see its record; without it, ``view`` alone decides.
    """
    kind = Attachable(model=model, view=view, change=change, query=query)
    _REGISTRY[kind.label] = kind


def registered() -> dict[str, Attachable]:
    """Label ("app.model") -> registration, for every attachable record type."""
    return dict(_REGISTRY)


def attachable_for(model_or_record: type[models.Model] | models.Model) -> Attachable | None:
    return _REGISTRY.get(model_or_record._meta.label_lower)


# --- Reads, restricted to the actor ------------------------------------------------------


def record_for(actor: Any, record_type: str, record_id: Any) -> models.Model:
    """The record ``record_type`` ("app.model") ``record_id`` if the actor may see it.

    Unknown types raise ValidationError on ``record_type``; unknown or invisible records
    raise Http404, so the answer does not tell whether the record exists.
    """
    kind = _REGISTRY.get(str(record_type).strip().lower())
    if kind is None:
        names = ", ".join(sorted(_REGISTRY))
        raise ValidationError(
            {"record_type": [f"Attachments are not kept for this type. Use one of: {names}."]}
        )
    try:
        return kind.records_for(actor).get(pk=record_id)
    except (kind.model.DoesNotExist, ValueError, TypeError):
        raise Http404("No such record.") from None


def may_view_record(actor: Any, record: models.Model) -> bool:
    kind = attachable_for(record)
    return kind is not None and kind.records_for(actor).filter(pk=record.pk).exists()


def require_change(actor: Any, record: models.Model) -> Attachable:
    """Http404 unless the actor sees the record; PermissionDenied unless they may add files."""
    kind = attachable_for(record)
    if kind is None:
        raise ValidationError({"record_type": ["Attachments are not kept for this type."]})
    if not kind.records_for(actor).filter(pk=record.pk).exists():
        raise Http404("No such record.")
    permissions.require(actor, kind.change, record)
    return kind


def attachments_for(actor: Any) -> QuerySet[Attachment]:
    """Attachments of every record the actor may see."""
    condition = Q(pk__in=[])
    for kind in _REGISTRY.values():
        if not permissions.has(actor, kind.view):
            continue
        ct = ContentType.objects.get_for_model(kind.model, for_concrete_model=True)
        condition |= Q(record_type=ct, record_id__in=kind.records_for(actor).values("pk"))
    return Attachment.objects.filter(condition).select_related("record_type", "uploaded_by")


def attachment_for(actor: Any, pk: Any) -> Attachment:
    try:
        return attachments_for(actor).get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No attachment {pk}.") from None


def of_record(actor: Any, record: models.Model) -> QuerySet[Attachment]:
    """The attachments of one record, empty when the actor may not see it."""
    ct = ContentType.objects.get_for_model(record, for_concrete_model=True)
    return attachments_for(actor).filter(record_type=ct, record_id=record.pk)


# --- File names and types ----------------------------------------------------------------

MAX_NAME = 255


def clean_name(name: str) -> str:
    """The uploader's file name made safe to show: base name only, no control characters.

    It is only ever displayed and sent back in Content-Disposition; the stored file name
    never derives from it (see ``attachment_path``).
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Cc: control characters; Cf: invisible formatting such as right-to-left overrides,
    # which can disguise "evil\u202etxt.exe" as "evilexe.txt".
    base = "".join(ch for ch in base if unicodedata.category(ch) not in {"Cc", "Cf"})
    base = base.strip().lstrip(".").strip()
    if not base:
        return "attachment"
    if len(base) > MAX_NAME:
        stem, ext = os.path.splitext(base)
        ext = ext if len(ext) <= 16 else ""
        base = stem[: MAX_NAME - len(ext)] + ext
    return base


def _is_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with a byte-order mark
    return b"\x00" not in head


def _starts(*signatures: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(signatures)


ZIP = _starts(b"PK\x03\x04", b"PK\x05\x06")
OLE2 = _starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
OOXML = "application/vnd.openxmlformats-officedocument"

# extension -> (content type sent on download, check of the file's first bytes)
ALLOWED_TYPES: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    "pdf": ("application/pdf", _starts(b"%PDF-")),
    "png": ("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    "gif": ("image/gif", _starts(b"GIF87a", b"GIF89a")),
    "txt": ("text/plain", _is_text),
    "log": ("text/plain", _is_text),
    "csv": ("text/csv", _is_text),
    "json": ("application/json", _is_text),
    "xml": ("application/xml", _is_text),
    "eml": ("message/rfc822", _is_text),
    "msg": ("application/vnd.ms-outlook", OLE2),
    "zip": ("application/zip", ZIP),
    "docx": (f"{OOXML}.wordprocessingml.document", ZIP),
    "xlsx": (f"{OOXML}.spreadsheetml.sheet", ZIP),
    "pptx": (f"{OOXML}.presentationml.presentation", ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", ZIP),
}
SNIFF_BYTES = 8192


# Archives (zip and the office formats built on it) are refused when they would unpack to
# more than this, or hold more entries: a "zip bomb" must not reach the people who open it
# (ASVS V5.2.3). Nothing is decompressed to check: the sizes come from the central directory.
ARCHIVE_TYPES = frozenset({"zip", "docx", "xlsx", "pptx", "odt", "ods"})
ARCHIVE_MAX_ENTRIES = 10_000
ARCHIVE_MAX_RATIO = 200  # unpacked / packed: text compresses ~10x, a bomb 1000x and more


def archive_limit_bytes() -> int:
    return getattr(settings, "ATTACHMENT_MAX_UNPACKED_BYTES", 50 * settings.ATTACHMENT_MAX_BYTES)


def check_archive(name: str, file: Any, size: int) -> None:
    """Refuse an archive that is broken or would unpack to too much (ValidationError on ``file``)."""
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if ext not in ARCHIVE_TYPES:
        return
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ValidationError(
            {"file": [f"This .{ext} file is damaged or not an archive."]}
        ) from None
    finally:
        file.seek(0)
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > ARCHIVE_MAX_ENTRIES:
        raise ValidationError(
            {"file": [f"The archive holds more than {ARCHIVE_MAX_ENTRIES} files."]}
        )
    if unpacked > archive_limit_bytes() or unpacked > ARCHIVE_MAX_RATIO * max(size, 1):
        raise ValidationError(
            {"file": ["The archive would unpack to far more than its size: it is refused."]}
        )


def allowed_list() -> str:
    return ", ".join(sorted(ALLOWED_TYPES))


def content_type_for(name: str, head: bytes) -> str:
    """The content type to store for a file, from its extension checked against its bytes.

    The client's declared type is ignored: a file is accepted only when its extension is
    on the list and its first bytes look like that kind of file.
    """
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    entry = ALLOWED_TYPES.get(ext)
    if entry is None:
        raise ValidationError(
            {"file": [f"Files of this type are not accepted. Allowed: {allowed_list()}."]}
        )
    content_type, looks_right = entry
    if not looks_right(head):
        message = f"The file's content does not match its .{ext} extension."
        raise ValidationError({"file": [f"{message} Allowed: {allowed_list()}."]})
    return content_type


# The core's own records; other areas register theirs in their AppConfig.ready().
register(
    Organisation,
    view="core.organisation.view",
    change="core.organisation.change",
    query=queries.organisations_for,
)
register(Person, view="core.person.view", change="core.person.change", query=queries.people_for)
register(SupportGroup, view="core.group.view", change="core.group.change", query=queries.groups_for)
