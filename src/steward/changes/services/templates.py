"""Reference data of seed 003 ch. 3 proc. 1: the change templates a change is registered
from (a standard change's pre-approved plan and tasks), the task (group) templates that
give a change its tasks, and the internal standards or policies a request for change can
conflict with. The change manager maintains them (``changes.template.change``); edits are
versioned (``expected_version``), and a template or policy in use is deactivated, never
removed (changes and rejected requests keep naming it)."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max

from steward.changes.choices import ChangeCategory, ChangeType, RiskLevel, TaskKind
from steward.changes.models import ChangePolicy, ChangeTemplate, TaskTemplate
from steward.core import journal, permissions
from steward.core.edits import lock_to_edit, reject_unknown, save_changes
from steward.core.models import Person, SupportGroup
from steward.service_level.models import Service

CHANGE = "changes.template.change"

TEMPLATE_FIELDS = [
    "name", "description", "change_type", "category", "service", "plan", "backout_plan",
    "risk_level", "duration_minutes", "is_active",
]  # fmt: skip
TASK_FIELDS = [
    "change_template", "name", "kind", "support_group", "position", "description",
    "after_previous",
]  # fmt: skip
POLICY_FIELDS = ["name", "statement", "is_active"]
# Fields naming another record: given by id (or as the record), checked here.
REFERENCES: dict[str, tuple[type[models.Model], dict[str, Any]]] = {
    "service": (Service, {}),
    "support_group": (SupportGroup, {"is_active": True}),
    "change_template": (ChangeTemplate, {}),
}


def _values(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with the references as records (None stays None); 400 naming a reference
    that names nothing, and text trimmed."""
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in REFERENCES and value is not None and not isinstance(value, models.Model):
            model, conditions = REFERENCES[name]
            value = model.objects.filter(pk=value, **conditions).first()
            if value is None:
                raise ValidationError({name: [f"No {model._meta.verbose_name} with this id."]})
        elif isinstance(value, str):
            value = value.strip()
        values[name] = value
    return values


def _create(actor: Person, record: models.Model, summary: str = "") -> Any:
    record.full_clean()
    record.save()
    journal.created(record, actor=actor, summary=summary)
    return record


def _update(
    actor: Person,
    model: type[models.Model],
    pk: int,
    data: Mapping[str, Any],
    fields: list[str],
    expected_version: int | None,
) -> Any:
    permissions.require(actor, CHANGE)
    reject_unknown(data, fields)
    values = _values(data)
    with transaction.atomic():
        record = lock_to_edit(actor, CHANGE, model, pk, expected_version)
        save_changes(record, values, fields, actor=actor)
    return record


# --- Change templates -------------------------------------------------------------------


def change_template_create(
    *,
    actor: Person,
    name: str,
    description: str = "",
    change_type: str = ChangeType.NORMAL,
    category: str = ChangeCategory.INFRASTRUCTURE,
    service: Service | int | None = None,
    plan: str = "",
    backout_plan: str = "",
    risk_level: str = RiskLevel.LOW,
    duration_minutes: int = 60,
    is_active: bool = True,
) -> ChangeTemplate:
    """Proc. 1: a change template. A standard one is pre-approved: a change registered
    from it skips the approval phase (proc. 2) and starts with its tasks."""
    permissions.require(actor, CHANGE)
    if change_type == ChangeType.EMERGENCY:
        raise ValidationError({"change_type": ["An emergency change has no template."]})
    values = _values({"service": service})
    with transaction.atomic():
        template = ChangeTemplate(
            name=(name or "").strip(), description=(description or "").strip(),
            change_type=change_type, category=category, service=values["service"],
            plan=(plan or "").strip(), backout_plan=(backout_plan or "").strip(),
            risk_level=risk_level, duration_minutes=duration_minutes, is_active=is_active,
        )  # fmt: skip
        return _create(actor, template, template.get_change_type_display())


