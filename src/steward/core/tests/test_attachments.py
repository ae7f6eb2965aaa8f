"""Attachments: type and size limits, safe names, safe downloads, visibility."""

import hashlib
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpRequest
from django.urls import reverse

from steward.core import attachments
from steward.core.choices import JournalKind
from steward.core.errors import PayloadTooLarge
from steward.core.models import Attachment, JournalEntry
from steward.core.services import attachments as attachment_services
from steward.core.services.attachments import attachment_add
from steward.core.tests.api import field_errors
from steward.core.tests.factories import PASSWORD, SupportGroupFactory, customer_fixture

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


def _small_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<doc>hello</doc>")
    return buffer.getvalue()


ZIP = _small_zip()  # a real archive: archives are opened (not unpacked) to check them
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


other_requester = customer_fixture(
    "other_requester", "other_customer_org", "requester", "globex-user"
)


@pytest.fixture
def acme_file(media_root, admin_person, customer_org):
    return attachment_add(
        actor=admin_person, record=customer_org, uploaded_file=upload("plan.pdf", PDF)
    )


# --- The service ----------------------------------------------------------------------------


def test_attachment_is_stored_with_hash_size_type_and_journal(
    media_root, admin_person, customer_org
):
    attachment = attachment_add(
        actor=admin_person, record=customer_org, uploaded_file=upload("shot.png", PNG, "text/html")
    )

    attachment.refresh_from_db()
    assert attachment.record == customer_org
    assert attachment.original_name == "shot.png"
    # The client said text/html; the stored type comes from the checked extension.
    assert attachment.content_type == "image/png"
    assert attachment.size == len(PNG)
    assert attachment.sha256 == hashlib.sha256(PNG).hexdigest()
    assert attachment.uploaded_by == admin_person
    stored = Path(attachment.file.path)
    assert stored.read_bytes() == PNG
    assert stored.is_relative_to(Path(media_root) / "attachments")
    entry = JournalEntry.objects.get(kind=JournalKind.ATTACHMENT)
    assert (entry.record, entry.actor, entry.new_value) == (customer_org, admin_person, "shot.png")
    assert entry.data == {"attachment": attachment.pk}


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
        ("anim.gif", b"GIF89a" + b"\x00" * 16, "image/gif"),
        ("notes.txt", b"Disk full on srv-01\n", "text/plain"),
        ("app.log", "2025-01-01 ERROR naïve\n".encode(), "text/plain"),
        ("data.csv", b"a,b\n1,2\n", "text/csv"),
        ("data.json", b'{"a": 1}', "application/json"),
        ("feed.xml", b"<?xml version='1.0'?><a/>", "application/xml"),
        ("mail.eml", b"From: a@example.com\r\nSubject: hi\r\n\r\nbody", "message/rfc822"),
        ("mail.msg", OLE2, "application/vnd.ms-outlook"),
        ("logs.zip", ZIP, "application/zip"),
        (
            "memo.docx",
            ZIP,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("sheet.xlsx", ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "deck.pptx",
            ZIP,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("memo.odt", ZIP, "application/vnd.oasis.opendocument.text"),
        ("sheet.ods", ZIP, "application/vnd.oasis.opendocument.spreadsheet"),
    ],
)
def test_allowed_types_are_accepted_with_their_content_type(
    media_root, admin_person, customer_org, name, content, content_type
):
    attachment = attachment_add(
        actor=admin_person, record=customer_org, uploaded_file=upload(name, content)
    )

    assert attachment.content_type == content_type


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", EXE),
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("script.js", b"alert(1)"),
        ("no-extension", b"plain text"),
        ("report.pdf", ZIP),  # a zip dressed as a PDF
        ("shot.png", EXE),  # a program dressed as an image
        ("notes.txt", b"binary\x00\x01\x02"),  # binary dressed as text
        ("memo.docx", PDF),
    ],
)
def test_other_types_and_mismatched_content_are_refused(
    media_root, admin_person, customer_org, name, content
):
    with pytest.raises(ValidationError) as exc:
        attachment_add(actor=admin_person, record=customer_org, uploaded_file=upload(name, content))

    message = exc.value.message_dict["file"][0]
    assert "pdf, png" in message  # the allowed list is in the message
    assert Attachment.objects.count() == 0
    assert JournalEntry.objects.count() == 0
    assert stored_files(media_root) == []


