"""Leftovers of killed requests: spooled uploads under var/tmp/uploads, and stored
attachment files whose row never committed."""

import io
import os
import signal
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from steward.core import housekeeping, tasks
from steward.core.api import attachments as attachments_api
from steward.core.models import Attachment
from steward.core.services.attachments import attachment_add
from steward.core.tests.processes import child_env, run_child, shared_database

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024)  # over FILE_UPLOAD_MAX_MEMORY_SIZE: spooled


def files(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


def test_large_uploads_are_spooled_under_the_var_directory(
    settings, media_root, api, admin_person, customer_org
):
    spooled: list[str] = []

    def spy(*, actor, record, uploaded_file):
        spooled.append(uploaded_file.temporary_file_path())
        return attachment_add(actor=actor, record=record, uploaded_file=uploaded_file)

    with mock.patch.object(attachments_api, "attachment_add", spy):
        response = api.as_(admin_person).post(
            "/api/v1/attachments/",
            {"record_type": "core.organisation", "record_id": customer_org.pk,
             "file": SimpleUploadedFile("big.pdf", PDF)},
            format="multipart",
        )  # fmt: skip

    assert response.status_code == 201, response.content
    [path] = spooled
    assert Path(path).parent == settings.VAR_DIR / "tmp" / "uploads"
    assert not Path(path).exists()  # a finished request removes its own


def test_abandoned_spooled_uploads_are_removed_and_live_ones_kept(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    abandoned, live = tmp_path / "tmpa.upload.pdf", tmp_path / "tmpb.upload.pdf"
    abandoned.write_bytes(b"x")
    live.write_bytes(b"y")
    (tmp_path / "folder").mkdir()
    two_hours_ago = time.time() - 2 * 3600
    os.utime(abandoned, (two_hours_ago, two_hours_ago))

    assert housekeeping.clean_upload_temp() == 1

    assert files(tmp_path) == [live]
    assert (tmp_path / "folder").is_dir()


def test_a_file_stored_by_a_rolled_back_upload_is_swept_after_the_grace_period(
    media_root, admin_person, customer_org
):
    kept = attachment_add(
        actor=admin_person, record=customer_org, uploaded_file=SimpleUploadedFile("a.txt", b"a")
    )
    # The attachment is part of a larger change that fails afterwards.
    with pytest.raises(RuntimeError), transaction.atomic():
        attachment_add(
            actor=admin_person, record=customer_org, uploaded_file=SimpleUploadedFile("b.txt", b"b")
        )
        raise RuntimeError("the rest of the change failed")
    assert Attachment.objects.count() == 1 and len(files(media_root)) == 2

    # Within the grace period an upload may still be committing: left alone.
    assert tasks.sweep_orphan_files.call() == 0
    later = timezone.now() + housekeeping.ORPHAN_GRACE + timedelta(minutes=1)
    assert housekeeping.sweep_orphan_files(now=later) == 1

    assert files(media_root) == [Path(kept.file.path)]
    assert kept.file.read() == b"a"


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_between_storing_a_file_and_committing_its_row(
    media_root, admin_person, customer_org, tmp_path
):
    with shared_database(tmp_path) as url:
        env = child_env(url, tmp_path, MEDIA_ROOT=str(media_root))
        child = run_child(
            env, "attach", str(admin_person.pk), str(customer_org.pk), "--die-after-store"
        )

    assert child.returncode == -signal.SIGKILL, child.stderr
    assert not Attachment.objects.exists()
    [orphan] = files(media_root)
    later = timezone.now() + housekeeping.ORPHAN_GRACE + timedelta(minutes=1)
    assert housekeeping.orphan_files(now=later) == [orphan.relative_to(media_root).as_posix()]
    assert housekeeping.sweep_orphan_files(now=later) == 1
    assert files(media_root) == []


def test_the_cleaning_command_for_machines_without_steward_serve(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    old = tmp_path / "tmpc.upload.txt"
    old.write_bytes(b"x")
    ten_minutes_ago = time.time() - 600
    os.utime(old, (ten_minutes_ago, ten_minutes_ago))
    out = io.StringIO()

    call_command("clean_upload_temp", "--older-than", "5", stdout=out)

    assert out.getvalue() == "Removed 1 abandoned upload file(s).\n"
    assert files(tmp_path) == []
    with pytest.raises(CommandError, match="at least 1 minute"):
        call_command("clean_upload_temp", "--older-than", "0")
