"""Release Management: releases (proc. 2). Page forms: register and edit a release. They
parse input; the services validate again and write."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from steward.core import formfields, permissions
from steward.core.fields import GuardedForm
from steward.core.models import Person
from steward.releases import inputs
from steward.releases.choices import ReleaseType
from steward.releases.services.releases import COORDINATE
from steward.service_level.models import Service
from steward.service_level.queries import services_for

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def text(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def coordinated_services(actor: Person) -> QuerySet[Service]:
    """The active services the actor coordinates releases for."""
    services = services_for(actor).filter(status="active").order_by("name")
    return services.filter(pk__in=[s.pk for s in services if permissions.has(actor, COORDINATE, s)])


def money_field(label: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=0, max_digits=14,
                              decimal_places=2, **kwargs)  # fmt: skip


class ReleaseRegisterForm(GuardedForm):
    """Proc. 2: register a release."""

    inputs = inputs.RELEASE_REGISTER

    title = forms.CharField(max_length=200)
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    release_type = forms.ChoiceField(choices=ReleaseType.choices, initial=ReleaseType.MINOR,
                                     label="Type")  # fmt: skip
    planned_start = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET,
                                             label="Deployment starts")  # fmt: skip
    planned_end = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET,
                                           label="Deployment ends")  # fmt: skip
    target_date = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET,
                                           label="In production by")  # fmt: skip
    estimated_cost = money_field("Estimated cost")
    available_budget = money_field("Service owner's available budget")
    budget_reference = forms.CharField(max_length=60, required=False)
    description = forms.CharField(required=False, widget=text(4), max_length=20000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = coordinated_services(self.actor)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["service_id"] = data.pop("service").pk
        return data


class ReleaseEditForm(GuardedForm):
    inputs = inputs.RELEASE_UPDATE

    title = forms.CharField(max_length=200)
    release_type = forms.ChoiceField(choices=ReleaseType.choices, label="Type")
    planned_start = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET,
                                             label="Deployment starts")  # fmt: skip
    planned_end = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET,
                                           label="Deployment ends")  # fmt: skip
    target_date = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET,
                                           label="In production by")  # fmt: skip
    estimated_cost = money_field("Estimated cost")
    available_budget = money_field("Service owner's available budget")
    budget_reference = forms.CharField(max_length=60, required=False)
    description = forms.CharField(required=False, widget=text(4), max_length=20000)
    plan_notes = forms.CharField(required=False, widget=text(5), max_length=20000,
                                 label="High-level implementation plan")  # fmt: skip
    rollback_plan = forms.CharField(required=False, widget=text(4), max_length=20000)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def edit_initial(release: Any) -> dict[str, Any]:
    return {name: getattr(release, name) for name in ReleaseEditForm.base_fields}
