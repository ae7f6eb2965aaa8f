"""Forms of the Incident Management administration pages: routing rules, categories and the priority matrix."""

from typing import Any

from django import forms

from steward.configuration.models import CIClass
from steward.configuration.queries.cis import ci_classes_for
from steward.core import queries as core_queries
from steward.core.choices import Priority
from steward.core.fields import GuardedForm
from steward.core.models import (
    Organisation,
    SupportGroup,
)
from steward.incidents import inputs
from steward.incidents.choices import (
    Impact,
    ServiceType,
    Urgency,
)
from steward.incidents.models import Category
from steward.service_level.models import Service
from steward.service_level.queries import services_for

# --- Routing rules, categories and the priority matrix (administration, procs. 1-2) ---------


class RoutingRuleForm(GuardedForm):
    """A routing rule: every condition set must match; empty conditions match anything."""

    inputs = inputs.ROUTING_RULE

    name = forms.CharField(max_length=150)
    order = forms.IntegerField(
        min_value=0, max_value=2_147_483_647, initial=100,
        help_text="Rules are tried from the lowest number up; the first that matches wins.",
    )  # fmt: skip
    support_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.none(), label="Assign to group"
    )
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False)
    ci_class = forms.ModelChoiceField(
        queryset=CIClass.objects.none(), required=False, label="CI class",
        help_text="A request with a CI of this class or a subclass.",
    )  # fmt: skip
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(), required=False,
        help_text="This category or one of its subcategories.",
    )  # fmt: skip
    customer = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    service_type = forms.ChoiceField(
        choices=[("", "Any"), *ServiceType.choices], required=False, label="Service type"
    )
    keywords = forms.CharField(
        max_length=300, required=False,
        help_text="Comma-separated; any one found in the title or description matches.",
    )  # fmt: skip
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs["initial"] = {
                **{name: getattr(instance, name) for name in ("name", "order", "service_type",
                                                              "keywords", "is_active")},
                **{name: getattr(instance, f"{name}_id") for name in (
                    "support_group", "service", "ci_class", "category", "customer")},
            }  # fmt: skip
        super().__init__(*args, **kwargs)
        actor = self.actor
        self.fields["support_group"].queryset = core_queries.groups_for(actor).filter(
            is_active=True
        )
        self.fields["service"].queryset = services_for(actor).order_by("name")
        self.fields["ci_class"].queryset = ci_classes_for(actor).order_by("name")
        self.fields["category"].queryset = Category.objects.select_related("parent").filter(
            is_active=True
        )
        self.fields["customer"].queryset = core_queries.organisations_for(actor).filter(
            kind="customer"
        )

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in RULE_FORM_FIELDS}


RULE_FORM_FIELDS = ("name", "order", "support_group", "service", "ci_class", "category",
                    "customer", "service_type", "keywords", "is_active")  # fmt: skip


class CategoryForm(GuardedForm):
    """A category; a subcategory names its top-level parent (two levels)."""

    inputs = inputs.CATEGORY

    name = forms.CharField(max_length=100)
    parent = forms.ModelChoiceField(
        queryset=Category.objects.none(), required=False, label="Under",
        help_text="Leave empty for a top-level category.",
    )  # fmt: skip
    is_active = forms.BooleanField(
        required=False, initial=True, label="Active",
        help_text="Disabled categories are no longer offered; requests keep theirs.",
    )  # fmt: skip

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs["initial"] = {
                "name": instance.name, "parent": instance.parent_id, "is_active": instance.is_active
            }  # fmt: skip
        super().__init__(*args, **kwargs)
        tops = Category.objects.filter(parent__isnull=True)
        if instance is not None:
            tops = tops.exclude(pk=instance.pk)
        self.fields["parent"].queryset = tops.order_by("name")


class PriorityMatrixForm(GuardedForm):
    """The impact x urgency grid, one priority per cell (``cell_<impact>_<urgency>``, the
    sixteen fields added below the class); ``matrix`` gives their current values."""

    inputs = inputs.PRIORITY_MATRIX

    def __init__(self, *args: Any, matrix: dict[tuple[str, str], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for (impact, urgency), priority in matrix.items():
            self.fields[f"cell_{impact}_{urgency}"].initial = priority

    def rows(self) -> list[dict[str, Any]]:
        """The grid: one row per impact, one cell per urgency."""
        return [
            {"impact": label, "cells": [self[f"cell_{impact}_{u}"] for u in Urgency.values]}
            for impact, label in Impact.choices
        ]

    def cells(self) -> dict[tuple[str, str], str]:
        return {
            (impact, urgency): self.cleaned_data[f"cell_{impact}_{urgency}"]
            for impact in Impact.values
            for urgency in Urgency.values
        }


for _impact, _impact_label in Impact.choices:
    for _urgency, _urgency_label in Urgency.choices:
        PriorityMatrixForm.base_fields[f"cell_{_impact}_{_urgency}"] = forms.ChoiceField(
            choices=Priority.choices, label=f"Impact {_impact_label}, urgency {_urgency_label}"
        )
