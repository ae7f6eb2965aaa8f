"""Reference data that nearly every registration reads and almost nothing changes (the
priority matrix, routing rules, business calendars with their hours, webhook
subscriptions), kept in each process's memory.

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

Cached values are shared by every request of the process: treat them as read-only.
"""

import secrets
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.signals import request_finished, request_started
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

from steward.core.models import ReferenceVersion

T = TypeVar("T")

# (name, key) -> (token, value); replaced whole, never mutated, so threads may share it.
_values: dict[tuple[str, Any], tuple[str, Any]] = {}
_models: dict[type[models.Model], set[str]] = {}


class _RequestState(threading.local):
    in_request = False
    tokens: dict[str, str] | None = None


_state = _RequestState()


def _tokens() -> dict[str, str]:
    tokens = _state.tokens
    if tokens is None:
        tokens = dict(ReferenceVersion.objects.values_list("name", "token"))
        if _state.in_request:
            _state.tokens = tokens
    return tokens


def cached(name: str, loader: Callable[[], T], key: Any = None) -> T:
    """The set ``name`` (its part ``key``, e.g. one calendar) as ``loader`` returns it,
    from memory while the set's token holds."""
    token = _tokens().get(name, "")
    entry = _values.get((name, key))
    if entry is not None and entry[0] == token:
        return entry[1]
    value = loader()
    _values[(name, key)] = (token, value)
    return value


def bump(*names: str) -> None:
    """Give the sets a new token (inside the caller's transaction) and drop them here."""
    for name in names:
        ReferenceVersion.objects.bulk_create(
            [ReferenceVersion(name=name, token=secrets.token_hex(16))],
            update_conflicts=True,
            unique_fields=["name"],
            update_fields=["token"],
        )
        for cached_key in [k for k in _values if k[0] == name]:
            _values.pop(cached_key, None)
    _state.tokens = None


def forget() -> None:
    """Drop every set held by this process (tests that rewrite reference data in bulk)."""
    _values.clear()
    _state.tokens = None


def _changed(sender: type[models.Model], **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata: the fixture's rows, nothing to announce yet
        return
    names = _models.get(sender)
    if names:
        bump(*sorted(names))


def register(name: str, *model_classes: type[models.Model]) -> None:
    """Declare that saving or deleting a row of ``model_classes`` changes the set ``name``."""
    for model in model_classes:
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
