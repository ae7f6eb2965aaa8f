"""Bulk work on the queues (seed 003 ch. 8 procedures 2-6, many requests at once): assign,
take, change the status or the priority, merge duplicates.

Each selected request goes through the same per-record service a single change uses
(``incident_assign``, ``incident_take``, ``incident_set_pending`` ...), so permissions,
the transition table, the journal, clocks, notifications and events are exactly those of
the single change. **One transaction per request**, not all-or-nothing: a queue of 30
with one request a colleague changed meanwhile updates the other 29 and names the one it
refused, which is what people working a queue expect (Jira and Zammad do the same). Each
request carries the version the person saw (``lock_version`` of the list's row): a
request changed since is refused as stale, never overwritten, and the refused attempt
is journalled (staff only) like a refused page save.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from steward.core import versioning
from steward.core.errors import DomainError, StaleVersion
from steward.core.models import Person
from steward.incidents.choices import Impact, PendingReason, ResolutionCode, Urgency
from steward.incidents.choices import IncidentStatus as S
from steward.incidents.models import IncidentRequest
from steward.incidents.queries.incidents import incidents_for
from steward.incidents.services import assignment, closure, links, resolution, tracking

ACTIONS = {
    "assign": "Assign",
    "take": "Take (assign to me)",
    "status": "Change status",
    "priority": "Change priority",
    "merge": "Merge into another request",
}
# The statuses a bulk change may set, each through the service of that step.
STATUSES = {
    S.PENDING: "Pending",
    S.IN_PROGRESS: "In progress (resume)",
    S.RESOLVED: "Resolved",
    S.CLOSED: "Closed (for the requester)",
    S.CANCELLED: "Cancelled",
}
MAX_ITEMS = 200


@dataclass
class Outcome:
    """What happened to one request: ``updated``, ``unchanged`` or a refusal
    (``stale``, ``denied``, ``refused``, ``not_found``) with the reason."""

    incident_id: int
    number: str
    result: str
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.result in ("updated", "unchanged")


@dataclass
class BulkResult:
    action: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def updated(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    def summary(self) -> str:
        """ "12 updated, 2 refused: INC000012 (changed by someone else ...), ..."."""
        text = f"{len(self.updated)} updated"
        if self.refused:
            reasons = "; ".join(f"{o.number} ({o.reason})" for o in self.refused)
            text += f", {len(self.refused)} refused: {reasons}"
        return text + "."


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
        return " ".join(exc.messages)
    if isinstance(exc, Http404):
        return "No such request."
    return str(exc) or "You may not do this."


def _checked_fields(action: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The action's fields, refused with field messages before anything is written."""
    errors: dict[str, list[str]] = {}
    given = {k: v for k, v in fields.items() if v not in (None, "")}
    if action == "assign" and not (given.get("support_group") or given.get("assignee")):
        errors["support_group"] = ["Choose a group or a person."]
    elif action == "status":
        status = given.get("status")
        if status not in STATUSES:
            errors["status"] = ["Choose one of: " + ", ".join(STATUSES) + "."]
        elif status == S.PENDING and given.get("pending_reason") not in PendingReason.values:
            errors["pending_reason"] = ["Say what it is waiting for."]
        elif status == S.RESOLVED:
            if not str(given.get("resolution", "")).strip():
                errors["resolution"] = ["Describe the resolution."]
            if given.get("resolution_code") not in ResolutionCode.values:
                errors["resolution_code"] = ["Choose a resolution code."]
    elif action == "priority":
        if not (given.get("impact") or given.get("urgency")):
            errors["impact"] = ["Choose an impact or an urgency (the priority follows)."]
        for name, values in (("impact", Impact.values), ("urgency", Urgency.values)):
            if name in given and given[name] not in values:
                errors[name] = ["Not a valid choice."]
    elif action == "merge" and not given.get("into"):
        errors["into"] = ["Choose the request to merge into."]
    if errors:
        raise ValidationError(errors)
    return given


