"""The transition primitive: lock the row, check the table and the right, set the state,
journal it and publish the event, in the caller's transaction.

Every state change of every area goes through here, so the step is written once:

    with transaction.atomic():
        item = transitions.lock(CatalogItem, item_id)
        transitions.transition(
            item, Status.PUBLISHED, actor=actor, workflow=workflows.CATALOG_ITEM,
            permission="service_level.catalog_item.publish",
            event="service_level.catalog_item.published",
        )

What it does not do is the procedure's own work (timestamps, approvals, clocks, telling
people): the service does that around the call, in the same transaction.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404

from steward.core import journal, notify, permissions
from steward.core.models import Person
from steward.core.workflows import Workflow

M = TypeVar("M", bound=models.Model)


def lock(model: type[M], pk: Any, *, related: Iterable[str] = ()) -> M:
    """``model`` row ``pk`` read under a row lock for the rest of the transaction.

    Only the row itself is locked (``of=("self",)``), not the ``related`` rows joined in.
    An id that is malformed or names no row is not-found (404), never a server error.
    """
    qs = model._default_manager.select_for_update(of=("self",))
    if related:
        qs = qs.select_related(*related)
    try:
        return qs.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404(f"No {model._meta.verbose_name} {pk}.") from None


def transition(
    record: models.Model,
    to: str,
    *,
    actor: Person | None,
    workflow: Workflow,
    permission: str | None = None,
    allowed: Callable[[Any, Any], bool | None] | None = None,
    reason: str = "",
    public: bool = False,
    change_public: bool = True,
    event: str | None = None,
    data: Mapping[str, Any] | None = None,
    also: Iterable[str] = (),
) -> str:
    """Move ``record`` to state ``to`` and return the state it had.

    ``record`` comes from ``lock()`` inside the service's ``transaction.atomic``. In order:
    the actor's right (``permission`` on the record, then the ``allowed(actor, record)``
    predicate, which raises ``PermissionDenied`` or returns False), the workflow's table
    (``InvalidTransition``, 409 in the API), the state field (``workflow.field``) set and
    saved with the ``also`` fields the service set beforehand and ``updated_at`` (a
    versioned record's ``lock_version`` moves on in ``save``), the journal entry (``reason``
    is a staff-only note unless ``public``; the change itself is staff-only when
    ``change_public`` is False, for an internal state such as an incident's escalation), and the catalog ``event`` with ``data`` to
    webhook subscribers (``notify.record_event``: written now, sent after commit).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() runs inside the service's transaction.atomic().")
    if permission is not None:
        permissions.require(actor, permission, record)
    if allowed is not None and allowed(actor, record) is False:
        raise PermissionDenied("You may not do this.")
    old = getattr(record, workflow.field)
    workflow.check(old, to)
    setattr(record, workflow.field, to)
    fields = [workflow.field, *also]
    if any(f.name == "updated_at" for f in record._meta.concrete_fields):
        fields.append("updated_at")
    record.save(update_fields=list(dict.fromkeys(fields)))
    journal.transition(
        record,
        actor=actor,
        old=str(old),
        new=str(to),
        reason=reason,
        reason_public=public,
        field=workflow.field,
        public=change_public,
    )
    if event is not None:
        notify.record_event(record=record, event=event, actor=actor, data=dict(data or {}))
    return old