def change_template_update(
    *,
    actor: Person,
    template_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> ChangeTemplate:
    """Change a change template's fields; changes registered from it keep what they got."""
    if data.get("change_type") == ChangeType.EMERGENCY:
        raise ValidationError({"change_type": ["An emergency change has no template."]})
    return _update(actor, ChangeTemplate, template_id, data, TEMPLATE_FIELDS, expected_version)


def change_template_set_active(
    *, actor: Person, template_id: int, active: bool, expected_version: int | None = None
) -> ChangeTemplate:
    """Deactivate a change template (no longer offered) or offer it again."""
    return change_template_update(
        actor=actor, template_id=template_id, data={"is_active": active},
        expected_version=expected_version,
    )  # fmt: skip


# --- Task templates ---------------------------------------------------------------------


def task_template_create(
    *,
    actor: Person,
    name: str,
    kind: str = TaskKind.IMPLEMENTATION,
    change_template: ChangeTemplate | int | None = None,
    support_group: SupportGroup | int | None = None,
    position: int | None = None,
    description: str = "",
    after_previous: bool = True,
) -> TaskTemplate:
    """Proc. 1: a task (group) template, part of a change template (in ``position``
    order, by default after its last task) or standing alone to add to any change."""
    permissions.require(actor, CHANGE)
    values = _values({"change_template": change_template, "support_group": support_group})
    with transaction.atomic():
        if position is None:
            last = TaskTemplate.objects.filter(change_template=values["change_template"]).aggregate(
                last=Max("position")
            )["last"]
            position = (last or 0) + 1
        task = TaskTemplate(
            name=(name or "").strip(), kind=kind, position=position,
            description=(description or "").strip(), after_previous=after_previous,
            **values,
        )  # fmt: skip
        return _create(actor, task, str(task.change_template or "stand-alone"))


def task_template_update(
    *,
    actor: Person,
    task_template_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> TaskTemplate:
    """Change a task template (its order, group, kind...); tasks made from it stay."""
    return _update(actor, TaskTemplate, task_template_id, data, TASK_FIELDS, expected_version)


def task_template_delete(*, actor: Person, task_template_id: int) -> None:
    """Remove a task template: tasks made from it are copies and stay with their changes."""
    with transaction.atomic():
        task = lock_to_edit(actor, CHANGE, TaskTemplate, task_template_id)
        owner = task.change_template
        if owner is not None:
            journal.system(owner, text=f"{actor} removed the task template “{task.name}”.")
        task.delete()


# --- Change policies --------------------------------------------------------------------


def change_policy_create(
    *, actor: Person, name: str, statement: str, is_active: bool = True
) -> ChangePolicy:
    """Proc. 1 and 3: an internal standard or policy; a request for change or a change
    that conflicts with it is rejected, naming it (its statement told to the requester)."""
    permissions.require(actor, CHANGE)
    if not (statement or "").strip():
        raise ValidationError({"statement": ["Say what the policy requires."]})
    with transaction.atomic():
        policy = ChangePolicy(
            name=(name or "").strip(), statement=statement.strip(), is_active=is_active
        )
        return _create(actor, policy)


def change_policy_update(
    *,
    actor: Person,
    policy_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> ChangePolicy:
    """Change a policy; requests rejected for it keep naming it."""
    if "statement" in data and not str(data["statement"] or "").strip():
        raise ValidationError({"statement": ["Say what the policy requires."]})
    return _update(actor, ChangePolicy, policy_id, data, POLICY_FIELDS, expected_version)


def change_policy_set_active(
    *, actor: Person, policy_id: int, active: bool, expected_version: int | None = None
) -> ChangePolicy:
    """Deactivate a policy (no longer offered when rejecting) or bring it back."""
    return change_policy_update(
        actor=actor, policy_id=policy_id, data={"is_active": active},
        expected_version=expected_version,
    )  # fmt: skip


__all__ = [
    "change_policy_create",
    "change_policy_set_active",
    "change_policy_update",
    "change_template_create",
    "change_template_set_active",
    "change_template_update",
    "task_template_create",
    "task_template_delete",
    "task_template_update",
]
