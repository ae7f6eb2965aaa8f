"""The security audit log (OWASP ASVS V16): failed and successful logins, lockouts,
permission denials, API token creation, revocation and refusal, throttled requests and
refused outbound targets.

Each event is one ``SecurityEvent`` row and one line on the ``steward.security`` logger.
Call ``record`` *outside* the transaction of the refused action: a denial rolls that
transaction back, and the trace must survive it. The API's exception handler and
``SecurityAuditMiddleware`` record denials that way for every area, so services only
raise ``PermissionDenied`` as before.
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from steward.core.choices import SecurityEventKind as Kind
from steward.core.models import SecurityEvent

logger = logging.getLogger("steward.security")

_DETAIL_MAX = SecurityEvent._meta.get_field("detail").max_length
_PATH_MAX = SecurityEvent._meta.get_field("path").max_length
_USERNAME_MAX = SecurityEvent._meta.get_field("username").max_length


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address: ``REMOTE_ADDR``, or the proxy's ``X-Forwarded-For`` client
    when ``BEHIND_PROXY`` says a trusted proxy sits in front (never trusted otherwise)."""
    if request is None:
        return None
    if getattr(settings, "STEWARD_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return request.META.get("REMOTE_ADDR") or None


_CONTROL = str.maketrans({c: f"\\x{c:02x}" for c in [*range(32), 127]})


def _clean(text: str) -> str:
    """No control characters in log lines (ASVS V16.4.1): a newline in a user name or a
    path must not forge a second line."""
    return str(text).translate(_CONTROL)


def _person(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) and getattr(user, "pk", None) else None


def record(
    kind: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    username: str = "",
    detail: str = "",
    data: dict[str, Any] | None = None,
) -> SecurityEvent | None:
    """Write one security event and log it; never raises (auditing must not break a request).

    ``actor`` defaults to the request's authenticated user.
    """
    if actor is None and request is not None:
        actor = _person(getattr(request, "user", None))
    actor = _person(actor)
    ip = client_ip(request)
    path = request.path[:_PATH_MAX] if request is not None else ""
    name = (username or (actor.get_username() if actor is not None else ""))[:_USERNAME_MAX]
    logger.warning(
        "%s user=%s ip=%s path=%s %s",
        kind,
        _clean(name) or "-",
        ip or "-",
        _clean(path) or "-",
        _clean(detail),
    )
    event = SecurityEvent(
        kind=kind,
        actor=actor,
        username=name,
        ip_address=ip,
        path=path,
        detail=str(detail)[:_DETAIL_MAX],
        data=data or {},
    )
    try:
        # A savepoint when a caller's transaction is open, so a failure here cannot
        # break it; the row then commits or rolls back with that transaction.
        with transaction.atomic():
            event.save(force_insert=True)
    except DatabaseError:  # e.g. the database is down: the log line above remains
        logger.exception("Could not store the security event %s", kind)
        return None
    return event


def denied(request: HttpRequest, exc: BaseException) -> None:
    """A permission denial answered to ``request`` (API or page)."""
    record(Kind.PERMISSION_DENIED, request=request, detail=str(exc) or "Permission denied.")


class SecurityAuditMiddleware:
    """Records the permission denials of pages (the API's handler records its own)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            denied(request, exception)
        return None


# Framework hooks (not domain logic): Django announces logins; the log keeps them.
@receiver(user_login_failed, dispatch_uid="steward.audit.login_failed")
def _login_failed(sender: Any, credentials: dict, request: HttpRequest | None = None, **kw: Any):
    # steward.core.lockout flags a login refused during a lockout (its start is LOCKED_OUT).
    refused = getattr(request, "steward_lockout_refused", False)
    record(
        Kind.LOGIN_FAILED,
        request=request,
        username=str(credentials.get("username", "")),
        detail="Refused during a lockout; the password was not checked." if refused else "",
    )


@receiver(user_logged_in, dispatch_uid="steward.audit.logged_in")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kw: Any) -> None:
    record(Kind.LOGIN_SUCCEEDED, request=request, actor=user)
