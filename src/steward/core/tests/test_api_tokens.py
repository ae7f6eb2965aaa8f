"""API tokens: created per person, stored hashed, refused once revoked or expired."""

import hashlib
from datetime import timedelta

import pytest
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.test import APIClient

from steward.core.api_auth import LAST_USED_RESOLUTION, token_create, token_revoke
from steward.core.models import ApiToken, JournalEntry
from steward.core.tests.api import error_detail
from steward.core.tests.factories import PASSWORD


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def analyst_token(analyst):
    return token_create(actor=analyst, name="monitoring")


def test_created_token_is_shown_once_and_stored_hashed(api, analyst):
    response = api.as_(analyst).post("/api/v1/tokens/", {"name": "nagios"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    key = body["key"]
    assert key.startswith("stw_") and len(key) > 40
    token = ApiToken.objects.get(pk=body["id"])
    assert token.person == analyst
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:12] == body["prefix"]
    # The key itself is in no column: only its hash and a short prefix are kept.
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(v) for v in stored.values()}
    # Later answers never show the key or the hash again.
    listed = api.get("/api/v1/tokens/").content.decode()
    detail = api.get(f"/api/v1/tokens/{token.pk}/").json()
    assert key not in listed and token.key_hash not in listed
    assert "key" not in detail and "key_hash" not in detail
    assert detail["name"] == "nagios"


def test_token_creation_is_journalled_on_the_owner(analyst, analyst_token):
    token, key = analyst_token
    entry = JournalEntry.objects.get(record_id=analyst.pk, data__token=token.pk)

    assert "monitoring" in entry.body
    assert key not in entry.body


def test_token_authenticates_as_its_owner(analyst, analyst_token):
    _, key = analyst_token

    response = with_key(key).get(f"/api/v1/people/{analyst.pk}/")

    assert response.status_code == 200
    assert response.json()["username"] == "analyst"


def test_last_used_is_recorded_at_most_once_a_minute(analyst_token):
    token, key = analyst_token
    assert token.last_used_at is None

    with_key(key).get("/api/v1/people/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)

    with_key(key).get("/api/v1/people/")
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: no write

    earlier = timezone.now() - LAST_USED_RESOLUTION - timedelta(seconds=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    with_key(key).get("/api/v1/people/")
    token.refresh_from_db()
    assert token.last_used_at > earlier + LAST_USED_RESOLUTION


def test_revoked_token_is_refused(api, analyst, analyst_token):
    token, key = analyst_token

    response = api.as_(analyst).delete(f"/api/v1/tokens/{token.pk}/")

    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = with_key(key).get("/api/v1/people/")
    assert refused.status_code == 401
    assert error_detail(refused) == "The token is not valid, expired or revoked."
    assert api.get(f"/api/v1/tokens/{token.pk}/").json()["revoked_at"] is not None


def test_revoking_twice_changes_nothing(analyst, analyst_token):
    token, _ = analyst_token
    first = token_revoke(actor=analyst, token_id=token.pk).revoked_at

    again = token_revoke(actor=analyst, token_id=token.pk)

    assert again.revoked_at == first
    assert JournalEntry.objects.filter(record_id=analyst.pk, body__contains="revoked").count() == 1


def test_expired_token_is_refused(analyst):
    token, key = token_create(
        actor=analyst, name="ci", expires_at=timezone.now() + timedelta(days=1)
    )
    assert with_key(key).get("/api/v1/people/").status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert with_key(key).get("/api/v1/people/").status_code == 401


def test_token_of_a_deactivated_person_is_refused(analyst, analyst_token):
    _, key = analyst_token
    analyst.is_active = False
    analyst.save()

    assert with_key(key).get("/api/v1/people/").status_code == 401


def test_a_token_lists_and_revokes_only_its_owners_tokens(
    api, analyst, admin_person, analyst_token
):
    theirs, _ = token_create(actor=admin_person, name="admin tool")
    mine, _ = analyst_token
    client = api.as_(analyst)

    assert [t["id"] for t in client.get("/api/v1/tokens/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    assert client.delete(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_requester_creates_a_token_that_works_as_them(api, requester):
    response = api.as_(requester).post("/api/v1/tokens/", {"name": "script"}, format="json")

    assert response.status_code == 201, response.content
    token = ApiToken.objects.get()
    assert token.person == requester
    me = with_key(response.json()["key"]).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["id"] == requester.pk
    # Still no more than the requester may do: the directory of groups is staff-only.
    assert with_key(response.json()["key"]).get("/api/v1/groups/").status_code == 403


def test_session_login_also_works(analyst):
    client = APIClient()
    assert client.login(request=HttpRequest(), username=analyst.username, password=PASSWORD)

    assert client.get("/api/v1/people/").status_code == 200
