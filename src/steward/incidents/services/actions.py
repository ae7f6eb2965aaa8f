"""Actions of an incident request (seed 003 ch. 8, procedures 3 and 4): tasks assigned to
a group or person and tracked to closure; a request cannot be resolved while one is open."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from steward.core import journal, permissions, transitions, versioning
from steward.core.errors import InvalidTransition
from steward.core.models import Person, SupportGroup
from steward.core.roles import group_coordinators
from steward.incidents import workflows
from steward.incidents.choices import OPEN_STATUSES, ActionStatus
from steward.incidents.models import IncidentAction, IncidentRequest
from steward.incidents.services.common import ACTION_FIELDS, _locked, _tell
from steward.incidents.services.people import WORK, is_member, may_work, require_work
from steward.incidents.services.validation import (
    as_instance,
    checked_choice,
    checked_text,
    raise_errors,
)


def _locked_action(action_id: Any) -> IncidentAction:
    try:
        return IncidentAction.objects.select_for_update().get(pk=action_id)
    except (IncidentAction.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No action {action_id}.") from None


def _require_action(actor: Person, action: IncidentAction) -> IncidentRequest:
    incident = action.incident
    if may_work(actor, incident):
        return incident
    permissions.require(actor, WORK)
    if action.assignee_id == actor.pk or is_member(actor, action.support_group):
        return incident
    raise PermissionDenied("Only the request's group and the action's assignee may do this.")


def _check_action_people(errors: dict, group: SupportGroup | None, person: Person | None) -> None:
    if group is not None and not group.is_active:
        errors["support_group"] = ["This group is not active."]
    if person is not None:
        if not person.is_active:
            errors["assignee"] = ["This person is not active."]
        elif group is not None and not is_member(person, group):
            errors["assignee"] = [f"{person} is not a member of {group}."]


def action_add(
    *,
    actor: Person,
    incident_id: int,
    title: str,
    description: str = "",
    support_group: SupportGroup | int | None = None,
    assignee: Person | int | None = None,
    due_at: datetime | None = None,
) -> IncidentAction:
    """A task on the request for a group or person; the request cannot be resolved while
    any action is open."""
    errors: dict[str, list[str]] = {}
    title = checked_text(errors, "title", title, max_length=200)
    group = as_instance(SupportGroup, support_group, "support_group")
    person = as_instance(Person, assignee, "assignee")
    _check_action_people(errors, group, person)
    raise_errors(errors)
    with transaction.atomic():
        incident = _locked(incident_id)
        require_work(actor, incident)
        if incident.status not in OPEN_STATUSES:
            raise InvalidTransition(workflows.INCIDENT.name, incident.status, "action added")
        position = (incident.actions.aggregate(m=Max("position"))["m"] or 0) + 1
        action = IncidentAction.objects.create(
            incident=incident,
            position=position,
            title=title,
            description=(description or "").strip(),
            support_group=group,
            assignee=person,
            due_at=due_at,
        )
        journal.created(action, actor=actor)
        journal.system(incident, text=f"{actor} added action {position}: {title}")
        recipients = [person] if person else group_coordinators(group)
        _tell(recipients, incident, "incident.action", f"Action for you: {title}", "", actor)
    return action


def action_update(
    *, actor: Person, action_id: int, data: Mapping[str, Any], expected_version: int | None = None
) -> IncidentAction:
    """Change an action's text, group, assignee, due date or status (checked transitions)."""
    unknown = sorted(set(data) - set(ACTION_FIELDS))
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    errors: dict[str, list[str]] = {}
    values = dict(data)
    if "title" in values:
        values["title"] = checked_text(errors, "title", values["title"], max_length=200)
    if "description" in values:
        values["description"] = (values["description"] or "").strip()
    if "support_group" in values:
        values["support_group"] = as_instance(
            SupportGroup, values["support_group"], "support_group"
        )
    if "assignee" in values:
        values["assignee"] = as_instance(Person, values["assignee"], "assignee")
    if "status" in values:
        values["status"] = checked_choice(errors, "status", values["status"], ActionStatus.values)
    raise_errors(errors)
    with transaction.atomic():
        action = _locked_action(action_id)
        _require_action(actor, action)
        versioning.check(action, expected_version)
        group = values.get("support_group", action.support_group)
        person = values.get("assignee", action.assignee)
        _check_action_people(errors, group, person)
        raise_errors(errors)
        if "status" in values and values["status"] != action.status:
            workflows.ACTION.check(action.status, values["status"])
            action.completed_at = timezone.now() if values["status"] == ActionStatus.DONE else None
        changes = journal.apply_changes(action, values, ACTION_FIELDS)
        if changes:
            action.save()
            journal.field_changes(action, actor=actor, changes=changes)
    return action


def action_complete(*, actor: Person, action_id: int, result: str = "") -> IncidentAction:
    """The action is done (with what came of it)."""
    with transaction.atomic():
        action = _locked_action(action_id)
        incident = _require_action(actor, action)
        action.completed_at, action.result = timezone.now(), (result or "").strip()
        transitions.transition(
            action, ActionStatus.DONE, actor=actor, workflow=workflows.ACTION,
            reason=action.result, also=["completed_at", "result"],
        )  # fmt: skip
        journal.system(incident, text=f"{actor} completed action {action.position}.")
        if incident.assignee_id and incident.assignee_id != actor.pk:
            _tell(
                [incident.assignee],
                incident,
                "incident.action_done",
                f"Action done: {action.title}",
                action.result,
                actor,
            )
    return action
