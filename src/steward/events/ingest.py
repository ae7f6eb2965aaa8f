"""The event ingestion endpoints' lean path: a plain WSGI app that ``steward/wsgi.py`` puts in
front of Django for three paths (docs/ARCHITECTURE.md, "Ingestion"; seed 003 ch. 6, the
events that procedure 1 handles).

Why not a DRF view: at thousands of events a second the framework's per-request work
(middleware, sessions, content negotiation, serializers, an ORM object per event) costs
more than the work itself. Here a request costs: the token's digest looked up in a
per-process cache, the body read within its limit, JSON decoded and checked by
``events.formats``, and ONE multi-row INSERT into the inbox, committed (autocommit)
before the 202. Deduplication, CI matching and correlation run later, in batches, in
``steward process_events``: what makes an accepted event safe is that commit.

``ingest(kind, meta, read)`` is the whole endpoint as a function of the request's WSGI
environ (or Django's ``request.META``) and a body reader; the lean app and the API twins
(``events/api/ingest.py``, the same paths inside Django, for the schema and the test
client) both call it, so they answer alike.
"""

import json
import logging
import math
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    OperationalError,
    close_old_connections,
    connections,
    reset_queries,
    transaction,
)
from django.utils import timezone

from steward.core.errors import error_body
from steward.events import formats, tokens
from steward.events.choices import SourceKind
from steward.events.models import EventInbox, EventSource

logger = logging.getLogger(__name__)

ENDPOINTS = {
    SourceKind.GENERIC: "/api/v1/events/ingest/",
    SourceKind.ALERTMANAGER: "/api/v1/events/alertmanager/",
    SourceKind.ZABBIX: "/api/v1/events/zabbix/",
}
PATHS = {path: kind for kind, path in ENDPOINTS.items()}
# What the refusals' ``attr`` names the list by (a Zabbix body is one event).
ITEMS = {SourceKind.GENERIC: "events", SourceKind.ALERTMANAGER: "alerts", SourceKind.ZABBIX: ""}

