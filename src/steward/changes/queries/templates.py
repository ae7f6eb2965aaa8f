"""Reads of change templates, task templates and change policies (seed 003 ch. 3 proc. 1):
reference data every member of staff who sees changes may read."""

from typing import Any

from django.db.models import QuerySet

from steward.changes.models import ChangePolicy, ChangeTemplate, TaskTemplate
from steward.core import permissions, queries
from steward.core.models import Person

VIEW = "changes.change.view"


def _staff(actor: Person) -> bool:
    return permissions.has(actor, VIEW) and not permissions.is_customer_side(actor)


def change_templates_for(actor: Person) -> QuerySet[ChangeTemplate]:
    qs = ChangeTemplate.objects.select_related("service")
    return qs if _staff(actor) else qs.none()


def change_template_for(actor: Person, pk: Any) -> ChangeTemplate:
    return queries.one(change_templates_for(actor), pk, "change template")


def task_templates_for(actor: Person) -> QuerySet[TaskTemplate]:
    qs = TaskTemplate.objects.select_related("change_template", "support_group")
    return qs if _staff(actor) else qs.none()


def task_template_for(actor: Person, pk: Any) -> TaskTemplate:
    return queries.one(task_templates_for(actor), pk, "task template")


def change_policies_for(actor: Person) -> QuerySet[ChangePolicy]:
    qs = ChangePolicy.objects.all()
    return qs if _staff(actor) else qs.none()


def change_policy_for(actor: Person, pk: Any) -> ChangePolicy:
    return queries.one(change_policies_for(actor), pk, "change policy")
