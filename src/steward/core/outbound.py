"""Outbound HTTP: the one client for every request Steward makes to another server.

Targets come from administrators (webhook URLs) and so from whoever gets hold of an
administrator's session or token: without a guard they reach the cloud metadata service,
the database, Redis or an admin interface on the loopback address (server-side request
forgery, OWASP ASVS 5.0 V1.3.6 and V15.3.2). The guard is Saleor's ``requests-hardened``:
its adapter resolves the host once *when connecting*, refuses private, loopback,
link-local, multicast, CG-NAT, NAT64, 6to4 and similar ranges (looking through
IPv4-mapped IPv6), and connects to the very address it checked, so a name that resolves
to a public address when the URL is saved and to 127.0.0.1 later (DNS rebinding) is
still refused. On top of it Steward refuses every address the standard library does not
call globally reachable (reserved, unspecified, documentation, Teredo...), follows no
redirect, sets connect and read timeouts, reads at most a capped number of bytes of the
answer, ignores proxy and ``.netrc`` settings of the environment, and accepts only
http and https.

``STEWARD_OUTBOUND_ALLOW`` (address ranges and host names) opens chosen internal
targets for on-premises use; an allowed host name is trusted whatever it resolves to,
an allowed range by the address actually connected to.

Every refusal is a ``SecurityEventKind.OUTBOUND_REFUSED`` event in the audit log.
"""

import ipaddress
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress, get_ip_address
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.util.connection import allowed_gai_family

from steward.core import audit
from steward.core.choices import SecurityEventKind

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMES = ("http", "https")
_CHUNK = 8192
_NAME_RE = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")


class OutboundError(Exception):
    """No answer from the target; ``str()`` is a short reason, never the target's own words."""


class TargetRefused(OutboundError):
    """The target is not one Steward may call: a scheme other than http(s), or an address
    that is not public and not on ``STEWARD_OUTBOUND_ALLOW``."""


class _Refused(requests.RequestException):
    """Raised inside the adapter, where requests expects its own exception types."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes = b""
    truncated: bool = False  # the answer was longer than the cap (or too slow): not all read
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def status_text(status: int) -> str:
    """``"HTTP 500 Internal Server Error"``: the standard phrase, not the target's reason text."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


# --- Which addresses --------------------------------------------------------------------------


