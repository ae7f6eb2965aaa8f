"""Seed 003 ch. 3 proc. 2, Change Planning: the change coordinator starts the risk and
impact analysis of a registered change, records it (a short questionnaire and the CMDB
impact analysis of the change's CIs, with the service hours they touch), asks the
availability manager for help when a service infrastructure is built or modified,
finalises the planning and hands the change to the change manager for approval (or, a
standard change, straight to implementation).

Every step is the change coordinator's of the change's service, or the change manager's
(``changes.change.coordinate`` on the change)."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.changes import rules, workflows
from steward.changes.choices import ChangeStatus, ChangeType
from steward.changes.models import Change
from steward.changes.services import impact as impact_of
from steward.changes.services.changes import COORDINATE, refresh_analysis
from steward.changes.services.tasks import change_start_implementation
from steward.core import journal, notify, permissions, roles, transitions
from steward.core.choices import Role
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import Person

C = ChangeStatus
ANALYSIS_STATES = (C.RISK_ANALYSIS, C.PLANNING)
YES_NO_ANSWERS = tuple(key for key, _ in impact_of.QUESTIONS)
# The answers stored on the change's own fields besides ``risk_answers``.
CONDITIONS = ("causes_outage", "functionality_changes", "cmdb_update", "infrastructure_changes")


def _lock(change_id: int) -> Change:
    return transitions.lock(Change, change_id, related=["service", "service__service_hours"])


def _move(change: Change, to: str, actor: Person, **kwargs: Any) -> None:
    transitions.transition(
        change,
        to,
        actor=actor,
        workflow=workflows.for_change(change.change_type),
        permission=COORDINATE,
        event=f"changes.change.{to}",
        **kwargs,
    )


def change_start_analysis(*, actor: Person, change_id: int) -> Change:
    """Proc. 2: after registering a new change, the change coordinator starts the risk and
    impact analysis phase."""
    with transaction.atomic():
        change = _lock(change_id)
        permissions.require(actor, COORDINATE, change)
        if change.status != C.REGISTERED or change.change_type == ChangeType.EMERGENCY:
            raise InvalidTransition("change", str(change.status), str(C.RISK_ANALYSIS))
        _move(change, C.RISK_ANALYSIS, actor)
    return change


def _answers(data: Mapping[str, Any]) -> dict[str, Any]:
    """The questionnaire's answers, each required: yes/no ones as booleans, the users
    affected as one of ``impact.USERS_AFFECTED``."""
    errors: dict[str, list[str]] = {}
    answers: dict[str, Any] = {}
    for key in YES_NO_ANSWERS:
        value = data.get(key)
        if not isinstance(value, bool):
            errors[key] = ["Answer yes or no."]
        answers[key] = value
    users = data.get("users_affected")
    if users not in dict(impact_of.USERS_AFFECTED):
        errors["users_affected"] = ["Choose how many users will notice it."]
    answers["users_affected"] = users
    if errors:
        raise ValidationError(errors)
    return answers


def change_analyse(
    *,
    actor: Person,
    change_id: int,
    causes_outage: bool | None = None,
    functionality_changes: bool | None = None,
    cmdb_update: bool | None = None,
    infrastructure_changes: bool | None = None,
    tested: bool | None = None,
    backout_tested: bool | None = None,
    users_affected: str = "",
) -> Change:
    """Proc. 2: the change coordinator records the risk and impact analysis: the
    questionnaire's answers (``risk_answers`` and the seed's conditions), the CMDB impact
    of the change's CIs (services, SLAs and customers touched: ``impact``, ``services``,
    ``customers``), whether a service becomes unavailable during its service hours
    (``rules.unavailable_in_service_hours`` over the window and the services' calendars)
    and the risk level that follows (``impact.risk_points``). May be recorded again while
    planning (a new answer, a new window)."""
    answers = _answers(
        {
            "causes_outage": causes_outage,
            "functionality_changes": functionality_changes,
            "cmdb_update": cmdb_update,
            "infrastructure_changes": infrastructure_changes,
            "tested": tested,
            "backout_tested": backout_tested,
            "users_affected": users_affected,
        }
    )
    with transaction.atomic():
        change = _lock(change_id)
        permissions.require(actor, COORDINATE, change)
        if change.status not in ANALYSIS_STATES:
            raise DomainError(
                f"The risk and impact analysis is recorded during analysis or planning; "
                f"{change.number} is {change.get_status_display().lower()}."
            )
        before = {name: getattr(change, name) for name in CONDITIONS}
        for name in CONDITIONS:
            setattr(change, name, answers[name])
        change.risk_answers = answers
        changes = refresh_analysis(change)
        points = change.impact["risk_points"]
        change.analysed_at = timezone.now()
        change.save()
        for name, old in before.items():
            if getattr(change, name) != old:
                changes[name] = (old, getattr(change, name))
        journal.field_changes(change, actor=actor, changes=changes)
        notify.record_event(
            record=change,
            event="changes.change.analysed",
            actor=actor,
            data={"risk_level": change.risk_level, "points": points},
        )
    return change


def change_request_availability_help(*, actor: Person, change_id: int, note: str = "") -> Change:
    """Proc. 2: when a new service infrastructure is to be built, or an existing one is
    likely to need a modification, the change coordinator asks the availability manager
    for the (new or modified) service infrastructure design. The availability managers of
    the service (or, without one, those of every service) are told."""
    with transaction.atomic():
        change = _lock(change_id)
        permissions.require(actor, COORDINATE, change)
        if change.status not in ANALYSIS_STATES:
            raise DomainError("Help is asked while the change is analysed or planned.")
        if not rules.needs_availability_manager(
            infrastructure_changes=change.infrastructure_changes
        ):
            raise DomainError(
                "The analysis does not say a service infrastructure is built or modified: "
                "the availability manager's help is not needed."
            )
        managers = roles.holders(Role.AVAILABILITY_MANAGER, change.service) or roles.holders(
            Role.AVAILABILITY_MANAGER
        )
        if not managers:
            raise DomainError("Nobody is availability manager of this service.")
        old = change.availability_help_requested_at
        change.availability_help_requested_at = timezone.now()
        change.save(update_fields=["availability_help_requested_at", "updated_at"])
        names = ", ".join(p.display_name for p in managers)
        journal.field_changes(
            change,
            actor=actor,
            changes={
                "availability_help_requested_at": (old, change.availability_help_requested_at)
            },
        )
        journal.system(change, text=f"Asked {names} for the service infrastructure design.")
        body = (
            f"{change.title} ({change.service.name}) builds or modifies a service infrastructure."
        )
        notify.send(
            recipients=managers,
            event="change.availability_help",
            title=f"Change {change.number} asks for your infrastructure design",
            body=f"{body}\n\n{note.strip()}" if note.strip() else body,
            record=change,
        )
    return change


def change_finish_analysis(*, actor: Person, change_id: int) -> Change:
    """Proc. 2: having gathered all the risk and impact information, the change
    coordinator goes on to finalise the planning. Needs the analysis recorded."""
    with transaction.atomic():
        change = _lock(change_id)
        permissions.require(actor, COORDINATE, change)
        if change.status == C.RISK_ANALYSIS and change.analysed_at is None:
            raise DomainError("Record the risk and impact analysis first.")
        _move(change, C.PLANNING, actor)
    return change


def missing_for_submission(change: Change) -> dict[str, list[str]]:
    """What the planning still lacks before approval or implementation (field: message)."""
    missing: dict[str, list[str]] = {}
    if change.planned_start is None:
        missing["planned_start"] = ["Plan when the implementation starts."]
    if change.planned_end is None:
        missing["planned_end"] = ["Plan when the implementation ends."]
    if not change.plan.strip():
        missing["plan"] = ["Write the implementation plan."]
    if not change.backout_plan.strip():
        missing["backout_plan"] = ["Write the backout plan."]
    return missing


def change_submit_plan(*, actor: Person, change_id: int) -> Change:
    """Proc. 2's end: with the planning final, a standard change (approval skipped) goes
    to implementation, any other to the change manager, who is asked to collect the
    approvals (``rules.after_planning``). Needs a window, a plan and a backout plan (400
    listing what is missing); the service-hours condition is computed again on the final
    window."""
    with transaction.atomic():
        change = _lock(change_id)
        permissions.require(actor, COORDINATE, change)
        if change.status != C.PLANNING:
            raise InvalidTransition("change", str(change.status), "submitted")
        missing = missing_for_submission(change)
        if missing:
            raise ValidationError(missing)
        changes = refresh_analysis(change)
        change.save()
        journal.field_changes(change, actor=actor, changes=changes)
        to = rules.after_planning(change_type=change.change_type)
        _move(change, to, actor)
        if to == C.APPROVAL:
            managers = roles.holders(Role.CHANGE_MANAGER, change.service) + roles.holders(
                Role.CHANGE_MANAGER
            )
            notify.send(
                recipients=[p for p in managers if p != actor],
                event="change.ready_for_approval",
                title=f"Change {change.number} is ready for approval",
                body=f"{change.title} ({change.service.name}): review it and collect the approvals.",
                record=change,
            )
        else:  # a standard change: its first tasks open now (proc. 4, 5)
            change_start_implementation(change, actor=actor)
    return change


__all__ = [
    "change_analyse",
    "change_finish_analysis",
    "change_request_availability_help",
    "change_start_analysis",
    "change_submit_plan",
    "missing_for_submission",
]
