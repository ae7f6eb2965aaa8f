"""Helpers shared by the incident procedures (seed 003 ch. 8): the row lock, the checked
status change, saving, notes, notifications and events, and the assignee rule."""

from collections.abc import Iterable, Mapping
from typing import Any

from steward.core import attachments, journal, notify, transitions
from steward.core.models import Person, SupportGroup
from steward.core.roles import group_coordinators
from steward.incidents import inputs, search, workflows
from steward.incidents.choices import IncidentStatus, PendingReason
from steward.incidents.models import IncidentRequest
from steward.incidents.queries.incidents import incidents_for
from steward.incidents.services.people import change_coordinators, desk_people, is_member
from steward.service_level.models import Service

N = IncidentStatus
VIEW = "incidents.incident.view"
REGISTER = "incidents.incident.register"
ASSIGN = "incidents.incident.assign"
ESCALATE = "incidents.incident.escalate"
CLOSE = "incidents.incident.close"
# Pending for these reasons stops the clocks (the provider is waiting on someone else).
PAUSING_REASONS = frozenset({PendingReason.AWAITING_REQUESTER, PendingReason.AWAITING_SUPPLIER})
CUSTOMER_CHANNELS = inputs.CUSTOMER_CHANNELS
ACTION_FIELDS = ("title", "description", "support_group", "assignee", "due_at", "status")


def _locked(incident_id: Any) -> IncidentRequest:
    return transitions.lock(IncidentRequest, incident_id)


def _transition(
    incident: IncidentRequest,
    new: str,
    actor: Person | None,
    reason: str = "",
    *,
    public: bool = False,
    also: Iterable[str] = (),
    event: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> str:
    """Move the request's status (``workflows.INCIDENT``) through ``core.transitions``:
    checked, saved with the ``also`` fields set beforehand, journalled, ``event``
    published; returns the old status. The reason is staff text, internal unless
    ``public`` (the procedure addresses it to the requester)."""
    old = transitions.transition(
        incident, new, actor=actor, workflow=workflows.INCIDENT, reason=reason, public=public,
        also=also, event=event, data=data,
    )  # fmt: skip
    if reason and reason.strip() and not public:
        search.refresh_documents(incident)  # the reason is a work note
    return old


def _escalation(
    incident: IncidentRequest,
    new: str,
    actor: Person,
    *,
    also: Iterable[str] = (),
    event: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> str:
    """Move the request's escalation (``workflows.ESCALATION``, the second state machine)
    through ``core.transitions``; the change is staff-only in the journal."""
    return transitions.transition(
        incident, new, actor=actor, workflow=workflows.ESCALATION, change_public=False,
        also=also, event=event, data=data,
    )  # fmt: skip


def _save(incident: IncidentRequest, *fields: str) -> None:
    incident.save(update_fields=[*dict.fromkeys(fields), "updated_at"])


def _work_note(actor: Person, incident: IncidentRequest, text: str) -> None:
    if text and text.strip():
        journal.note_add(actor=actor, record=incident, body=text, public=False, permission=VIEW)
        search.refresh_documents(incident)


def _tell(
    recipients: Iterable[Person | None],
    incident: IncidentRequest,
    event: str,
    title: str,
    body: str = "",
    actor: Person | None = None,
) -> None:
    """In-app and email notification (emails after commit), skipping the actor."""
    notify.send_many([_message(recipients, incident, event, title, body, actor)])


def _message(
    recipients: Iterable[Person | None],
    incident: IncidentRequest,
    event: str,
    title: str,
    body: str = "",
    actor: Person | None = None,
) -> notify.Message:
    """What ``_tell`` sends, for ``notify.send_many`` (several at once)."""
    people = [p for p in recipients if p is not None and (actor is None or p.pk != actor.pk)]
    return notify.Message(
        recipients=people, event=event, title=f"{incident.number}: {title}"[:200], body=body,
        record=incident,
    )  # fmt: skip


def _event(incident: IncidentRequest, event: str, actor: Person | None, **data: Any) -> None:
    notify.record_event(record=incident, event=event, actor=actor, data=data or None)


def _group_or_coordinators(incident: IncidentRequest) -> list[Person]:
    """Who should look at it now: the assignee, else the group coordinators, else the desk."""
    if incident.assignee is not None:
        return [incident.assignee]
    return group_coordinators(incident.support_group) or desk_people()


def _check_assignee(
    errors: dict, assignee: Person | None, group: SupportGroup | None, service: Service | None
) -> None:
    """An assignee is an active member of the group, or a change coordinator of the service."""
    if assignee is None:
        return
    if not assignee.is_active:
        errors["assignee"] = ["This person is not active."]
    elif group is None:
        errors["support_group"] = ["Choose the group the person works in."]
    elif not is_member(assignee, group) and assignee not in change_coordinators(service):
        errors["assignee"] = [f"{assignee} is not a member of {group}."]


attachments.register(IncidentRequest, view=VIEW, change=VIEW, query=incidents_for)