def _status_step(actor: Person, pk: int, f: Mapping[str, Any]) -> None:
    status, reason = f["status"], f.get("reason", "")
    if status == S.PENDING:
        tracking.incident_set_pending(
            actor=actor, incident_id=pk, reason=f["pending_reason"], note=reason
        )
    elif status == S.IN_PROGRESS:
        current = IncidentRequest.objects.filter(pk=pk).values_list("status", flat=True).first()
        if current == S.PENDING:
            tracking.incident_resume(actor=actor, incident_id=pk, note=reason)
        else:
            assignment.incident_take(actor=actor, incident_id=pk)
    elif status == S.RESOLVED:
        resolution.incident_resolve(
            actor=actor,
            incident_id=pk,
            resolution=f["resolution"],
            resolution_code=f["resolution_code"],
        )
    elif status == S.CLOSED:
        closure.incident_close(actor=actor, incident_id=pk)
    else:
        closure.incident_cancel(actor=actor, incident_id=pk, reason=reason)


def _step(action: str, actor: Person, f: Mapping[str, Any]) -> Callable[[int], Any]:
    """The per-record service call of ``action``."""
    if action == "assign":
        return lambda pk: assignment.incident_assign(
            actor=actor,
            incident_id=pk,
            support_group=f.get("support_group"),
            assignee=f.get("assignee"),
            reason=f.get("reason", ""),
        )
    if action == "take":
        return lambda pk: assignment.incident_take(actor=actor, incident_id=pk)
    if action == "status":
        return lambda pk: _status_step(actor, pk, f)
    if action == "priority":
        data = {k: f[k] for k in ("impact", "urgency") if k in f}
        return lambda pk: tracking.incident_update(actor=actor, incident_id=pk, data=data)
    into = f["into"]
    return lambda pk: links.incident_merge(
        actor=actor, duplicate_id=pk, into_id=getattr(into, "pk", into), note=f.get("reason", "")
    )


def incidents_bulk(
    *,
    actor: Person,
    items: Sequence[tuple[int, int | None]],
    action: str,
    fields: Mapping[str, Any] | None = None,
) -> BulkResult:
    """Apply ``action`` to each ``(incident id, version seen)`` of ``items`` through its
    per-record service, one transaction per request; the outcome of each is returned.
    Bad input (no items, an unknown action, missing fields) is refused as a whole with
    field messages before anything is written."""
    if action not in ACTIONS:
        raise ValidationError({"action": ["Choose one of: " + ", ".join(ACTIONS) + "."]})
    if not items:
        raise ValidationError({"items": ["Select at least one request."]})
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": [f"Select at most {MAX_ITEMS} requests at once."]})
    given = _checked_fields(action, fields or {})
    step = _step(action, actor, given)
    visible = dict(
        incidents_for(actor).filter(pk__in=[pk for pk, _ in items]).values_list("pk", "number")
    )
    result = BulkResult(action)
    for pk, version in dict.fromkeys(items):
        result.outcomes.append(_apply_one(actor, pk, version, visible.get(pk), step))
    return result


def _apply_one(
    actor: Person, pk: int, version: int | None, number: str | None, step: Callable[[int], Any]
) -> Outcome:
    if number is None:
        return Outcome(pk, f"#{pk}", "not_found", "No such request.")
    current = IncidentRequest.objects.filter(pk=pk).values_list("lock_version", flat=True)
    try:
        # The row is locked for the whole step; a version other than the one seen rolls
        # the step back (no version given: no comparison, as for a single change).
        with versioning.precondition(
            IncidentRequest, pk, current.first() if version is None else version
        ):
            before = current.first()
            step(pk)
    except StaleVersion as exc:
        versioning.refused(exc, actor=actor)
        return Outcome(pk, number, "stale", "changed by someone else since you read the list")
    except PermissionDenied as exc:
        return Outcome(pk, number, "denied", _message(exc))
    except (ValidationError, DomainError, Http404) as exc:
        return Outcome(pk, number, "refused", _message(exc))
    return Outcome(pk, number, "updated" if current.first() != before else "unchanged")
