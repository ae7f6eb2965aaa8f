"""Seed 003 ch. 3 proc. 1 (registration) and proc. 2, Change Planning: a change is
registered from a template and/or task templates (``change_register``), analysed for risk
and impact, planned, and put up for approval or, for a standard change, implementation."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from steward.changes.choices import ChangeCategory, ChangeStatus, ChangeType, TaskStatus
from steward.changes.models import Change, ChangeTask, ChangeTemplate, TaskTemplate
from steward.core import journal, notify, numbering, permissions
from steward.core.models import Person
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


__all__ = ["change_register", "tasks_from_templates"]