def describe(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address, or None when it is one."""
    if isinstance(ip, ipaddress.IPv6Address):
        # Forms that carry an IPv4 address inside, whichever it is: refused as a whole.
        if ip.ipv4_mapped is not None:
            return "IPv4-mapped IPv6 address"
        if ip.sixtofour is not None:
            return "6to4 address"
        if ip.teredo is not None:
            return "Teredo address"
    checks = (
        (ip.is_loopback, "loopback address"),
        (ip.is_unspecified, "unspecified address"),
        (ip.is_link_local, "link-local address"),
        (ip.is_multicast, "multicast address"),
        (ip.is_private, "private address"),
        (ip.is_reserved, "reserved address"),
        (not ip.is_global, "not a public address"),
    )
    return next((label for refused, label in checks if refused), None)


def refusal(ip: IPAddress) -> str | None:
    """Why Steward does not connect to ``ip`` on its own, or None: the standard library's
    ranges and requests-hardened's (which knows a few more) must both call it public."""
    reason = describe(ip)
    if reason is None:
        try:
            get_ip_address(str(ip), 0, allow_loopback=False)  # a literal: no DNS query
        except InvalidIPAddress:
            reason = "not a public address"
    return reason


@dataclass(frozen=True)
class Allowlist:
    networks: tuple[IPNetwork, ...] = ()
    names: frozenset[str] = frozenset()

    def allows_ip(self, ip: IPAddress) -> bool:
        candidates = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        return any(
            c in net for c in candidates for net in self.networks if c.version == net.version
        )

    def allows_name(self, host: str) -> bool:
        return _normal_name(host) in self.names


def _normal_name(host: str) -> str:
    return host.strip().lower().rstrip(".")


@lru_cache(maxsize=8)
def _parse_allowlist(entries: tuple[str, ...]) -> Allowlist:
    networks: list[IPNetwork] = []
    names: set[str] = set()
    for entry in entries:
        text = entry.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        name = _normal_name(text)
        if not _NAME_RE.fullmatch(name):
            raise ImproperlyConfigured(
                f"STEWARD_OUTBOUND_ALLOW: {entry!r} is neither an address range "
                "(10.1.2.0/24, 192.0.2.7, fd00::/8) nor a host name (hooks.corp.example)."
            )
        names.add(name)
    return Allowlist(networks=tuple(networks), names=frozenset(names))


def allowlist() -> Allowlist:
    """``STEWARD_OUTBOUND_ALLOW`` parsed (a comma-separated string or a list)."""
    raw = getattr(settings, "STEWARD_OUTBOUND_ALLOW", ())
    entries = raw.split(",") if isinstance(raw, str) else raw
    return _parse_allowlist(tuple(entries))


# --- The adapter: checked at connect time ------------------------------------------------------


def _resolve_first(hostname: str, port: int | None) -> IPAddress:
    """The address requests-hardened would connect to, resolved the same way."""
    try:
        info = socket.getaddrinfo(
            hostname, port, family=allowed_gai_family(), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise requests.ConnectionError("Failed to resolve domain") from exc
    return ipaddress.ip_address(info[0][4][0])


class _GuardedAdapter(IPFilterAdapter):
    """requests-hardened's adapter, with the allowlist and the stricter ranges added."""

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        allowed = allowlist()
        parts = urlsplit(request.url or "")
        hostname = parts.hostname or ""
        if hostname and allowed.allows_name(hostname):
            return self._pinned(request, verify, cert, _resolve_first(hostname, parts.port))
        try:
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(
                request, verify, cert
            )
        except InvalidIPAddress as exc:
            ip = ipaddress.ip_address(exc.args[0])
            if not allowed.allows_ip(ip):
                raise _Refused(describe(ip) or "not a public address") from None
            return self._pinned(request, verify, cert, ip)
        ip = ipaddress.ip_address(host_params["host"].strip("[]"))
        reason = describe(ip)
        if reason is not None and not allowed.allows_ip(ip):
            raise _Refused(reason)
        return host_params, pool_kwargs

    def _pinned(
        self, request: requests.PreparedRequest, verify: Any, cert: Any, ip: IPAddress
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Connect to ``ip`` (allowed) while speaking to the URL's host, as the library does
        for the addresses it accepts: Host header, TLS server name and certificate name."""
        host_params, pool_kwargs = HTTPAdapter.build_connection_pool_key_attributes(
            self, request, verify, cert
        )
        hostname, port = host_params["host"], host_params["port"]
        request.headers = CaseInsensitiveDict(request.headers or {})
        host_header = f"[{hostname}]" if ":" in hostname else hostname
        request.headers["Host"] = f"{host_header}:{port}" if port is not None else host_header
        if self._is_https_proto:
            pool_kwargs["assert_hostname"] = hostname
            if self._tls_sni_support:
                pool_kwargs["server_hostname"] = hostname
        host_params["host"] = f"[{ip}]" if ip.version == 6 else str(ip)
        return host_params, pool_kwargs


def _session() -> requests.Session:
    config = Config(
        ip_filter_enable=False,  # mounted below: the library's adapter plus the allowlist
        ip_filter_allow_loopback_ips=False,
        never_redirect=True,
        default_timeout=(
            float(settings.STEWARD_OUTBOUND_CONNECT_TIMEOUT),
            float(settings.STEWARD_OUTBOUND_READ_TIMEOUT),
        ),
    )
    session = HTTPSession(config)
    session.mount("http://", _GuardedAdapter(is_https_proto=False))
    session.mount("https://", _GuardedAdapter(is_https_proto=True))
    # No HTTP(S)_PROXY (a proxy would make the connect-time check moot) and no .netrc
    # credentials sent to targets an administrator typed in.
    session.trust_env = False
    return session


# --- Requests -------------------------------------------------------------------------------------


def _where(url: str) -> str:
    """scheme://host:port of a URL: paths often carry a receiver's token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else url[:40]


def _refuse(reason: str, url: str, *, purpose: str, actor: Any = None) -> TargetRefused:
    audit.record(
        SecurityEventKind.OUTBOUND_REFUSED,
        actor=actor,
        detail=f"{purpose} to {_where(url)}: {reason}",
        data={"reason": reason, "target": _where(url)},
    )
    return TargetRefused(reason)


def _scheme_refusal(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        return "only http and https addresses"
    if not parts.hostname:
        return "no host name"
    return None


def _connection_reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed"
    text = str(exc)
    for needle, reason in (
        ("Failed to resolve", "host name not resolved"),
        ("Connection refused", "connection refused"),
        ("Connection reset", "connection reset"),
        ("RemoteDisconnected", "connection closed by the target"),
        ("Connection aborted", "connection closed by the target"),
        ("Network is unreachable", "network unreachable"),
    ):
        if needle in text:
            return reason
    return "connection failed"


def _read_capped(response: requests.Response, cap: int, deadline: float) -> tuple[bytes, bool]:
    """At most ``cap`` bytes of the body; stops early (truncated) past ``deadline`` too,
    so a target dripping bytes cannot hold a worker for longer than the read timeout."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size > cap or time.monotonic() > deadline:
            return b"".join(chunks)[:cap], True
    return b"".join(chunks), False


def request(
    method: str,
    url: str,
    *,
    purpose: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
) -> OutboundResponse:
    """Send one request to ``url`` through the guard and return the (capped) answer.

    ``purpose`` names the caller in the audit log ("webhook delivery 12"). Raises
    ``TargetRefused`` for a target Steward may not call (recorded in the audit log) and
    ``OutboundError`` when there is no answer (refused connection, timeout, TLS...). A
    redirect is returned as it is, never followed.
    """
    if (reason := _scheme_refusal(url)) is not None:
        raise _refuse(reason, url, purpose=purpose)
    cap = settings.STEWARD_OUTBOUND_MAX_RESPONSE_BYTES if max_bytes is None else max_bytes
    try:
        with _session() as session:
            response = session.request(
                method, url, data=body, headers=dict(headers or {}), stream=True
            )
            try:
                deadline = time.monotonic() + float(settings.STEWARD_OUTBOUND_READ_TIMEOUT)
                content, truncated = _read_capped(response, cap, deadline)
            finally:
                response.close()  # drops the connection: the rest is never read
    except _Refused as exc:
        raise _refuse(exc.reason, url, purpose=purpose) from None
    except requests.RequestException as exc:
        raise OutboundError(_connection_reason(exc)) from None
    return OutboundResponse(
        status=response.status_code,
        body=content,
        truncated=truncated,
        headers=dict(response.headers),
    )


def url_refusal(url: str) -> str | None:
    """Why Steward would refuse to call ``url``, judged now; None when it would call it.

    Checks the scheme, an address written in the URL, and every address the host name
    resolves to now. A name that does not resolve now passes: the check made at connect
    time (whatever the name resolves to then) is the one that protects.
    """
    reason = _scheme_refusal(url)
    if reason is None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        allowed = allowlist()
        if not allowed.allows_name(host):
            try:
                port = parts.port
            except ValueError:
                return "not a valid port"
            reason = _host_refusal(host, port, allowed)
    return reason


def check_url(url: str, *, purpose: str, actor: Any = None) -> None:
    """Refuse, before it is stored, a URL that Steward would refuse to call (``url_refusal``);
    the refusal is recorded in the audit log."""
    reason = url_refusal(url)
    if reason is not None:
        raise _refuse(reason, url, purpose=purpose, actor=actor)


def _host_refusal(host: str, port: int | None, allowed: Allowlist) -> str | None:
    name = _normal_name(host)
    if name == "localhost" or name.endswith(".localhost"):
        return "loopback address"  # RFC 6761: always the machine itself
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(name)]
    except ValueError:
        try:
            info = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError):
            return None
        addresses = [ipaddress.ip_address(entry[4][0]) for entry in info]
    for ip in addresses:
        reason = refusal(ip)
        if reason is not None and not allowed.allows_ip(ip):
            return reason
    return None
