"""Forms of the change template, task template and change policy pages (seed 003 ch. 3
proc. 1's reference data). Each takes ``instance`` on its edit page."""

from typing import Any

from django import forms

from steward.changes import inputs
from steward.changes.choices import ChangeCategory, ChangeType, RiskLevel, TaskKind
from steward.changes.models import ChangeTemplate
from steward.core.fields import GuardedForm
from steward.core.models import SupportGroup
from steward.service_level.models import Service


def _text(rows: int = 3, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=20000,
        **kwargs,
    )


class _Editing(GuardedForm):
    """Fills the form from ``instance`` (the edit page): its fields, references by id."""

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None:
            initial = {}
            for name in self.base_fields:
                if hasattr(instance, f"{name}_id"):
                    initial[name] = getattr(instance, f"{name}_id")
                elif hasattr(instance, name):
                    initial[name] = getattr(instance, name)
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)

    def data_for_service(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ChangeTemplateForm(_Editing):
    inputs = inputs.CHANGE_TEMPLATE

    name = forms.CharField(max_length=200)
    change_type = forms.ChoiceField(
        choices=[c for c in ChangeType.choices if c[0] != ChangeType.EMERGENCY],
        label="Type", help_text="A standard change is pre-approved: it skips approval.",
    )  # fmt: skip
    category = forms.ChoiceField(choices=ChangeCategory.choices)
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, help_text="Empty: any service."
    )
    description = _text()
    plan = _text(4, label="Implementation plan")
    backout_plan = _text(3, label="Backout plan")
    risk_level = forms.ChoiceField(choices=RiskLevel.choices, label="Risk")
    duration_minutes = forms.IntegerField(
        min_value=1, max_value=100_000, initial=60, label="Duration (minutes)"
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Offered")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.order_by("name")


class TaskTemplateForm(_Editing):
    inputs = inputs.TASK_TEMPLATE

    name = forms.CharField(max_length=200)
    change_template = forms.ModelChoiceField(
        queryset=ChangeTemplate.objects.none(), required=False,
        help_text="Empty: a task (group) template to add to any change.",
    )  # fmt: skip
    kind = forms.ChoiceField(choices=TaskKind.choices)
    support_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.none(), required=False, label="Group"
    )
    position = forms.IntegerField(
        min_value=1, max_value=1000, required=False, help_text="Its order; empty: last."
    )
    after_previous = forms.BooleanField(
        required=False, initial=True, label="Starts when the previous task is done"
    )
    description = _text()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_template"].queryset = ChangeTemplate.objects.order_by("name")
        self.fields["support_group"].queryset = SupportGroup.objects.filter(
            is_active=True
        ).order_by("name")

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("position") is None:
            data.pop("position", None)
        return data


class ChangePolicyForm(_Editing):
    inputs = inputs.CHANGE_POLICY

    name = forms.CharField(max_length=200)
    statement = _text(4, required=True, help_text="What the policy requires.")
    is_active = forms.BooleanField(required=False, initial=True, label="In force")
