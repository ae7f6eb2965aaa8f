"""Seed 003 ch. 3 proc. 1 (registration) and proc. 2, Change Planning: a change is
registered from a template and/or task templates (``change_register``), analysed for risk
and impact, planned, and put up for approval or, for a standard change, implementation."""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.changes import inputs, rules, workflows
from steward.changes.choices import (
    ENDED_CHANGE_STATUSES,
    OPEN_TASK_STATUSES,
    ApprovalDecision,
    ChangeCategory,
    ChangeOutcome,
    ChangeStatus,
    ChangeType,
    TaskStatus,
)
from steward.changes.models import Change, ChangeTask, ChangeTemplate, TaskTemplate
from steward.changes.services import impact as impact_of
from steward.configuration.models import ConfigurationItem
from steward.core import journal, notify, numbering, permissions, transitions
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.errors import DomainError
from steward.core.models import Person
from steward.incidents.models import IncidentRequest
from steward.service_level.models import Service

VIEW = "changes.change.view"
COORDINATE = "changes.change.coordinate"
MANAGE = "changes.change.manage"


def _template(template_id: int | None) -> ChangeTemplate | None:
    if template_id is None:
        return None
    template = ChangeTemplate.objects.filter(pk=template_id, is_active=True).first()
    if template is None:
        raise ValidationError({"template": ["No active change template with this id."]})
    return template


def tasks_from_templates(
    change: Change, templates: Iterable[TaskTemplate], *, start_position: int = 1
) -> list[ChangeTask]:
    """Add a task per task template to ``change``, each after the previous one of its
    template when the template says so (``after_previous``). The first tasks without a
    dependency are open once the change reaches implementation (the services opening
    tasks decide); here every task starts waiting."""
    made: list[ChangeTask] = []
    previous: ChangeTask | None = None
    for position, template in enumerate(templates, start=start_position):
        task = ChangeTask.objects.create(
            change=change,
            position=position,
            title=template.name,
            description=template.description,
            kind=template.kind,
            support_group=template.support_group,
            status=TaskStatus.WAITING,
        )
        if template.after_previous and previous is not None:
            task.depends_on.add(previous)
        previous = task
        made.append(task)
    return made


def change_register(
    *,
    actor: Person,
    title: str,
    service_id: int,
    change_type: str = ChangeType.NORMAL,
    category: str = ChangeCategory.INFRASTRUCTURE,
    description: str = "",
    template_id: int | None = None,
    task_template_ids: Iterable[int] = (),
    coordinator_id: int | None = None,
    requested_by: Person | None = None,
    ci_ids: Iterable[int] = (),
    incident_ids: Iterable[int] = (),
    status: str = ChangeStatus.REGISTERED,
) -> Change:
    """Proc. 1's last step: register a change, from the most appropriate change template
    and/or task (group) templates. A template gives the type, category, plan, backout plan,
    risk level and tasks; what the caller gives besides wins. The change coordinator
    defaults to the registering person."""
    with transaction.atomic():
        service = Service.objects.filter(pk=service_id).first()
        if service is None:
            raise ValidationError({"service": ["No service with this id."]})
        permissions.require(actor, COORDINATE, service)
        template = _template(template_id)
        if change_type not in ChangeType.values:
            raise ValidationError({"change_type": ["Select a valid choice."]})
        if category not in ChangeCategory.values:
            raise ValidationError({"category": ["Select a valid choice."]})
        coordinator = actor
        if coordinator_id is not None:
            coordinator = Person.objects.filter(pk=coordinator_id, is_active=True).first()
            if coordinator is None or not permissions.has(coordinator, COORDINATE, service):
                raise ValidationError(
                    {"coordinator": ["Not a change coordinator of this service."]}
                )
        change = Change(
            title=title,
            description=description,
            service=service,
            change_type=template.change_type
            if template and change_type == ChangeType.NORMAL
            else change_type,
            category=template.category if template else category,
            status=status,
            coordinator=coordinator,
            template=template,
            requested_by=requested_by or actor,
            plan=template.plan if template else "",
            backout_plan=template.backout_plan if template else "",
            risk_level=template.risk_level if template else "",
        )
        numbering.assign(change)
        change.full_clean()
        change.save()
        if ci_ids:
            change.cis.set(list(ci_ids))
        if incident_ids:
            change.incidents.set(list(incident_ids))
        task_templates = list(template.task_templates.all()) if template else []
        extra = list(TaskTemplate.objects.filter(pk__in=list(task_template_ids)))
        if len(extra) != len(set(task_template_ids)):
            raise ValidationError({"task_templates": ["No task template with one of these ids."]})
        tasks_from_templates(change, task_templates + extra)
        journal.created(change, actor=actor)
        notify.record_event(record=change, event="changes.change.created", actor=actor)
        if coordinator != actor:
            notify.send(
                recipients=[coordinator],
                event="change.registered",
                title=f"Change {change.number} is yours to coordinate",
                body=change.title,
                record=change,
            )
    return change


