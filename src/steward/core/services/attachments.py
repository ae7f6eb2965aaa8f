"""Adding files to records: checked, stored under a name of our own, journalled."""

import hashlib

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from steward.core import attachments, journal
from steward.core.errors import PayloadTooLarge
from steward.core.models import Attachment, Person


def _digest(uploaded_file: UploadedFile) -> tuple[str, int, bytes]:
    """(sha256, exact size, first bytes) of the upload, read in chunks."""
    sha, size, head = hashlib.sha256(), 0, b""
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        if len(head) < attachments.SNIFF_BYTES:
            head += chunk[: attachments.SNIFF_BYTES - len(head)]
        sha.update(chunk)
        size += len(chunk)
        if size > settings.ATTACHMENT_MAX_BYTES:
            break  # no need to read the rest of something we refuse anyway
    uploaded_file.seek(0)
    return sha.hexdigest(), size, head


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than the limit of {settings.ATTACHMENT_MAX_BYTES} bytes."
    )


def attachment_add(
    *, actor: Person, record: models.Model, uploaded_file: UploadedFile
) -> Attachment:
    """Attach ``uploaded_file`` to ``record`` on behalf of ``actor``.

    Refuses (before storing anything) a record the actor cannot see (Http404) or change
    (PermissionDenied), a file over ATTACHMENT_MAX_BYTES (PayloadTooLarge) and a type not
    on the list or whose bytes do not match its extension (ValidationError on ``file``).
    The row, the journal entry and the stored file exist together or not at all.
    """
    attachments.require_change(actor, record)
    if uploaded_file is None:
        raise ValidationError({"file": ["Choose a file to upload."]})
    if (uploaded_file.size or 0) > settings.ATTACHMENT_MAX_BYTES:
        raise _too_large()
    sha256, size, head = _digest(uploaded_file)
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise _too_large()
    if size == 0:
        raise ValidationError({"file": ["The file is empty."]})
    name = attachments.clean_name(uploaded_file.name or "")
    content_type = attachments.content_type_for(name, head)
    attachments.check_archive(name, uploaded_file, size)

    attachment = Attachment(
        record_type=ContentType.objects.get_for_model(record, for_concrete_model=True),
        record_id=record.pk,
        original_name=name,
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor,
    )
    stored = ""
    try:
        with transaction.atomic():
            # upload_to ignores the name given here: the stored path is ours alone.
            attachment.file.save("upload", uploaded_file, save=False)
            stored = attachment.file.name
            attachment.save()
            journal.attachment_added(record, actor=actor, name=name, attachment_id=attachment.pk)
    except BaseException:
        # Django has no on-rollback hook: remove the file ourselves so no orphan stays.
        if stored:
            attachment.file.storage.delete(stored)
        raise
    return attachment