CACHE_SECONDS = 5.0  # a revoked token or a changed rate limit counts after at most this
CACHE_SIZE = 1000  # digests remembered (unknown ones too: a flood of bad tokens stays cheap)
SQLITE_KEEP_SECONDS = 60.0  # an SQLite connection kept, as CONN_MAX_AGE keeps PostgreSQL's
SQLITE_RETRY_SECONDS = 0.001  # between tries of a write SQLite refused as locked
RETRY_SECONDS = 5  # Retry-After of a 503 (the database is unavailable)
BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)
HEADERS = [
    ("Content-Type", "application/json"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store, private"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
]

clock: Callable[[], float] = time.monotonic  # the cache's and the buckets' time; tests move it


@dataclass(frozen=True)
class Source:
    """What a request needs of its EventSource, cached by token digest."""

    id: int
    kind: str
    is_active: bool
    rate_limit: int


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def content(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()

    def header_list(self) -> list[tuple[str, str]]:
        return [*HEADERS, *self.headers.items()]


def refusal(status: int, code: str, detail: str, **headers: str) -> Answer:
    return Answer(status, error_body(status, code, detail), headers)


# --- Sources by token: the database once per CACHE_SECONDS per token -------------------------

_sources: dict[str, tuple[float, Source | None]] = {}
_lock = threading.Lock()


def _fetch(digest: str) -> Source | None:
    table = connections["default"].ops.quote_name(EventSource._meta.db_table)
    with connections["default"].cursor() as cursor:
        cursor.execute(
            f"SELECT id, kind, is_active, rate_limit FROM {table} WHERE token_hash = %s", [digest]
        )
        row = cursor.fetchone()
    return Source(row[0], row[1], bool(row[2]), row[3]) if row else None


def source_for(token: str) -> Source | None:
    digest = tokens.digest(token)
    now = clock()
    hit = _sources.get(digest)
    if hit is not None and hit[0] > now:
        return hit[1]
    source = _fetch(digest)
    with _lock:
        if len(_sources) >= CACHE_SIZE:
            _sources.clear()
        _sources[digest] = (now + CACHE_SECONDS, source)
    return source


def token_of(meta: dict[str, Any]) -> str:
    """``Authorization: Bearer <token>`` (Alertmanager's ``http_config.authorization``) or
    ``X-Steward-Token: <token>``."""
    match = BEARER.match(meta.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else meta.get("HTTP_X_STEWARD_TOKEN", "").strip()


# --- Rate: a token bucket per source in this process (burst: one second's worth) -------------

_buckets: dict[int, tuple[float, float]] = {}  # source id -> (tokens, when)


def wait_for(source: Source, count: int) -> float:
    """Take ``count`` events from the source's bucket: 0, or the seconds to wait first.
    A batch larger than the burst passes on a full bucket and leaves it in debt, so the
    rate still holds on average. A rate of 0 is no limit."""
    rate = source.rate_limit
    if rate <= 0:
        return 0.0
    now = clock()
    with _lock:
        level, then = _buckets.get(source.id, (float(rate), now))
        level = min(float(rate), level + (now - then) * rate)
        needed = min(count, rate)
        if level < needed:
            _buckets[source.id] = (level, now)
            return (needed - level) / rate
        _buckets[source.id] = (level - count, now)
    return 0.0


def forget() -> None:
    """Drop the cached sources and the buckets (tests; nothing else needs it)."""
    with _lock:
        _sources.clear()
        _buckets.clear()


# --- The body --------------------------------------------------------------------------------

# Escapes PostgreSQL's jsonb refuses once decoded: NUL and (possibly lone) surrogates.
_SUSPECT = re.compile(rb"\\u(0000|[dD][89a-fA-F])")


def _read_body(meta: dict[str, Any], read: Callable[[int], bytes]) -> bytes | Answer:
    limit = settings.STEWARD_EVENTS_MAX_BODY_BYTES
    too_large = refusal(413, "too_large", f"The body is larger than the limit of {limit} bytes.")
    raw_length = meta.get("CONTENT_LENGTH") or ""
    if not raw_length:  # chunked: as much as the server gives, one byte past the limit at most
        body = read(limit + 1)
        return too_large if len(body) > limit else body
    try:
        length = int(raw_length)
    except ValueError:
        return refusal(400, "invalid", "Content-Length is not a number.")
    if length > limit:
        return too_large  # before reading a byte of it
    # Never past Content-Length (PEP 3333): a server may wait for bytes that never come.
    return read(length) if length > 0 else b""


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _decode(body: bytes) -> Any:
    try:
        # Strict UTF-8: json.loads alone lets encoded surrogates through ("surrogatepass").
        return json.loads(body.decode("utf-8"), parse_constant=_not_json)  # NaN: not JSON
    except (ValueError, RecursionError):
        return refusal(400, "parse_error", "The body is not JSON (UTF-8).")


def _texts(body: bytes, events: list[dict[str, Any]], refused: list[dict[str, Any]]) -> list[str]:
    """The JSON text of each accepted event a JSON column can keep; the others move to
    ``refused``, their index found again by position among the accepted ones (which were
    appended in order). A number too large for a float (1e400) is refused here."""
    suspect = _SUSPECT.search(body) is not None
    texts, bad = [], []
    indexes = _accepted_indexes(len(events) + len(refused), refused)
    for index, event in zip(indexes, events, strict=True):
        message = formats.unstorable(event) if suspect else None
        if message is None:
            try:
                texts.append(
                    json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
                )
                continue
            except ValueError:
                message = "Numbers must be finite (this one is too large)."
        bad.append({"index": index, "errors": {"event": [message]}})
    if bad:
        refused[:] = sorted(refused + bad, key=lambda r: r["index"])
    return texts


def _accepted_indexes(total: int, refused: Iterable[dict[str, Any]]) -> list[int]:
    skipped = {r["index"] for r in refused}
    return [i for i in range(total) if i not in skipped]


# --- The write -------------------------------------------------------------------------------


def _max_rows(connection: Any) -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    else:
        limit = 65535  # PostgreSQL's protocol: a 16-bit parameter count
    return max(1, limit // 3)


def inbox_append(*, source_id: int, events: list[str], received_at: Any) -> None:
    """The accepted events (JSON text each) into the inbox in one INSERT of many rows,
    committed when it returns. More rows than one statement may hold parameters for
    (SQLite's limit) go in several statements of one transaction."""
    connection = connections["default"]
    table = connection.ops.quote_name(EventInbox._meta.db_table)
    data = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    when = connection.ops.adapt_datetimefield_value(received_at)
    step = _max_rows(connection)
    chunks = [events[start : start + step] for start in range(0, len(events), step)]
    statements = []
    for chunk in chunks:
        rows = ", ".join([f"(%s, %s, {data})"] * len(chunk))
        params = [value for text in chunk for value in (source_id, when, text)]
        statements.append(
            (f"INSERT INTO {table} (source_id, received_at, data) VALUES {rows}", params)
        )
    if connection.vendor == "sqlite":
        _sqlite_write(connection, statements)
    else:
        _write(statements)


def _write(statements: list[tuple[str, list[Any]]]) -> None:
    # One statement is its own transaction (autocommit): no BEGIN/COMMIT round trips.
    several = transaction.atomic(using="default") if len(statements) > 1 else nullcontext()
    with several, connections["default"].cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _sqlite_write(connection: Any, statements: list[tuple[str, list[Any]]]) -> None:
    """``_write`` for SQLite, whose one writer at a time is often the event processor
    (a batch holds the write lock for its whole transaction). SQLite's own busy handler
    lets a waiting writer sleep up to 100 ms between tries, so while a backlog is being
    processed the ingestion's short INSERTs would wait seconds (the event_ingest bench
    measured 740 events/s in batches against 35,000 without the processor). Here the
    write lock is asked for alone (``BEGIN IMMEDIATE``, a refused try costs microseconds)
    every millisecond until the connection's timeout, so the INSERT gets in during the
    pause the processor leaves between batches; then the rows and the commit."""
    if connection.in_atomic_block:  # inside a transaction already (the API twins' tests)
        _write(statements)
        return
    timeout = float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5))
    deadline = time.monotonic() + timeout
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 0")
        try:
            _sqlite_lock(cursor, deadline)
            try:
                for sql, params in statements:
                    cursor.execute(sql, params)
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


def _sqlite_lock(cursor: Any, deadline: float) -> None:
    while True:
        try:
            cursor.execute("BEGIN IMMEDIATE")
            return
        except OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(SQLITE_RETRY_SECONDS)


# --- The endpoint ----------------------------------------------------------------------------


def _refused_answer(kind: str, refused: list[dict[str, Any]]) -> Answer:
    """Every event refused: 400 in the API's error shape, with the same lists as a 202."""
    prefix = ITEMS.get(kind, "events")
    errors = [
        {
            "code": "invalid",
            "detail": message,
            "attr": ".".join(p for p in (prefix, str(r["index"]) if prefix else "", name) if p),
        }
        for r in refused
        for name, messages in r["errors"].items()
        for message in messages
    ]
    return Answer(
        400, {"type": "validation_error", "errors": errors, "accepted": 0, "refused": refused}
    )


def _authenticate(kind: str, meta: dict[str, Any]) -> Source | Answer:
    token = token_of(meta)
    if not token:
        return refusal(
            401,
            "not_authenticated",
            "Send the source's token: Authorization: Bearer <token>, or X-Steward-Token.",
            **{"WWW-Authenticate": 'Bearer realm="steward events"'},
        )
    source = source_for(token)
    if source is None or not source.is_active:
        return refusal(
            401,
            "authentication_failed",
            "Unknown or revoked source token, or the source is switched off.",
            **{"WWW-Authenticate": 'Bearer realm="steward events", error="invalid_token"'},
        )
    if source.kind != kind:
        return refusal(
            403,
            "permission_denied",
            f"This source sends {SourceKind(source.kind).label} events: post them to "
            f"{ENDPOINTS[SourceKind(source.kind)]}.",
        )
    return source


def _accept(kind: str, source: Source, body: bytes, payload: Any) -> Answer:
    now = timezone.now()
    try:
        accepted, refused = formats.parse(
            kind,
            payload,
            now=now,
            max_batch=settings.STEWARD_EVENTS_MAX_BATCH,
            tz=timezone.get_default_timezone(),
        )
    except formats.BodyError as error:
        return refusal(400, "invalid", str(error))
    except formats.TooManyEvents as error:
        return refusal(413, "too_large", str(error))
    wait = wait_for(source, len(accepted) + len(refused))
    if wait:
        seconds = max(1, math.ceil(wait))
        return refusal(
            429,
            "throttled",
            f"Over this source's rate of {source.rate_limit} events a second: "
            f"send again in {seconds} s.",
            **{"Retry-After": str(seconds)},
        )
    texts = _texts(body, accepted, refused)
    if not texts:
        return _refused_answer(kind, refused)
    inbox_append(source_id=source.id, events=texts, received_at=now)
    return Answer(202, {"accepted": len(texts), "refused": refused})


def ingest(kind: str, meta: dict[str, Any], read: Callable[[int], bytes]) -> Answer:
    """One request to the ``kind`` endpoint: ``meta`` its WSGI environ (or request.META),
    ``read(n)`` reads up to n bytes of its body."""
    if meta.get("REQUEST_METHOD") != "POST":
        detail = f'Method "{meta.get("REQUEST_METHOD", "")}" not allowed.'
        return refusal(405, "method_not_allowed", detail, Allow="POST")
    try:
        source = _authenticate(kind, meta)
        if isinstance(source, Answer):
            return source
        body = _read_body(meta, read)
        if isinstance(body, Answer):
            return body
        payload = _decode(body)
        if isinstance(payload, Answer):
            return payload
        return _accept(kind, source, body, payload)
    except DatabaseError:
        # Not accepted, and the sender must know to send again (Alertmanager retries 5xx).
        logger.exception("event ingestion: the database refused the request")
        return refusal(
            503,
            "unavailable",
            "The event store is unavailable; nothing was accepted. Send again.",
            **{"Retry-After": str(RETRY_SECONDS)},
        )


def _respond(answer: Answer, start_response: Callable) -> list[bytes]:
    body = answer.content()
    start_response(
        f"{answer.status} {HTTPStatus(answer.status).phrase}",
        [*answer.header_list(), ("Content-Length", str(len(body)))],
    )
    return [body]


def application(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
    """The lean WSGI app: the three ingestion paths, a JSON 404 for anything else."""
    kind = PATHS.get(environ.get("PATH_INFO", ""))
    if kind is None:
        return _respond(refusal(404, "not_found", "Not found."), start_response)
    # What Django's request_started / request_finished receivers do: a connection past
    # CONN_MAX_AGE or broken is replaced, so the setting holds here too.
    reset_queries()
    close_old_connections()
    try:
        answer = ingest(kind, environ, environ["wsgi.input"].read)
    except Exception:
        logger.exception("event ingestion failed")
        answer = refusal(500, "error", "A server error occurred.")
    finally:
        _keep_sqlite()
        close_old_connections()
    return _respond(answer, start_response)


def _keep_sqlite() -> None:
    """Keep this process's SQLite connection for ``SQLITE_KEEP_SECONDS`` after it opened,
    as PostgreSQL's are kept for CONN_MAX_AGE. Settings give SQLite a CONN_MAX_AGE of 0:
    each request would open the file, run the PRAGMAs and close it again, ~5 ms of CPU
    where the rest of a single-event request costs ~0.3 ms (event_ingest bench). Django's
    requests in the same worker use the kept connection until then too."""
    connection = connections["default"]
    if connection.vendor != "sqlite" or connection.connection is None:
        return
    if getattr(connection, "_ingestion_kept", None) is not connection.connection:
        connection._ingestion_kept = connection.connection
        connection.close_at = time.monotonic() + SQLITE_KEEP_SECONDS


def with_ingestion(django_app: Callable) -> Callable:
    """The WSGI app of ``steward/wsgi.py``: the ingestion paths to the lean app, every
    other request to Django unchanged."""

    def dispatch(environ: dict[str, Any], start_response: Callable) -> Any:
        if environ.get("PATH_INFO", "") in PATHS:
            return application(environ, start_response)
        return django_app(environ, start_response)

    return dispatch
