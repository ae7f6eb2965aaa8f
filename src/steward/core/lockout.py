"""Login lockout (OWASP ASVS V6.3): django-axes counts the failed logins, Steward's rules
decide when they lock.

axes keeps one row per (login name, address, user agent) with its failures; a row counts
while its last failure is younger than the cool-off (``AXES_COOLOFF_TIME``). Axes has one
limit for all its lockout parameters; Steward wants one per rule, each in
``settings.STEWARD_LOGIN_LIMITS`` (0 switches a rule off):

* ``account_address``: guessing one person's password from one place (default 5);
* ``address``: password spraying, many login names from one address (default 20);
* ``account``: a distributed guess at one login name from many addresses (default 50).

A request is refused while any rule reaches its limit. Refused attempts are not counted,
so a lockout ends one cool-off after the failure that caused it. Unknown login names are
counted and locked like real ones, so a lockout tells nothing about who exists.

Everything that calls ``authenticate()`` (Steward's login page, the Django admin login)
passes through ``LockoutBackend`` first; API tokens do not use passwords (API throttling
is ``steward.core.throttling``).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from steward.core import audit
from steward.core.choices import SecurityEventKind


@dataclass(frozen=True)
class Rule:
    name: str
    fields: tuple[str, ...]
    label: str


RULES = (
    Rule("account_address", ("username", "ip_address"), "Login name from this address"),
    Rule("address", ("ip_address",), "Address, every login name"),
    Rule("account", ("username",), "Login name, every address"),
)


@dataclass(frozen=True)
class Lockout:
    """One rule holding a login name and/or an address at its limit."""

    rule: Rule
    username: str | None
    ip_address: str | None
    failures: int
    since: datetime  # the failure that reached the limit
    until: datetime  # when enough failures will have aged out of the window

    @property
    def rule_label(self) -> str:
        return self.rule.label


def limit(rule: Rule) -> int:
    return int(settings.STEWARD_LOGIN_LIMITS.get(rule.name, 0) or 0)


def active_rules() -> list[Rule]:
    return [rule for rule in RULES if limit(rule) > 0]


def lockout_parameters(request: Any = None, credentials: dict | None = None) -> list[list[str]]:
    """``AXES_LOCKOUT_PARAMETERS``: the fields of every active rule."""
    return [list(rule.fields) for rule in active_rules()]


def cool_off() -> timedelta:
    return get_cool_off() or timedelta(0)


def _evaluate(
    rule: Rule, key: tuple[str | None, str | None], rows: list[tuple[datetime, int]]
) -> Lockout | None:
    """``rows`` (last failure time, failures), newest first, of one rule's key."""
    needed, total = limit(rule), 0
    for at, failures in rows:
        total += failures
        if total >= needed and needed > 0:
            # Once this row ages out, the newer ones alone are under the limit.
            until = at + cool_off()
            break
    else:
        return None
    failures = sum(n for _, n in rows)
    return Lockout(rule, key[0], key[1], failures, since=rows[0][0], until=until)


def _key(rule: Rule, username: str | None, ip_address: str | None) -> tuple[Any, Any]:
    return (
        username if "username" in rule.fields else None,
        ip_address if "ip_address" in rule.fields else None,
    )


def _window(now: datetime | None = None) -> Any:
    now = now or timezone.now()
    return AccessAttempt.objects.filter(attempt_time__gte=now - cool_off())


def _lockouts(rows: Iterable[tuple[Any, Any, datetime, int]]) -> list[Lockout]:
    """The lockouts among ``rows`` (login name, address, last failure, failures)."""
    rows = sorted(rows, key=lambda row: row[2], reverse=True)
    found = []
    for rule in active_rules():
        groups: dict[tuple[Any, Any], list[tuple[datetime, int]]] = defaultdict(list)
        for username, ip_address, at, failures in rows:
            values = {"username": username, "ip_address": ip_address}
            if all(values[field] is not None for field in rule.fields):
                # A failure with no login name or no address counts for no rule needing it.
                groups[_key(rule, username, ip_address)].append((at, failures))
        for key, items in groups.items():
            if (lockout := _evaluate(rule, key, items)) is not None:
                found.append(lockout)
    return sorted(found, key=lambda x: (x.since, x.rule.name), reverse=True)


_COLUMNS = ("username", "ip_address", "attempt_time", "failures_since_start")


def current_lockouts() -> list[Lockout]:
    """Every lockout in force, newest first."""
    return _lockouts(_window().values_list(*_COLUMNS))


def lockouts_of(username: str | None, ip_address: str | None) -> list[Lockout]:
    """The lockouts that refuse a login as ``username`` from ``ip_address`` now."""
    rows = _window().filter(Q(username=username) | Q(ip_address=ip_address)).values_list(*_COLUMNS)
    return [
        lockout
        for lockout in _lockouts(rows)
        if (lockout.username, lockout.ip_address) == _key(lockout.rule, username, ip_address)
    ]


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per rule, the lockout in the security log,
    and a successful login clearing only its own login name + address count."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # axes compares this with AXES_FAILURE_LIMIT (1): the rules locking this request.
        username = get_client_username(request, credentials)
        return len(lockouts_of(username, request.axes_ip_address))

    def user_login_failed(
        self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        # LockoutBackend flags a login it refused: that one was locked before it began.
        already = request is not None and getattr(request, "steward_lockout_refused", False)
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or already or not getattr(request, "axes_locked_out", False):
            return
        username = get_client_username(request, credentials)
        lockouts = lockouts_of(username, request.axes_ip_address)
        until = max((x.until for x in lockouts), default=None)
        audit.record(
            SecurityEventKind.LOCKED_OUT,
            request=request,
            username=str(username or ""),
            detail="; ".join(f"{x.rule.label}: {x.failures} failed logins" for x in lockouts),
            data={
                "rules": [x.rule.name for x in lockouts],
                "until": until.isoformat() if until else None,
            },
        )

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        # Knowing the password proves these failures were the person's own typos; the
        # address and account counts stay, or a sprayer could reset them with an account
        # of their own.
        AccessAttempt.objects.filter(
            username=user.get_username(), ip_address=request.axes_ip_address
        ).delete()


class LockoutBackend(AxesStandaloneBackend):
    """axes' backend (refuses a locked-out login before any password is checked), marking
    the request so the security log can tell a refusal from a wrong password."""

    def authenticate(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        try:
            return super().authenticate(request, *args, **kwargs)
        except AxesBackendPermissionDenied:
            if request is not None:
                request.steward_lockout_refused = True
            raise


def retry_message(until: datetime | None) -> str:
    if until is None:
        return "Too many failed sign-ins. Try again later."
    minutes = max(1, ceil((until - timezone.now()).total_seconds() / 60))
    local = timezone.localtime(until)
    return (
        f"Too many failed sign-ins. Signing in is blocked until {local:%H:%M} "
        f"({local.tzname()}), in about {minutes} minute{'s' if minutes != 1 else ''}. "
        "Ask an administrator if you need in sooner."
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the login page again, saying when to retry (429)."""
    username = get_client_username(request, credentials)
    until = max((x.until for x in lockouts_of(username, request.axes_ip_address)), default=None)
    message = retry_message(until)
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if isinstance(original_response, TemplateResponse) and form is not None:
        # The login view's own page (Steward's or the admin's), the lockout in place of
        # "wrong password".
        form.errors[NON_FIELD_ERRORS] = form.error_class([message])
        response: HttpResponse = TemplateResponse(
            request, original_response.template_name, context, status=429
        ).render()
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    if until is not None:
        response["Retry-After"] = str(max(1, ceil((until - timezone.now()).total_seconds())))
    return response