# --- Editing (proc. 2: the coordinator completes the change while analysing and planning) --

TEXT_FIELDS = ("title", "description", "plan", "backout_plan", "test_plan")
FIELDS = (*TEXT_FIELDS, "category", "planned_start", "planned_end", "coordinator")
LINKS = {"cis": (ConfigurationItem, "configuration item"), "incidents": (IncidentRequest, "incident request")}  # fmt: skip
UPDATE_FIELDS = (*FIELDS, *LINKS)
MAX_WINDOW = timedelta(days=90)


def require_open(change: Change) -> None:
    """Refuse (409) to change a change that has ended."""
    if change.status in ENDED_CHANGE_STATUSES:
        raise DomainError(
            f"{change.number} is {change.get_status_display().lower()}: it can no longer change."
        )


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _coordinator(value: Any, service: Service) -> Person | None:
    if value in (None, ""):
        return None
    person = Person.objects.filter(pk=_pk(value), is_active=True).first()
    if person is None or not permissions.has(person, COORDINATE, service):
        raise ValidationError({"coordinator": ["Not a change coordinator of this service."]})
    return person


def _fields(change: Change, data: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar fields of ``data`` as the record takes them, checked."""
    values = {name: data[name] for name in FIELDS if name in data}
    for name in TEXT_FIELDS:
        if name in values:
            values[name] = (values[name] or "").strip()
    if "category" in values and values["category"] not in ChangeCategory.values:
        raise ValidationError({"category": ["Select a valid choice."]})
    if "coordinator" in values:
        values["coordinator"] = _coordinator(values["coordinator"], change.service)
    start = values.get("planned_start", change.planned_start)
    end = values.get("planned_end", change.planned_end)
    if start is not None and end is not None and end <= start:
        raise ValidationError({"planned_end": ["The window must end after it starts."]})
    if start is not None and end is not None and end - start > MAX_WINDOW:
        raise ValidationError({"planned_end": ["An implementation window is at most 90 days."]})
    return values


def _set_links(change: Change, data: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set the CIs and incident requests given in ``data``; return what changed (numbers)."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name, (model, label) in LINKS.items():
        if name not in data:
            continue
        wanted = {_pk(v) for v in data[name] or []}
        found = list(model.objects.filter(pk__in=wanted))
        if len(found) != len(wanted):
            raise ValidationError({name: [f"No {label} with one of these ids."]})
        related = getattr(change, name)
        before = list(related.all())
        if {r.pk for r in before} != wanted:
            related.set(found)
            numbers = [sorted(r.number for r in rows) for rows in (before, found)]
            changes[name] = (", ".join(numbers[0]), ", ".join(numbers[1]))
    return changes


def change_update(
    *,
    actor: Person,
    change_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Change:
    """Proc. 2: the change coordinator of the service (or the change manager) completes
    the change while it is analysed and planned: title, description, category, the
    implementation window, the plans, the coordinator, its CIs and linked incident
    requests. Each change is journaled; a new window or new CIs recompute the stored
    impact analysis (when there is one). Refused once the change has ended."""
    reject_unknown(data, UPDATE_FIELDS)
    with transaction.atomic():
        change = lock_to_edit(actor, COORDINATE, Change, change_id, expected_version, related=["service"])  # fmt: skip
        inputs.CHANGE_UPDATE.check(actor, data, change)
        require_open(change)
        values = _fields(change, data)
        changes = journal.apply_changes(change, values, FIELDS)
        links = _set_links(change, data)
        if not changes and not links:
            return change
        if change.analysed_at and (
            {"planned_start", "planned_end"} & set(changes) or "cis" in links
        ):
            changes.update(refresh_analysis(change))
        change.full_clean()
        change.save()
        journal.field_changes(change, actor=actor, changes={**changes, **links})
        notify.record_event(
            record=change, event="changes.change.changed", actor=actor,
            data={"fields": sorted({*changes, *links})},
        )  # fmt: skip
        if "coordinator" in changes and change.coordinator not in (None, actor):
            notify.send(
                recipients=[change.coordinator],
                event="change.registered",
                title=f"Change {change.number} is yours to coordinate",
                body=change.title,
                record=change,
            )
    return change


def refresh_analysis(change: Change) -> dict[str, tuple[Any, Any]]:
    """Recompute what the analysis derives (proc. 2) on ``change`` (unsaved): the CMDB
    impact of its CIs (the touched services and customers are saved), whether a service
    becomes unavailable during its service hours (``rules.unavailable_in_service_hours``
    over the window) and, once the questionnaire is answered, the risk level. Returns the
    changes of the derived fields, for the journal."""
    found = impact_of.cmdb_impact(change)
    touched = Service.objects.filter(pk__in=[s["id"] for s in found["services"]])
    hours = impact_of.service_hours_overlap(
        change.planned_start, change.planned_end, touched.select_related("service_hours")
    )
    change.impact = {**found, "service_hours": hours, "computed_at": timezone.now().isoformat()}
    change.services.set(found["other_service_ids"])
    change.customers.set([c["id"] for c in found["customers"]])
    before = (change.unavailable_in_service_hours, change.risk_level)
    change.unavailable_in_service_hours = rules.unavailable_in_service_hours(
        causes_outage=change.causes_outage, overlaps_service_hours=hours["overlaps"]
    )
    if change.risk_answers:
        points = impact_of.risk_points(
            change.risk_answers, other_services=len(found["other_service_ids"])
        )
        change.impact["risk_points"] = points
        change.risk_level = impact_of.risk_level(
            points, unavailable_in_service_hours=bool(change.unavailable_in_service_hours)
        )
    after = (change.unavailable_in_service_hours, change.risk_level)
    names = ("unavailable_in_service_hours", "risk_level")
    return {n: (b, a) for n, b, a in zip(names, before, after, strict=True) if b != a}


# --- Cancelling ---------------------------------------------------------------------------


def _requesters(change: Change) -> list[Person]:
    people = [change.requested_by] if change.requested_by_id else []
    people += [r.requested_by for r in change.requests_for_change.select_related("requested_by")]
    return [p for p in people if p is not None]


def change_cancel(*, actor: Person, change_id: int, reason: str) -> Change:
    """Proc. 2-5: the change coordinator (or change manager) cancels a change that is still
    open, with a reason; its open tasks are cancelled, its pending approvals withdrawn and
    its requesters told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the change is cancelled."]})
    with transaction.atomic():
        change = transitions.lock(Change, change_id, related=["service"])
        change.outcome = ChangeOutcome.CANCELLED
        transitions.transition(
            change, ChangeStatus.CANCELLED, actor=actor,
            workflow=workflows.for_change(change.change_type), permission=COORDINATE,
            reason=reason, public=True, also=["outcome"], event="changes.change.cancelled",
            data={"reason": reason},
        )  # fmt: skip
        for task in change.tasks.filter(status__in=OPEN_TASK_STATUSES):
            transitions.transition(
                task, TaskStatus.CANCELLED, actor=actor, workflow=workflows.TASK,
                reason=f"{change.number} was cancelled.", event="changes.change_task.cancelled",
            )  # fmt: skip
        change.approvals.filter(decision=ApprovalDecision.PENDING).update(
            decision=ApprovalDecision.WITHDRAWN
        )
        notify.send(
            recipients=[p for p in _requesters(change) if p != actor],
            event="change.cancelled",
            title=f"Change {change.number} was cancelled",
            body=f"{change.title}\n\n{reason}",
            record=change,
        )
    return change


__all__ = [
    "change_cancel",
    "change_register",
    "change_update",
    "refresh_analysis",
    "require_open",
    "tasks_from_templates",
]
