"""The edit step every area's services share, written once.

An edit service refuses the fields it does not take before it starts, then, inside its
``transaction.atomic``, locks the row, checks the actor's right and the version the actor
started from, applies the fields, validates, saves and journals each change:

    reject_unknown(data, FIELDS)
    with transaction.atomic():
        record = lock_to_edit(actor, CHANGE, Model, pk, expected_version)
        ...  # the procedure's own checks (only a draft may change...)
        save_changes(record, data, FIELDS, actor=actor)

What differs between records (extra rules, related rows, events) stays in the service
around these calls, in the same transaction.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from steward.core import journal, permissions, transitions, versioning
from steward.core.errors import DomainError
from steward.core.models import Person

M = TypeVar("M", bound=models.Model)

UNKNOWN = "This field cannot be set here."


def reject_unknown(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse, naming each one, the keys of ``data`` the write does not take."""
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise ValidationError({name: [UNKNOWN] for name in extra})


def lock_to_edit(
    actor: Person,
    permission: str,
    model: type[M],
    pk: Any,
    expected_version: int | None = None,
    *,
    related: Iterable[str] = (),
) -> M:
    """``model`` row ``pk`` under the row lock (404 when there is none), once the actor's
    ``permission`` on it and the version they started from are checked: the start of
    every write to an existing record (an edit, a step, linking...)."""
    record = transitions.lock(model, pk, related=related)
    check_edit(actor, permission, record, expected_version)
    return record


def check_edit(
    actor: Person, permission: str, record: M, expected_version: int | None = None
) -> None:
    """The actor's ``permission`` on the locked ``record``, then the version they started
    from (``StaleVersion``), in that order so a record they may not change says so first."""
    permissions.require(actor, permission, record)
    versioning.check(record, expected_version)


def save_new(record: M, *, actor: Person | None, clean: Callable[[], None] | None = None) -> M:
    """Validate a new ``record`` (``clean``, by default its ``full_clean``), save it and
    journal its creation."""
    (clean or record.full_clean)()
    record.save()
    journal.created(record, actor=actor)
    return record


def require_state(record: models.Model, state: Any, what: str) -> None:
    """Refuse (``DomainError``) to change ``record`` unless its status is ``state`` (a
    choice): "Only a draft agreement can be changed; SLA000001 is active."."""
    if record.status != state:
        raise DomainError(
            f"Only a {state.label.lower()} {what} can be changed; {record.number} is "
            f"{record.get_status_display().lower()}."
        )


def save_changes(
    record: models.Model,
    data: Mapping[str, Any],
    fields: Iterable[str],
    *,
    actor: Person,
    clean: Callable[[], None] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Set the ``fields`` given in ``data``; when any changed, validate (``clean``, by
    default the model's ``full_clean``), save and journal each change. Returns the changes
    (none written when nothing changed)."""
    changes = journal.apply_changes(record, data, fields)
    if changes:
        (clean or record.full_clean)()
        record.save()
        journal.field_changes(record, actor=actor, changes=changes)
    return changes
