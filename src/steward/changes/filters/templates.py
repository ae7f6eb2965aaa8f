"""Filter sets of change templates, task templates and change policies: their list pages
and /api/v1/change-templates/, /task-templates/, /change-policies/."""

import django_filters

from steward.changes.choices import ChangeCategory, ChangeType, TaskKind
from steward.changes.models import ChangePolicy, ChangeTemplate, TaskTemplate
from steward.core.filters import IdFilter, SearchFilterSet


class ChangeTemplateFilterSet(SearchFilterSet):
    search_fields = ("name", "description")
    change_type = django_filters.ChoiceFilter(choices=ChangeType.choices, label="Type")
    category = django_filters.ChoiceFilter(choices=ChangeCategory.choices)
    service = IdFilter(field_name="service_id", label="Service (id)")
    is_active = django_filters.BooleanFilter(label="Offered")

    class Meta:
        model = ChangeTemplate
        fields = ["change_type", "category", "is_active"]


class TaskTemplateFilterSet(SearchFilterSet):
    search_fields = ("name", "description", "change_template__name")
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices)
    change_template = IdFilter(field_name="change_template_id", label="Change template (id)")
    stand_alone = django_filters.BooleanFilter(
        field_name="change_template", lookup_expr="isnull", label="Stand-alone"
    )
    support_group = IdFilter(field_name="support_group_id", label="Group (id)")

    class Meta:
        model = TaskTemplate
        fields = ["kind"]


class ChangePolicyFilterSet(SearchFilterSet):
    search_fields = ("name", "statement")
    is_active = django_filters.BooleanFilter(label="In force")

    class Meta:
        model = ChangePolicy
        fields = ["is_active"]
