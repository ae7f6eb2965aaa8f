"""API tokens: ``Authorization: Token <key>``; only the key's SHA-256 is stored."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from steward.core import audit, journal, permissions
from steward.core.choices import SecurityEventKind
from steward.core.models import ApiToken, Person

KEY_PREFIX = "stw_"
# Writing last_used_at on every call would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(
    *, actor: Person, name: str, person: Person | None = None, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is shown this once only."""
    owner = person or actor
    if owner.pk != actor.pk:
        permissions.require(actor, "core.role.change")
    else:
        permissions.require(actor, "core.token.own")
    if not name.strip():
        raise ValidationError({"name": ["Give the token a name, e.g. the tool that uses it."]})
    if len(name.strip()) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": ["Keep the name to 100 characters."]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": ["The expiry must be in the future."]})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            person=owner,
            name=name.strip(),
            prefix=key[:12],
            key_hash=hash_key(key),
            expires_at=expires_at,
        )
        # A new credential is worth a line in the owner's history (never the key itself).
        _recorded(
            token, actor, SecurityEventKind.TOKEN_CREATED, "created", f"for {owner.get_username()}"
        )
    return token, key


def _recorded(token: ApiToken, actor: Person, kind: str, verb: str, whose: str) -> None:
    """The owner's history line and the security event of a token ``verb`` (created,
    revoked) by ``actor``."""
    label = f"API token {token.name!r} ({token.prefix}…)"
    journal.system(
        token.person, text=f"{label} {verb} by {actor}.", data={"token": token.pk, "by": actor.pk}
    )
    audit.record(
        kind,
        actor=actor,
        detail=f"{label} {whose}.",
        data={"token": token.pk, "person": token.person_id},
    )


def token_revoke(*, actor: Person, token_id: int) -> ApiToken:
    """Revoke a token at once; revoking it again changes nothing."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id)
        if token.person_id != actor.pk:
            permissions.require(actor, "core.role.change")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            _recorded(
                token, actor, SecurityEventKind.TOKEN_REVOKED, "revoked", f"of {token.person}"
            )
    return token


def tokens_for(actor: Person) -> QuerySet[ApiToken]:
    """A person's own tokens; nobody lists another's."""
    if not permissions.has(actor, "core.access"):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(person=actor)


class HashedTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Person, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as 'Authorization: Token <key>'."
            )
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        now = timezone.now()
        token = (
            ApiToken.objects.select_related("person")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or (token.expires_at and token.expires_at <= now):
            raise exceptions.AuthenticationFailed("The token is not valid, expired or revoked.")
        if not token.person.is_active:
            raise exceptions.AuthenticationFailed("The token's owner is deactivated.")
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.person, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class HashedTokenScheme(OpenApiAuthenticationExtension):
    """Describes ``Authorization: Token <key>`` in the OpenAPI schema."""

    target_class = HashedTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An API token from /api/v1/tokens/, sent as `Token <key>`.",
        }