def test_size_limit_is_exact(media_root, settings, admin_person, customer_org):
    settings.ATTACHMENT_MAX_BYTES = 100

    ok = attachment_add(
        actor=admin_person, record=customer_org, uploaded_file=upload("a.txt", b"x" * 100)
    )
    with pytest.raises(PayloadTooLarge):
        attachment_add(
            actor=admin_person, record=customer_org, uploaded_file=upload("b.txt", b"x" * 101)
        )

    assert list(Attachment.objects.all()) == [ok]
    assert len(stored_files(media_root)) == 1


def test_empty_file_is_refused(media_root, admin_person, customer_org):
    with pytest.raises(ValidationError) as exc:
        attachment_add(actor=admin_person, record=customer_org, uploaded_file=upload("a.txt", b""))

    assert exc.value.message_dict == {"file": ["The file is empty."]}


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\system32\\evil.txt", "evil.txt"),
        ("/var/lib/steward/secret_key.txt", "secret_key.txt"),
        ("..", "attachment"),
        ("a\x00b\r\n\x1bc.txt", "abc.txt"),
        ("invoice\u202etxt.exe.txt", "invoicetxt.exe.txt"),  # right-to-left override removed
        (".hidden.txt", "hidden.txt"),
        ("x" * 300 + ".txt", "x" * 251 + ".txt"),
    ],
)
def test_names_are_cleaned_for_display(given, shown):
    assert attachments.clean_name(given) == shown


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.txt", "..\\..\\boot.ini.txt", "/etc/cron.d/x.txt"]
)
def test_traversal_names_never_reach_the_stored_path(media_root, admin_person, customer_org, name):
    attachment = attachment_add(
        actor=admin_person, record=customer_org, uploaded_file=upload(name, b"hi")
    )

    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to(Path(media_root).resolve() / "attachments")
    assert ".." not in attachment.file.name
    assert attachments.clean_name(name) not in attachment.file.name
    assert "/" not in attachment.original_name and "\\" not in attachment.original_name
    assert [p.resolve() for p in stored_files(media_root)] == [stored]


def test_failed_transaction_leaves_no_file_and_no_row(
    media_root, monkeypatch, admin_person, customer_org
):
    def broken(*args, **kwargs):
        raise RuntimeError("journal down")

    monkeypatch.setattr(attachment_services.journal, "attachment_added", broken)

    with pytest.raises(RuntimeError):
        attachment_add(
            actor=admin_person, record=customer_org, uploaded_file=upload("a.txt", b"hi")
        )

    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []


def test_who_may_add(media_root, admin_person, requester, other_requester, customer_org):
    # The requester sees their own organisation but may not change it...
    with pytest.raises(PermissionDenied):
        attachment_add(actor=requester, record=customer_org, uploaded_file=upload("a.txt", b"hi"))
    # ...and must not even learn that another customer's organisation exists.
    with pytest.raises(Http404):
        attachment_add(
            actor=other_requester, record=customer_org, uploaded_file=upload("a.txt", b"hi")
        )

    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []


# --- Visibility --------------------------------------------------------------------------


def test_attachments_are_visible_exactly_when_their_record_is(
    media_root, admin_person, analyst, requester, other_requester, customer_org
):
    group = SupportGroupFactory(name="Network")
    on_org = attachment_add(
        actor=admin_person, record=customer_org, uploaded_file=upload("a.txt", b"a")
    )
    on_group = attachment_add(actor=admin_person, record=group, uploaded_file=upload("b.txt", b"b"))

    assert set(attachments.attachments_for(admin_person)) == {on_org, on_group}
    assert set(attachments.attachments_for(analyst)) == {on_org, on_group}
    assert set(attachments.attachments_for(requester)) == {on_org}  # groups are internal
    assert set(attachments.attachments_for(other_requester)) == set()
    assert list(attachments.of_record(requester, customer_org)) == [on_org]
    with pytest.raises(Http404):
        attachments.attachment_for(other_requester, on_org.pk)


# --- API -----------------------------------------------------------------------------------


