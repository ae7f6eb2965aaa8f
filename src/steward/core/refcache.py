"""Reference data that nearly every registration reads and almost nothing changes (the
priority matrix, routing rules, business calendars with their hours, webhook
subscriptions, a support group's coordinators, a requester's default customer), kept in
each process's memory.

Each cached set has a name and a random token in ``ReferenceVersion``. Saving or deleting
a row of a registered model replaces the token in the same transaction (a signal handler:
cache bookkeeping, not domain logic), and code that writes them in bulk calls ``bump``.
A process reads all tokens with one small query, once per web request (on every read
outside a request: tasks and commands), and loads a set again when its token differs.
So an edit made by any process is seen by the next request everywhere, and an edit that
was rolled back is forgotten too: tokens are random and never come back.

A set that was never changed through the ORM has no token row: it is cached under the
empty token, so code that writes reference rows in bulk (``bulk_create`` sends no signal)
must call ``bump`` itself.

A set keyed by something numerous (one part per requester) passes ``max_keys``: past it
the process starts that set again empty. ``register(..., ignore_fields=...)`` names saves
that change no set (a login stamping ``last_login`` on a person).

Cached values are shared by every request of the process: treat them as read-only.
"""

import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.signals import request_finished, request_started
from django.db import connection, models
from django.db.models.signals import m2m_changed, post_delete, post_save

from steward.core.models import ReferenceVersion

T = TypeVar("T")

# name -> key -> (token, value); entries are replaced whole, never mutated, so threads
# may share them.
_values: dict[str, dict[Any, tuple[str, Any]]] = {}
_models: dict[type[models.Model], set[str]] = {}
# Saves of these models that write only these fields change no cached set (a login
# stamping ``last_login`` on a person).
_ignored_fields: dict[type[models.Model], frozenset[str]] = {}


class _RequestState(threading.local):
    in_request = False
    tokens: dict[str, str] | None = None


_state = _RequestState()


def _tokens() -> dict[str, str]:
    tokens = _state.tokens
    if tokens is None:
        # Plain SQL: read on most requests, and the ORM would cost more than the query.
        table = connection.ops.quote_name(ReferenceVersion._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT name, token FROM {table}")
            tokens = dict(cursor.fetchall())
        if _state.in_request:
            _state.tokens = tokens
    return tokens


def cached(name: str, loader: Callable[[], T], key: Any = None, max_keys: int = 0) -> T:
    """The set ``name`` (its part ``key``, e.g. one calendar) as ``loader`` returns it,
    from memory while the set's token holds. ``max_keys`` bounds the parts kept of a set
    keyed by something numerous (a person): past it, the set starts again empty."""
    token = _tokens().get(name, "")
    parts = _values.get(name)
    if parts is None:
        parts = _values.setdefault(name, {})
    entry = parts.get(key)
    if entry is not None and entry[0] == token:
        return entry[1]
    value = loader()
    if max_keys and len(parts) >= max_keys and key not in parts:
        parts = _values[name] = {}
    parts[key] = (token, value)
    return value


# --- processing: a batch of the event processor reads the tokens once, as a request does ---
@contextmanager
def scope() -> Iterator[None]:
    """Read the tokens once for a unit of work outside a web request (a batch of the event
    processor publishes a webhook event per new event: one token query, not one each).
    A change made inside the scope (``bump``) is still seen at once."""
    was = _state.in_request
    _state.in_request, _state.tokens = True, None
    try:
        yield
    finally:
        _state.in_request, _state.tokens = was, None


def bump(*names: str) -> None:
    """Give the sets a new token (inside the caller's transaction) and drop them here."""
    for name in names:
        ReferenceVersion.objects.bulk_create(
            [ReferenceVersion(name=name, token=secrets.token_hex(16))],
            update_conflicts=True,
            unique_fields=["name"],
            update_fields=["token"],
        )
        _values.pop(name, None)
    _state.tokens = None


def forget() -> None:
    """Drop every set held by this process (tests that rewrite reference data in bulk)."""
    _values.clear()
    _state.tokens = None


def _changed(sender: type[models.Model], **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata: the fixture's rows, nothing to announce yet
        return
    written = kwargs.get("update_fields")
    if written and frozenset(written) <= _ignored_fields.get(sender, frozenset()):
        return
    names = _models.get(sender)
    if names:
        bump(*sorted(names))


def register(
    name: str, *model_classes: type[models.Model], ignore_fields: Iterable[str] = ()
) -> None:
    """Declare that saving or deleting a row of ``model_classes`` changes the set ``name``.
    A save whose ``update_fields`` are all in ``ignore_fields`` changes none of the sets of
    that model."""
    for model in model_classes:
        if ignore_fields:
            _ignored_fields[model] = _ignored_fields.get(model, frozenset()) | set(ignore_fields)
        if model not in _models:
            _models[model] = set()
            post_save.connect(_changed, sender=model, dispatch_uid=f"refcache-save-{model}")
            post_delete.connect(_changed, sender=model, dispatch_uid=f"refcache-del-{model}")
        _models[model].add(name)


def _many_changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("action", "").startswith("post_"):
        _changed(type(kwargs["instance"]))


def _request_started(**kwargs: Any) -> None:
    _state.in_request, _state.tokens = True, None


def _request_finished(**kwargs: Any) -> None:
    _state.in_request, _state.tokens = False, None


request_started.connect(_request_started, dispatch_uid="refcache-request-started")
request_finished.connect(_request_finished, dispatch_uid="refcache-request-finished")
m2m_changed.connect(_many_changed, dispatch_uid="refcache-m2m")
