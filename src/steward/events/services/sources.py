"""Seed 003 ch. 6 (Event Management): the network and system management applications
that send events ("monitoring sources") and their tokens.

A source authenticates with its own token, not as a person: the token is made here
(``tokens.new_token``), shown once (the API's 201 answer, the page after creation or
rotation) and kept only as its SHA-256 digest with the first characters as a hint. The
ingestion path caches the digest lookup for a few seconds per process, so a rotation or a
deactivation takes effect within that time (docs/OPERATIONS.md).

Who: ``events.source.manage`` (the operations manager, the system administrator)."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from steward.core import journal, permissions, roles
from steward.core.choices import Role
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.errors import DomainError
from steward.core.fields import given
from steward.core.models import Person, SupportGroup
from steward.events import inputs, tokens
from steward.events.choices import SourceKind
from steward.events.models import EventSource

VIEW = "events.event.view"
MANAGE = "events.source.manage"
SOURCE_UPDATE_FIELDS = (
    "name", "kind", "description", "operator", "support_group", "rate_limit",
)  # fmt: skip
HINT_LENGTH = 8
MAX_RATE_LIMIT = 1_000_000
DEFAULT_RATE_LIMIT = 10_000


def pk_of(value: Any) -> Any:
    return getattr(value, "pk", value)


def clean_name(value: Any, *, field: str = "name", limit: int = 100, what: str = "it") -> str:
    """A required one-line name (400 on ``field`` when empty)."""
    text = " ".join(str(value or "").split())
    if not text:
        raise ValidationError({field: [f"Name {what}."]})
    if len(text) > limit:
        raise ValidationError({field: [f"Use at most {limit} characters."]})
    return text


def _kind(value: Any) -> str:
    if value not in SourceKind.values:
        raise ValidationError({"kind": [f"Choose one of: {', '.join(SourceKind.values)}."]})
    return value


def _rate_limit(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_RATE_LIMIT
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"rate_limit": ["Enter a whole number."]}) from None
    if (isinstance(value, float) and value != number) or not 1 <= number <= MAX_RATE_LIMIT:
        raise ValidationError(
            {"rate_limit": [f"Enter events per second from 1 to {MAX_RATE_LIMIT:,}."]}
        )
    return number


def _operator(value: Any) -> Person | None:
    """The person in whose name the source's incident requests are registered: an active
    person holding the operator role (anywhere)."""
    if value in (None, ""):
        return None
    try:
        person = Person.objects.filter(pk=int(pk_of(value)), is_active=True).first()
    except (TypeError, ValueError):
        person = None
    if person is None:
        raise ValidationError({"operator": ["No active person with this id."]})
    if person.pk not in {p.pk for p in roles.holders(Role.OPERATOR, anywhere=True)}:
        raise ValidationError(
            {"operator": [f"{person.display_name} does not hold the operator role."]}
        )
    return person


def _group(value: Any) -> SupportGroup | None:
    if value in (None, ""):
        return None
    try:
        group = SupportGroup.objects.filter(pk=int(pk_of(value))).first()
    except (TypeError, ValueError):
        group = None
    if group is None:
        raise ValidationError({"support_group": ["No support group with this id."]})
    return group


def _saved(source: EventSource, **save: Any) -> None:
    """Save, turning the unique name into a field message (two people at once)."""
    try:
        with transaction.atomic():
            source.save(**save)
    except IntegrityError:
        raise ValidationError({"name": ["Another source has this name."]}) from None


def _new_token(source: EventSource) -> str:
    token = tokens.new_token()
    source.token_hash = tokens.digest(token)
    source.token_hint = token[:HINT_LENGTH]
    source.token_created_at = timezone.now()
    return token


def source_create(
    *,
    actor: Person,
    name: str,
    kind: str = SourceKind.GENERIC,
    description: str = "",
    operator: Any = None,
    support_group: Any = None,
    rate_limit: Any = DEFAULT_RATE_LIMIT,
) -> tuple[EventSource, str]:
    """Ch. 6 (procedure 1's input): register a monitoring source. Returns the source and
    its token, which is never readable again (only its digest is kept)."""
    with transaction.atomic():
        permissions.require(actor, MANAGE)
        inputs.SOURCE_CREATE.check(actor, given(
            name=name, kind=kind, description=description, operator=pk_of(operator),
            support_group=pk_of(support_group), rate_limit=rate_limit))  # fmt: skip
        source = EventSource(
            name=clean_name(name, what="the source"),
            kind=_kind(kind or SourceKind.GENERIC),
            description=(description or "").strip(),
            operator=_operator(operator),
            support_group=_group(support_group),
            rate_limit=_rate_limit(rate_limit),
            created_by=actor,
        )
        if EventSource.objects.filter(name__iexact=source.name).exists():
            raise ValidationError({"name": ["Another source has this name."]})
        token = _new_token(source)
        source.full_clean(exclude=["token_hash"])
        _saved(source)
        journal.created(source, actor=actor, system_text=f"Token {source.token_hint}… issued.")
    return source, token


def source_update(
    *,
    actor: Person,
    source_id: Any,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> EventSource:
    """Ch. 6: change a source's name, format, description, operator, support group or
    rate limit (the token only changes by ``source_rotate_token``)."""
    reject_unknown(data, SOURCE_UPDATE_FIELDS)
    with transaction.atomic():
        source = lock_to_edit(actor, MANAGE, EventSource, source_id, expected_version)
        inputs.SOURCE_UPDATE.check(actor, data, source)
        values: dict[str, Any] = {}
        if "name" in data:
            values["name"] = clean_name(data["name"], what="the source")
            if (
                EventSource.objects.filter(name__iexact=values["name"])
                .exclude(pk=source.pk)
                .exists()
            ):
                raise ValidationError({"name": ["Another source has this name."]})
        if "kind" in data:
            values["kind"] = _kind(data["kind"])
        if "description" in data:
            values["description"] = (data["description"] or "").strip()
        if "operator" in data:
            values["operator"] = _operator(data["operator"])
        if "support_group" in data:
            values["support_group"] = _group(data["support_group"])
        if "rate_limit" in data:
            values["rate_limit"] = _rate_limit(data["rate_limit"])
        changes = journal.apply_changes(source, values, list(values))
        if changes:
            source.full_clean()
            _saved(source)
            journal.field_changes(source, actor=actor, changes=changes)
    return source


def source_rotate_token(
    *, actor: Person, source_id: Any, expected_version: int | None = None
) -> str:
    """Ch. 6: replace a source's token (a leaked or lost one). The old token stops
    working once the ingestion path's cache forgets it (seconds); returns the new token,
    shown this once."""
    with transaction.atomic():
        source = lock_to_edit(actor, MANAGE, EventSource, source_id, expected_version)
        old_hint = source.token_hint
        token = _new_token(source)
        source.save(update_fields=["token_hash", "token_hint", "token_created_at",
                                   "updated_at"])  # fmt: skip
        journal.field_changes(source, actor=actor,
                              changes={"token_hint": (old_hint, source.token_hint)})  # fmt: skip
    return token


def _set_active(
    actor: Person, source_id: Any, active: bool, expected_version: int | None
) -> EventSource:
    with transaction.atomic():
        source = lock_to_edit(actor, MANAGE, EventSource, source_id, expected_version)
        if source.is_active == active:
            state = "active" if active else "inactive"
            raise DomainError(f"{source.name} is {state} already.")
        source.is_active = active
        source.save(update_fields=["is_active", "updated_at"])
        journal.field_changes(source, actor=actor, changes={"is_active": (not active, active)})
    return source


def source_deactivate(
    *, actor: Person, source_id: Any, expected_version: int | None = None
) -> EventSource:
    """Ch. 6: stop accepting events from a source (its token is refused with 401 once
    the ingestion cache forgets it); its events and rules stay."""
    return _set_active(actor, source_id, False, expected_version)


def source_activate(
    *, actor: Person, source_id: Any, expected_version: int | None = None
) -> EventSource:
    """Ch. 6: accept events from a deactivated source again, with the token it had."""
    return _set_active(actor, source_id, True, expected_version)
