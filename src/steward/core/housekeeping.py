"""Files left behind by killed requests: spooled uploads and stored attachments with no row.

Two kinds of leftovers, cleaned by two mechanisms because they live in different places:

- An upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE is spooled by Django to a temporary
  file under FILE_UPLOAD_TEMP_DIR (``var/tmp/uploads``) and deleted when the request
  ends; a request killed mid-way leaves it there. That directory is local to each
  machine, so each ``steward serve`` cleans its own (``clean_upload_temp``, every few
  minutes) rather than a queued job that would run on whichever node takes it.
- ``attachment_add`` stores the file, then inserts its row, in one transaction; a process
  killed between the two (or a rolled-back outer transaction) leaves a stored file no
  row refers to. Stored files are shared by every node (MEDIA_ROOT or another storage),
  so one periodic job (``core.sweep_orphan_files``) removes those older than a grace
  period that no in-flight upload can still be inside.
"""

import logging
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage
from django.utils import timezone

from steward.core.models import Attachment

logger = logging.getLogger(__name__)

UPLOAD_TEMP_MAX_AGE = timedelta(hours=1)
ORPHAN_GRACE = timedelta(hours=1)
ATTACHMENTS_DIR = "attachments"  # models.attachments.attachment_path writes under it
NAME_CHUNK = 500


def clean_upload_temp(*, older_than: timedelta = UPLOAD_TEMP_MAX_AGE) -> int:
    """Delete spooled uploads not written to for ``older_than``; return how many.

    A live upload is written to as its bytes arrive, so an hour without a write means
    the request that made it is gone.
    """
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    cutoff = timezone.now().timestamp() - older_than.total_seconds()
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except FileNotFoundError:
            continue  # its request finished and removed it meanwhile
    if removed:
        logger.info("Removed %s abandoned upload file(s) from %s", removed, folder)
    return removed


def _stored_files(storage: Storage, folder: str) -> Iterator[tuple[str, list[str]]]:
    """(folder, file names) for ``folder`` and every folder below it."""
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    yield folder, files
    for child in sorted(folders):
        yield from _stored_files(storage, f"{folder}/{child}")


def orphan_files(*, grace: timedelta = ORPHAN_GRACE, now: datetime | None = None) -> list[str]:
    """Stored attachment files older than ``grace`` that no attachment row refers to."""
    storage = Attachment._meta.get_field("file").storage
    cutoff = (now or timezone.now()) - grace
    found: list[str] = []
    for folder, files in _stored_files(storage, ATTACHMENTS_DIR):
        for start in range(0, len(files), NAME_CHUNK):
            names = [f"{folder}/{name}" for name in files[start : start + NAME_CHUNK]]
            known = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
            found.extend(
                name
                for name in names
                if name not in known and storage.get_modified_time(name) < cutoff
            )
    return found


def sweep_orphan_files(*, grace: timedelta = ORPHAN_GRACE, now: datetime | None = None) -> int:
    """Delete the stored files ``orphan_files`` finds; return how many."""
    storage = Attachment._meta.get_field("file").storage
    orphans = orphan_files(grace=grace, now=now)
    for name in orphans:
        storage.delete(name)
    if orphans:
        logger.info("Removed %s stored file(s) that no attachment refers to", len(orphans))
    return len(orphans)
