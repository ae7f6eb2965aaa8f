"""Pages: change templates, task templates and change policies (seed 003 ch. 3 proc. 1's
reference data): a list, a new form and an edit form each (deactivate by clearing
"Offered" / "In force"; the API removes a task template). For whoever holds
``changes.template.change`` (the change manager); staff who see changes read the lists."""

from typing import Any

from django import forms
from django.urls import path, reverse, reverse_lazy

from steward.changes.filters.templates import (
    ChangePolicyFilterSet,
    ChangeTemplateFilterSet,
    TaskTemplateFilterSet,
)
from steward.changes.forms.templates import ChangePolicyForm, ChangeTemplateForm, TaskTemplateForm
from steward.changes.queries import templates as queries
from steward.changes.services import templates as svc
from steward.core.views.patterns import Column, RecordEditView, RecordListView, ServiceFormView

VIEW = "changes.change.view"
CHANGE = svc.CHANGE
TEMPLATES = reverse_lazy("changes:change-template-list")
TASKS = reverse_lazy("changes:task-template-list")
POLICIES = reverse_lazy("changes:change-policy-list")


def _edit_link(name: str) -> Any:
    return lambda record: reverse(f"changes:{name}-edit", args=[record.pk])


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


class _ReferenceList(RecordListView):
    permission = VIEW
    create_permission = CHANGE
    saved_views = False


class ChangeTemplateListView(_ReferenceList):
    title = "Change templates"
    query = queries.change_templates_for
    filterset_class = ChangeTemplateFilterSet
    default_sort = "name"
    create_url_name = "changes:change-template-create"
    create_label = "New change template"
    columns = (
        Column("name", "Name", sort="name", link=True, url=_edit_link("change-template")),
        Column("type", "Type", value=lambda t: t.get_change_type_display(), sort="change_type"),
        Column("category", "Category", value=lambda t: t.get_category_display()),
        Column("service", "Service", value=lambda t: t.service.name if t.service else "Any"),
        Column("risk", "Risk", value=lambda t: t.get_risk_level_display()),
        Column("active", "Offered", value=lambda t: _yes(t.is_active)),
    )

    def restrict_filters(self, filterset: Any) -> None:
        filterset.form.fields.pop("service", None)


class TaskTemplateListView(_ReferenceList):
    title = "Task templates"
    query = queries.task_templates_for
    filterset_class = TaskTemplateFilterSet
    default_sort = "template"
    create_url_name = "changes:task-template-create"
    create_label = "New task template"
    columns = (
        Column(
            "template",
            "Change template",
            value=lambda t: str(t.change_template or "Stand-alone"),
            sort=("change_template__name", "position"),
        ),
        Column("position", "Order", sort="position"),
        Column("name", "Name", sort="name", link=True, url=_edit_link("task-template")),
        Column("kind", "Kind", value=lambda t: t.get_kind_display(), sort="kind"),
        Column("group", "Group", value=lambda t: t.support_group.name if t.support_group else ""),
        Column("after", "After the previous", value=lambda t: _yes(t.after_previous)),
    )

    def restrict_filters(self, filterset: Any) -> None:
        for name in ("change_template", "support_group"):
            filterset.form.fields.pop(name, None)


class ChangePolicyListView(_ReferenceList):
    title = "Change policies"
    query = queries.change_policies_for
    filterset_class = ChangePolicyFilterSet
    default_sort = "name"
    create_url_name = "changes:change-policy-create"
    create_label = "New change policy"
    columns = (
        Column("name", "Name", sort="name", link=True, url=_edit_link("change-policy")),
        Column("statement", "Statement"),
        Column("active", "In force", value=lambda p: _yes(p.is_active)),
    )


class _Create(ServiceFormView):
    permission = CHANGE
    submit_label = "Add"

    def perform(self, form: forms.Form) -> str:
        type(self).create(actor=self.actor, **form.data_for_service())  # type: ignore[attr-defined]
        return str(self.cancel_url)


class _Edit(RecordEditView):
    permission = CHANGE
    success_message = "Saved."

    def get_cancel_url(self) -> str:
        return str(type(self).cancel_url)

    def perform(self, form: forms.Form) -> str:
        update = type(self).update  # type: ignore[attr-defined]
        self.update_record(form, update, self.record_arg, data=form.data_for_service())  # type: ignore[attr-defined]
        return str(type(self).cancel_url)


class ChangeTemplateCreateView(_Create):
    form_class = ChangeTemplateForm
    title = "New change template"
    success_message = "Change template added."
    cancel_url = TEMPLATES
    create = svc.change_template_create


class ChangeTemplateEditView(_Edit):
    form_class = ChangeTemplateForm
    query_one = queries.change_template_for
    cancel_url = TEMPLATES
    record_arg = "template_id"
    update = svc.change_template_update


class TaskTemplateCreateView(_Create):
    form_class = TaskTemplateForm
    title = "New task template"
    success_message = "Task template added."
    cancel_url = TASKS
    create = svc.task_template_create


class TaskTemplateEditView(_Edit):
    form_class = TaskTemplateForm
    query_one = queries.task_template_for
    cancel_url = TASKS
    record_arg = "task_template_id"
    update = svc.task_template_update


class ChangePolicyCreateView(_Create):
    form_class = ChangePolicyForm
    title = "New change policy"
    success_message = "Change policy added."
    cancel_url = POLICIES
    create = svc.change_policy_create


class ChangePolicyEditView(_Edit):
    form_class = ChangePolicyForm
    query_one = queries.change_policy_for
    cancel_url = POLICIES
    record_arg = "policy_id"
    update = svc.change_policy_update


def _paths(prefix: str, name: str, *views: Any) -> list[Any]:
    listing, create, edit = views
    return [
        path(f"{prefix}/", listing.as_view(), name=f"{name}-list"),
        path(f"{prefix}/new/", create.as_view(), name=f"{name}-create"),
        path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}-edit"),
    ]


urlpatterns = [
    *_paths("change-templates", "change-template", ChangeTemplateListView,
            ChangeTemplateCreateView, ChangeTemplateEditView),
    *_paths("task-templates", "task-template", TaskTemplateListView, TaskTemplateCreateView,
            TaskTemplateEditView),
    *_paths("change-policies", "change-policy", ChangePolicyListView, ChangePolicyCreateView,
            ChangePolicyEditView),
]  # fmt: skip