def test_api_upload_and_list(media_root, api, admin_person, customer_org):
    response = api.as_(admin_person).post(
        "/api/v1/attachments/",
        {
            "record_type": "core.organisation",
            "record_id": customer_org.pk,
            "file": upload("p.png", PNG),
        },
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["record_type"] == "core.organisation"
    assert body["record_id"] == customer_org.pk
    assert body["content_type"] == "image/png"
    assert body["size"] == len(PNG)
    assert body["download_url"] == f"/api/v1/attachments/{body['id']}/download/"
    listed = api.get(
        f"/api/v1/attachments/?record_type=core.organisation&record_id={customer_org.pk}"
    )
    assert [a["id"] for a in listed.json()["results"]] == [body["id"]]
    other = api.get(f"/api/v1/attachments/?record_type=core.person&record_id={customer_org.pk}")
    assert other.json()["results"] == []


def test_api_list_hides_records_the_caller_cannot_see(
    api, acme_file, other_requester, customer_org
):
    response = api.as_(other_requester).get(
        f"/api/v1/attachments/?record_type=core.organisation&record_id={customer_org.pk}"
    )

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_api_list_refuses_unknown_record_type(api, admin_person):
    response = api.as_(admin_person).get(
        "/api/v1/attachments/?record_type=core.journalentry&record_id=1"
    )

    assert response.status_code == 400
    assert "record_type" in field_errors(response)


def test_api_download_headers(api, acme_file, admin_person):
    response = api.as_(admin_person).get(f"/api/v1/attachments/{acme_file.pk}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == "attachment; filename=\"plan.pdf\"; filename*=UTF-8''plan.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Content-Length"] == str(len(PDF))


def test_download_ignores_the_accept_header(api, acme_file, admin_person):
    response = api.as_(admin_person).get(
        f"/api/v1/attachments/{acme_file.pk}/download/", HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 200


def test_download_of_non_ascii_name_uses_rfc6266(media_root, api, admin_person, customer_org):
    name = 'résumé "final" €.txt'
    attachment = attachment_add(
        actor=admin_person, record=customer_org, uploaded_file=upload(name, b"cv")
    )

    response = api.as_(admin_person).get(f"/api/v1/attachments/{attachment.pk}/download/")

    assert response["Content-Disposition"] == (
        f"attachment; filename=\"r_sum_ _final_ _.txt\"; filename*=UTF-8''{quote(name, safe='')}"
    )


def test_html_in_a_text_file_is_never_served_as_html(media_root, api, admin_person, customer_org):
    attachment = attachment_add(
        actor=admin_person,
        record=customer_org,
        uploaded_file=upload("x.txt", b"<script>alert(document.cookie)</script>", "text/html"),
    )

    response = api.as_(admin_person).get(f"/api/v1/attachments/{attachment.pk}/download/")

    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox"


def test_customer_downloads_own_organisations_file(api, acme_file, requester):
    response = api.as_(requester).get(f"/api/v1/attachments/{acme_file.pk}/download/")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/attachments/{pk}/download/", "/api/v1/attachments/{pk}/"]
)
def test_other_customer_cannot_reach_the_file(api, acme_file, other_requester, path):
    response = api.as_(other_requester).get(path.format(pk=acme_file.pk))
    unknown = api.get(path.format(pk=acme_file.pk + 1000))

    assert response.status_code == unknown.status_code == 404
    # Same answer as for an id that does not exist: nothing leaks.
    assert response.json() == unknown.json()


def test_requester_cannot_download_a_support_groups_file(media_root, api, admin_person, requester):
    group = SupportGroupFactory(name="Network")
    attachment = attachment_add(
        actor=admin_person, record=group, uploaded_file=upload("a.txt", b"a")
    )

    response = api.as_(requester).get(f"/api/v1/attachments/{attachment.pk}/download/")

    assert response.status_code == 404


def test_missing_file_on_disk_is_a_404_not_a_crash(api, acme_file, admin_person):
    Path(acme_file.file.path).unlink()

    response = api.as_(admin_person).get(f"/api/v1/attachments/{acme_file.pk}/download/")

    assert response.status_code == 404


# --- Pages ---------------------------------------------------------------------------------


def page_upload(client, record, file, next_url="/directory/organisations/1/"):
    return client.post(
        reverse("core:attachment-upload"),
        {
            "record_type": "core.organisation",
            "record_id": record.pk,
            "file": file,
            "next": next_url,
        },
    )


def test_page_upload_redirects_back(media_root, client, admin_person, customer_org):
    client.force_login(admin_person)

    response = page_upload(
        client, customer_org, upload("p.png", PNG), next_url="/somewhere/?tab=files"
    )

    assert response.status_code == 302
    assert response["Location"] == "/somewhere/?tab=files"
    assert Attachment.objects.get().original_name == "p.png"


def test_page_upload_never_redirects_off_site(media_root, client, admin_person, customer_org):
    client.force_login(admin_person)

    response = page_upload(
        client, customer_org, upload("p.png", PNG), next_url="https://evil.example/"
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_page_upload_of_bad_type_shows_a_message(media_root, client, admin_person, customer_org):
    client.force_login(admin_person)

    response = page_upload(client, customer_org, upload("x.exe", EXE), next_url="/back/")

    assert response.status_code == 302 and response["Location"] == "/back/"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert len(messages) == 1 and "not accepted" in messages[0]
    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []


def test_page_upload_over_the_limit_shows_a_message(
    media_root, settings, client, admin_person, customer_org
):
    settings.ATTACHMENT_MAX_BYTES = 10
    client.force_login(admin_person)

    response = page_upload(client, customer_org, upload("a.txt", b"x" * 11), next_url="/back/")

    assert response.status_code == 302
    assert "larger than the limit" in str(next(iter(response.wsgi_request._messages)))
    assert Attachment.objects.count() == 0


def test_page_upload_denials(
    media_root, client, no_role_person, requester, other_requester, customer_org
):
    # Anonymous: to the login page.
    response = page_upload(client, customer_org, upload("a.txt", b"a"))
    assert response.status_code == 302 and "login" in response["Location"]
    # Signed in without a role; a customer who may not change the organisation; another customer.
    for person, status in ((no_role_person, 403), (requester, 403), (other_requester, 404)):
        client.force_login(person)
        assert page_upload(client, customer_org, upload("a.txt", b"a")).status_code == status
    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []


def test_page_download(client, acme_file, requester, other_requester, no_role_person):
    url = reverse("core:attachment-download", args=[acme_file.pk])

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(no_role_person)
    assert client.get(url).status_code == 403
    client.force_login(other_requester)
    assert client.get(url).status_code == 404
    client.force_login(requester)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="plan.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


def test_session_login_with_password_reaches_the_download(client, acme_file, requester):
    # django-axes wants the request a login comes with (its address counts).
    assert client.login(request=HttpRequest(), username=requester.username, password=PASSWORD)

    response = client.get(reverse("core:attachment-download", args=[acme_file.pk]))

    assert response.status_code == 200


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content, message",
    [
        # 20 MB of zeros packs into about 20 KB: a small "zip bomb".
        ("logs.zip", _zip([("all.log", b"\0" * 20_000_000)]), "unpack to far more"),
        ("report.docx", _zip([("word/document.xml", b"\0" * 20_000_000)]), "unpack to far more"),
        ("many.zip", _zip([(f"f{i}.txt", b"") for i in range(10_001)]), "more than 10000 files"),
        ("broken.zip", b"PK\x03\x04" + b"not really an archive" * 10, "damaged"),
    ],
    ids=["bomb", "office-bomb", "too-many-entries", "damaged"],
)
def test_archives_that_would_unpack_to_too_much_are_refused(
    media_root, api, admin_person, customer_org, name, content, message
):
    upload = SimpleUploadedFile(name, content, content_type="application/zip")

    response = api.as_(admin_person).post(
        "/api/v1/attachments/",
        {"record_type": "core.organisation", "record_id": customer_org.pk, "file": upload},
        format="multipart",
    )

    assert response.status_code == 400, response.content
    assert message in " ".join(field_errors(response)["file"])
    assert not Attachment.objects.exists()


def test_an_ordinary_archive_is_accepted(media_root, api, admin_person, customer_org):
    content = _zip([("notes.txt", b"Server rebooted at 10:42.\n" * 200)])
    upload = SimpleUploadedFile("notes.zip", content, content_type="application/zip")

    response = api.as_(admin_person).post(
        "/api/v1/attachments/",
        {"record_type": "core.organisation", "record_id": customer_org.pk, "file": upload},
        format="multipart",
    )

    assert response.status_code == 201, response.content
