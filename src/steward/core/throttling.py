"""API rate limits (OWASP ASVS V2.4.1): DRF throttles per API token (or signed-in person)
and per anonymous address, answering 429 with ``Retry-After``.

Rates come from ``settings.STEWARD_API_RATES`` (read per request, so tests and operators
can change them). Counts live in the default cache: Redis when ``REDIS_URL`` is set, so
every node shares them; otherwise each process's memory, so each process allows the rate.

DRF's ``SimpleRateThrottle`` keeps every request's time in one cached list and rewrites
it on each call: with 2,000-10,000 calls in the window that costs 0.07-0.3 ms of CPU per
call in process memory, and 2.6 ms of waiting per call with Redis. A fixed window needs
one counter, ``incr`` on ``<scope>:<who>:<window number>``: 8 µs in memory, 0.11 ms of CPU
with Redis. A client may then send up to twice the rate across a window boundary, which
is fine for a limit meant to stop floods, not to meter use.
"""

import logging
import time
from math import ceil
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from steward.core import audit
from steward.core.choices import SecurityEventKind
from steward.core.models import ApiToken

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
KEY_PREFIX = "steward:throttle:"
# Set on a request once its throttles have run, so a refusal answered by the exception
# handler (see ``check_refused``) is not counted a second time.
_CHECKED = "_steward_throttle_checked"

logger = logging.getLogger(__name__)


_last_cache_warning = 0.0


def _cache_down() -> None:
    """Fail open, with one log line a minute: a Redis outage must not stop the API (the
    outbox keeps emails and webhooks until the broker is back)."""
    global _last_cache_warning
    now = time.monotonic()
    if now - _last_cache_warning > 60:
        _last_cache_warning = now
        logger.warning("API rate limits are not counted: the cache is unreachable.")


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"600/minute"`` -> (600, 60); empty or ``0`` -> None (no limit)."""
    if not rate or not rate.strip() or rate.strip() == "0":
        return None
    number, _, period = rate.strip().partition("/")
    count, seconds = int(number), _PERIODS[(period.strip() or "s")[0].lower()]
    return (count, seconds) if count > 0 else None


class _FixedWindowThrottle(BaseThrottle):
    scope = ""
    timer = time.time  # as DRF's throttles: tests set the clock here

    def ident(self, request: Request) -> str | None:
        """Who is counted; None: this throttle does not apply to the request."""
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        setattr(request, _CHECKED, True)
        self.wait_for: float | None = None
        rate = parse_rate(settings.STEWARD_API_RATES.get(self.scope))
        who = self.ident(request)
        if rate is None or who is None:
            return True
        allowed, seconds = rate
        now = self.timer()
        window = int(now // seconds)
        key = f"{KEY_PREFIX}{self.scope}:{who}:{window}"
        try:
            try:
                count = cache.incr(key)
            except ValueError:  # first request of the window
                count = 1 if cache.add(key, 1, seconds + 1) else cache.incr(key)
        except Exception:  # the cache (Redis) is down: serve rather than refuse everyone
            _cache_down()
            return True
        if count <= allowed:
            return True
        self.wait_for = (window + 1) * seconds - now
        if count == allowed + 1:
            # The first refusal of the window only: a flood leaves one line, not thousands.
            audit.record(
                SecurityEventKind.THROTTLED,
                request=request,
                detail=f"Over the {self.scope} rate of {allowed} requests per {seconds} s.",
                data={"scope": self.scope, "rate": allowed, "period_s": seconds},
            )
        return False

    def wait(self) -> float | None:
        return max(1, ceil(self.wait_for)) if self.wait_for is not None else None


class UserRateThrottle(_FixedWindowThrottle):
    """Per API token; a signed-in person using the API from a page counts as themselves."""

    scope = "user"

    def ident(self, request: Request) -> str | None:
        user = request.user
        if not (user and user.is_authenticated):
            return None
        if isinstance(request.auth, ApiToken):
            return f"token{request.auth.pk}"
        return f"person{user.pk}"


class AnonRateThrottle(_FixedWindowThrottle):
    """Per client address (``audit.client_ip``: forwarded only with ``BEHIND_PROXY``)."""

    scope = "anon"

    def ident(self, request: Request) -> str | None:
        user = request.user
        if user and user.is_authenticated:
            return None
        return audit.client_ip(request) or "unknown"


def check_refused(request: Request, view: Any) -> exceptions.Throttled | None:
    """Count a request refused before DRF ran its throttles (a bad or missing credential,
    no role: DRF checks those first) against its rate; the 429 to answer instead, if over.

    Without it a flood of wrong tokens would never be throttled and would write one
    "token refused" line each.
    """
    if view is None or getattr(request, _CHECKED, False) or not hasattr(view, "get_throttles"):
        return None
    try:
        view.check_throttles(request)
    except exceptions.Throttled as exc:
        return exc
    return None
