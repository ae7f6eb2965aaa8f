"""Forms of the contract pages (seed 003 ch. 4 proc. 5)."""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from steward.configuration import inputs
from steward.configuration.choices import ClassCategory, ContractKind, ContractStatus, LicenceMetric
from steward.configuration.forms import DATE_WIDGET
from steward.configuration.models import ConfigurationItem
from steward.configuration.queries import cis as cmdb_queries
from steward.configuration.queries.suppliers import suppliers_for
from steward.core import queries as core_queries
from steward.core.choices import OrganisationKind
from steward.core.fields import GuardedForm
from steward.core.ids import MAX_INT
from steward.core.models import Organisation, Person

C = ContractStatus


class ContractForm(GuardedForm):
    """The contracts form (procedure 5); a licence certificate also names what it licenses."""

    inputs = inputs.CONTRACT

    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ContractKind.choices)
    status = forms.ChoiceField(
        choices=[(C.ACTIVE, "Active"), (C.DRAFT, "Draft (not yet in force)")],
        initial=C.ACTIVE,
    )
    supplier = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        help_text="Not in the list? Register the supplier first.",
    )
    supplier_reference = forms.CharField(
        max_length=100,
        required=False,
        label="Supplier's number",
        help_text="The supplier's contract or licence certificate number.",
    )
    starts_on = forms.DateField(widget=DATE_WIDGET)
    ends_on = forms.DateField(widget=DATE_WIDGET, required=False, help_text="Empty: open-ended.")
    notice_days = forms.IntegerField(min_value=0, max_value=32767, initial=0)
    remind_days_before = forms.IntegerField(
        min_value=0,
        max_value=32767,
        initial=60,
        help_text="The owner is reminded this many days before the end date.",
    )
    value = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    currency = forms.CharField(min_length=3, max_length=3, initial="EUR")
    owner = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        required=False,
        help_text="Reminded before it ends; without an owner the configuration administrators are.",
    )
    licensed_software = forms.ModelChoiceField(
        queryset=ConfigurationItem.objects.none(),
        required=False,
        help_text="Licence certificates only: the software CI it licenses.",
    )
    licence_metric = forms.ChoiceField(
        choices=[("", "—"), *LicenceMetric.choices], required=False, label="Licence counts"
    )
    entitlement = forms.IntegerField(
        min_value=1,
        max_value=MAX_INT,
        required=False,
        help_text="How many installations, users or cores.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, actor: Person, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["supplier"].queryset = suppliers_for(actor).order_by("name")
        self.fields["owner"].queryset = (
            core_queries.people_for(actor)
            .filter(is_active=True, memberships__organisation__kind=OrganisationKind.PROVIDER)
            .distinct()
        )
        self.fields["licensed_software"].queryset = (
            cmdb_queries.cis_for(actor)
            .filter(ci_class__category=ClassCategory.SOFTWARE)
            .order_by("name", "pk")
        )
        if editing:
            del self.fields["status"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["description"] = data.get("description") or ""
        data["supplier_reference"] = data.get("supplier_reference") or ""
        data["licence_metric"] = data.get("licence_metric") or ""
        return data


class CINumbersForm(GuardedForm):
    inputs = inputs.CONTRACT_CIS

    numbers = forms.CharField(
        label="CI numbers",
        max_length=2000,
        help_text="One or more CI numbers, separated by commas or spaces (CI000012, CI000013).",
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.actor = actor

    def clean_numbers(self) -> list[int]:
        wanted = [n.upper() for n in re.split(r"[\s,;]+", self.cleaned_data["numbers"]) if n]
        found = dict(
            cmdb_queries.cis_for(self.actor).filter(number__in=wanted).values_list("number", "pk")
        )
        unknown = [n for n in wanted if n not in found]
        if unknown:
            raise ValidationError(f"No such CI: {', '.join(unknown)}.")
        return [found[n] for n in wanted]


class ReasonForm(GuardedForm):
    inputs = inputs.CONTRACT_REASON

    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept in the journal."
    )
