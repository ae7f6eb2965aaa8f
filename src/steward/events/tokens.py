"""Source tokens: made once, shown once, kept as a SHA-256 digest (a token is long and
random, so a plain digest is enough; it is what ingestion looks up on every request)."""

import hashlib
import secrets

PREFIX = "evt_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
