"""Bad requests get 400/401/403/404/413 in the one error shape, and write nothing."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from steward.core.api_auth import token_create, token_revoke
from steward.core.models import (
    ApiToken,
    Attachment,
    JournalEntry,
    Organisation,
    OrganisationMembership,
    Person,
    RoleAssignment,
    SupportGroup,
    SupportGroupMembership,
)
from steward.core.services.attachments import attachment_add
from steward.core.tests.api import error_body, error_code, error_detail, field_errors
from steward.core.tests.factories import SupportGroupFactory, make_person

COUNTED = (
    ApiToken, Attachment, JournalEntry, Organisation, OrganisationMembership, Person,
    RoleAssignment, SupportGroup, SupportGroupMembership,
)  # fmt: skip


def txt(name: str = "notes.txt", content: bytes = b"hello") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


@dataclass
class World:
    """Everything the cases refer to, by name."""

    people: dict[str, Person]
    org: Organisation
    other_org: Organisation
    group: SupportGroup
    assignment: RoleAssignment
    attachment: Attachment
    other_file: Attachment
    keys: dict[str, str] = field(default_factory=dict)
    admin_token: ApiToken | None = None


@pytest.fixture
def world(
    media_root, admin_person, analyst, requester, no_role_person, customer_org, other_customer_org
):
    group = SupportGroupFactory(name="Network")
    assignment = RoleAssignment.objects.get(person=analyst)
    attachment = attachment_add(actor=admin_person, record=customer_org, uploaded_file=txt())
    other_file = attachment_add(actor=admin_person, record=other_customer_org, uploaded_file=txt())
    w = World(
        people={
            "admin": admin_person,
            "analyst": analyst,
            "requester": requester,
            "norole": no_role_person,
        },
        org=customer_org,
        other_org=other_customer_org,
        group=group,
        assignment=assignment,
        attachment=attachment,
        other_file=other_file,
    )
    revoked, w.keys["revoked"] = token_create(actor=analyst, name="old")
    token_revoke(actor=analyst, token_id=revoked.pk)
    expiring, w.keys["expired"] = token_create(
        actor=analyst, name="ci", expires_at=timezone.now() + timedelta(days=1)
    )
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    w.admin_token, _ = token_create(actor=admin_person, name="admin tool")
    w.keys["wrong"] = "stw_" + "x" * 43
    return w


def snapshot(media: Path) -> dict[str, Any]:
    files = (
        sorted(str(p) for p in Path(media).rglob("*") if p.is_file())
        if Path(media).exists()
        else []
    )
    state: dict[str, Any] = {model.__name__: model.objects.count() for model in COUNTED}
    state["revoked tokens"] = ApiToken.objects.filter(revoked_at__isnull=False).count()
    state["organisation names"] = sorted(Organisation.objects.values_list("name", flat=True))
    state["files"] = files
    return state


Value = Any | Callable[[World], Any]


def value(v: Value, w: World) -> Any:
    return v(w) if callable(v) else v


@dataclass
class Case:
    id: str
    who: str | None  # a person in World.people, "token:<kind>", or None for anonymous
    method: str
    url: Value
    data: Value = None
    status: int = 400
    fields: tuple[str, ...] = ()  # for 400: the fields that must carry messages
    fmt: str = "json"
    extra: dict[str, str] = field(default_factory=dict)


ORG = {"name": "Initech", "kind": "customer", "code": "initech"}
ORG_URL = lambda w: f"/api/v1/organisations/{w.org.pk}/"  # noqa: E731
GROUP_MEMBERS = lambda w: f"/api/v1/groups/{w.group.pk}/members/"  # noqa: E731


def on_org(w: World, file: Any = None, **more: Any) -> dict[str, Any]:
    data = {"record_type": "core.organisation", "record_id": w.org.pk, **more}
    if file is not None:
        data["file"] = file
    return data


# One request per line reads as a table; the formatter would spread each over six lines.
# fmt: off
CASES = [
    # --- 400: field messages for invalid payloads -------------------------------------------
    Case("org-empty", "admin", "post", "/api/v1/organisations/", {},
         fields=("name", "kind", "code")),
    Case("org-kind", "admin", "post", "/api/v1/organisations/", {**ORG, "kind": "alien"},
         fields=("kind",)),
    Case("org-duplicate", "admin", "post", "/api/v1/organisations/", {**ORG, "name": "Acme Bank"},
         fields=("name",)),
    Case("org-email", "admin", "patch", ORG_URL, {"email": "not-an-email"}, fields=("email",)),
    Case("org-bad-boolean", "admin", "patch", ORG_URL, {"is_active": "maybe"},
         fields=("is_active",)),
    Case("person-username", "admin", "post", "/api/v1/people/", {"username": ""},
         fields=("username",)),
    Case("person-bad-org", "admin", "post", "/api/v1/people/",
         {"username": "new", "organisations": [999999]}, fields=("organisations",)),
    Case("person-duplicate", "admin", "post", "/api/v1/people/", {"username": "analyst"},
         fields=("username",)),
    Case("group-no-org", "admin", "post", "/api/v1/groups/", {"name": "DBA"},
         fields=("organisation",)),
    Case("member-unknown", "admin", "post", GROUP_MEMBERS, {"person": 999999}, fields=("person",)),
    Case("member-customer", "admin", "post", GROUP_MEMBERS,
         lambda w: {"person": w.people["requester"].pk}, fields=("person",)),
    Case("role-unknown", "admin", "post", "/api/v1/role-assignments/",
         lambda w: {"person": w.people["analyst"].pk, "role": "wizard"}, fields=("role",)),
    Case("role-needs-scope", "admin", "post", "/api/v1/role-assignments/",
         lambda w: {"person": w.people["analyst"].pk, "role": "group_coordinator"},
         fields=("scope_type",)),
    Case("role-scope-missing", "admin", "post", "/api/v1/role-assignments/",
         lambda w: {"person": w.people["analyst"].pk, "role": "group_coordinator",
                    "scope_type": "group", "scope_id": 999999}, fields=("scope_id",)),
    Case("token-name", "analyst", "post", "/api/v1/tokens/", {"name": "  "}, fields=("name",)),
    Case("token-past", "analyst", "post", "/api/v1/tokens/",
         {"name": "x", "expires_at": "2001-01-01T00:00:00Z"}, fields=("expires_at",)),
    Case("attach-no-file", "admin", "post", "/api/v1/attachments/", on_org, fields=("file",),
         fmt="multipart"),
    Case("attach-exe", "admin", "post", "/api/v1/attachments/",
         lambda w: on_org(w, txt("setup.exe", b"MZ\x90\x00")), fields=("file",), fmt="multipart"),
    Case("attach-type", "admin", "post", "/api/v1/attachments/",
         lambda w: {**on_org(w, txt()), "record_type": "core.journalentry"},
         fields=("record_type",), fmt="multipart"),
    Case("attach-hidden-record", "admin", "post", "/api/v1/attachments/",
         lambda w: {**on_org(w, txt()), "record_id": 999999}, fields=("record_id",),
         fmt="multipart"),
    # --- 401: no, wrong, revoked or expired credentials ------------------------------------------
    Case("anon-list", None, "get", "/api/v1/people/", status=401),
    Case("anon-create", None, "post", "/api/v1/organisations/", ORG, status=401),
    Case("anon-token", None, "post", "/api/v1/tokens/", {"name": "x"}, status=401),
    Case("anon-upload", None, "post", "/api/v1/attachments/", lambda w: on_org(w, txt()),
         status=401, fmt="multipart"),
    Case("anon-download", None, "get", lambda w: f"/api/v1/attachments/{w.attachment.pk}/download/",
         status=401),
    Case("wrong-token", "token:wrong", "get", "/api/v1/people/", status=401),
    Case("revoked-token", "token:revoked", "post", "/api/v1/organisations/", ORG, status=401),
    Case("expired-token", "token:expired", "get", "/api/v1/people/", status=401),
    Case("malformed-header", None, "get", "/api/v1/people/", status=401,
         extra={"HTTP_AUTHORIZATION": "Token two parts"}),
    # --- 403: a role that may not act ------------------------------------------------------------
    Case("norole-list", "norole", "get", "/api/v1/people/", status=403),
    Case("requester-creates-org", "requester", "post", "/api/v1/organisations/", ORG, status=403),
    Case("requester-invalid-org", "requester", "post", "/api/v1/organisations/", {}, status=403),
    Case("requester-edits-own-org", "requester", "patch", ORG_URL, {"name": "Mine"}, status=403),
    Case("analyst-edits-org", "analyst", "patch", ORG_URL, {"name": "Ours"}, status=403),
    Case("analyst-gives-role", "analyst", "post", "/api/v1/role-assignments/",
         lambda w: {"person": w.people["analyst"].pk, "role": "system_administrator"}, status=403),
    Case("analyst-invalid-role", "analyst", "post", "/api/v1/role-assignments/", {"role": "x"},
         status=403),
    Case("analyst-takes-role", "analyst", "delete",
         lambda w: f"/api/v1/role-assignments/{w.assignment.pk}/", status=403),
    Case("analyst-creates-group", "analyst", "post", "/api/v1/groups/",
         lambda w: {"name": "Rogue", "organisation": w.org.pk}, status=403),
    Case("analyst-adds-member", "analyst", "post", GROUP_MEMBERS,
         lambda w: {"person": w.people["analyst"].pk}, status=403),
    Case("analyst-removes-member", "analyst", "delete",
         lambda w: f"/api/v1/groups/{w.group.pk}/members/{w.people['analyst'].pk}/", status=403),
    Case("requester-lists-groups", "requester", "get", "/api/v1/groups/", status=403),
    Case("requester-lists-roles", "requester", "get", "/api/v1/role-assignments/", status=403),
    Case("requester-creates-person", "requester", "post", "/api/v1/people/", {"username": "x"},
         status=403),
    Case("requester-lockouts", "requester", "get", "/api/v1/lockouts/", status=403),
    Case("requester-uploads", "requester", "post", "/api/v1/attachments/",
         lambda w: on_org(w, txt()), status=403, fmt="multipart"),
    # --- 404: unknown ids, and what the caller may not see -------------------------------------
    Case("person-404", "admin", "get", "/api/v1/people/999999/", status=404),
    Case("org-404", "admin", "get", "/api/v1/organisations/999999/", status=404),
    Case("org-patch-404", "admin", "patch", "/api/v1/organisations/999999/", {"name": "x"},
         status=404),
    Case("group-404", "admin", "get", "/api/v1/groups/999999/", status=404),
    Case("members-404", "admin", "post", "/api/v1/groups/999999/members/", {"person": 1},
         status=404),
    Case("not-a-member", "admin", "delete",
         lambda w: f"/api/v1/groups/{w.group.pk}/members/{w.people['requester'].pk}/", status=404),
    Case("assignment-404", "admin", "delete", "/api/v1/role-assignments/999999/", status=404),
    Case("role-404", "admin", "get", "/api/v1/roles/wizard/", status=404),
    Case("attachment-404", "admin", "get", "/api/v1/attachments/999999/", status=404),
    Case("download-404", "admin", "get", "/api/v1/attachments/999999/download/", status=404),
    Case("token-404", "analyst", "delete", "/api/v1/tokens/999999/", status=404),
    Case("others-token", "analyst", "delete", lambda w: f"/api/v1/tokens/{w.admin_token.pk}/",
         status=404),
    Case("other-org", "requester", "get", lambda w: f"/api/v1/organisations/{w.other_org.pk}/",
         status=404),
    Case("other-org-patch", "requester", "patch",
         lambda w: f"/api/v1/organisations/{w.other_org.pk}/", {"name": "x"}, status=404),
    Case("other-org-download", "requester", "get",
         lambda w: f"/api/v1/attachments/{w.other_file.pk}/download/", status=404),
]
# fmt: on


def client_for(who: str | None, w: World) -> APIClient:
    client = APIClient()
    if who is None:
        return client
    if who.startswith("token:"):
        client.credentials(HTTP_AUTHORIZATION=f"Token {w.keys[who.split(':', 1)[1]]}")
    else:
        client.force_authenticate(w.people[who])
    return client


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refused_requests_write_nothing(case: Case, world: World, media_root):
    before = snapshot(media_root)
    client = client_for(case.who, world)

    response = getattr(client, case.method)(
        value(case.url, world), value(case.data, world), format=case.fmt, **case.extra
    )

    assert response.status_code == case.status, response.content
    body = error_body(response)
    if case.status == 400:
        assert body["type"] == "validation_error"
        assert set(case.fields) <= set(field_errors(response)), body
    else:
        assert body["type"] == "client_error" and len(body["errors"]) == 1, body
        assert body["errors"][0]["attr"] is None
    if case.status == 401:
        assert response["WWW-Authenticate"] == "Token"
    assert snapshot(media_root) == before


# --- 413 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "headers", "detail"),
    [
        # Content-Length says far more than the limit allows; the body itself is never parsed.
        pytest.param(
            b"hello",
            {"CONTENT_LENGTH": str(1024 + 10 * 1024 * 1024)},
            "The upload is larger than the limit of 1024 bytes.",
            id="body-refused-before-it-is-read",
        ),
        # Small enough to pass the envelope allowance, one byte over the file limit.
        pytest.param(
            b"x" * 1025,
            {},
            "The file is larger than the limit of 1024 bytes.",
            id="file-refused-by-the-service",
        ),
    ],
)
def test_oversized_uploads_are_413_and_write_nothing(
    world, media_root, settings, content, headers, detail
):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = snapshot(media_root)
    client = client_for("admin", world)

    response = client.post(
        "/api/v1/attachments/", on_org(world, txt(content=content)), format="multipart", **headers
    )

    assert response.status_code == 413
    assert error_code(response) == "too_large"
    assert error_detail(response) == detail
    assert snapshot(media_root) == before


def test_an_id_that_is_not_a_number_is_not_found(world):
    response = client_for("admin", world).get("/api/v1/people/abc/")

    assert response.status_code == 404


def test_malformed_json_is_a_400_with_detail(world, media_root):
    before = snapshot(media_root)
    client = client_for("admin", world)

    response = client.post("/api/v1/organisations/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert error_code(response) == "parse_error"
    assert snapshot(media_root) == before


def test_a_customer_representative_scoped_elsewhere_cannot_upload(
    world, media_root, other_customer_org
):
    # Sees their own organisation only: the other one answers as if it did not exist.
    rep = make_person(
        "customer_representative", organisation=other_customer_org, scope=other_customer_org
    )
    before = snapshot(media_root)

    client = APIClient()
    client.force_authenticate(rep)
    answer = client.post("/api/v1/attachments/", on_org(world, txt()), format="multipart")

    assert answer.status_code == 400
    assert field_errors(answer) == {"record_id": ["No such record."]}
    assert snapshot(media_root) == before


def test_too_many_form_fields_is_a_400_not_a_crash(world, media_root, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    before = snapshot(media_root)
    data = {**on_org(world, txt()), **{f"extra{n}": "x" for n in range(10)}}

    response = client_for("admin", world).post("/api/v1/attachments/", data, format="multipart")

    assert response.status_code == 400
    assert error_code(response) == "parse_error"
    assert error_detail(response) == "The request is malformed."
    assert snapshot(media_root) == before


def test_oversized_form_fields_are_a_413(world, media_root, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    before = snapshot(media_root)
    data = {**on_org(world, txt()), "record_type": "x" * 500}

    response = client_for("admin", world).post("/api/v1/attachments/", data, format="multipart")

    assert response.status_code == 413
    assert snapshot(media_root) == before
