"""Change Management: the KPI page's period picker and the form recording an incident
request a change caused."""

from typing import Any

from django import forms

from steward.changes import inputs
from steward.changes.queries.kpis import GRAINS, MONTH
from steward.core import formfields
from steward.core.fields import GuardedForm
from steward.core.models import Person
from steward.incidents.models import IncidentRequest
from steward.incidents.queries.incidents import incidents_for
from steward.service_level.models import Service
from steward.service_level.queries import services_for


class PeriodForm(forms.Form):
    """What the KPI page shows: weeks or months from ``start`` to ``end`` (default: the
    last 12 up to today), of every service or one."""

    period = forms.ChoiceField(choices=GRAINS, initial=MONTH, required=False, label="Per")
    start = formfields.IsoDateField(required=False, label="From")
    end = formfields.IsoDateField(required=False, label="To")
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="Every service"
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_for(actor).order_by("name")


class CausedIncidentForm(GuardedForm):
    """Record an incident request the change caused, found by its number."""

    inputs = inputs.CHANGE_CAUSED_INCIDENT

    incident = forms.CharField(
        max_length=20, label="Incident request", help_text="Its number, for example INC000123."
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How you found the change was the cause (a work note on the change).",
    )

    def clean_incident(self) -> IncidentRequest:
        number = self.cleaned_data["incident"].strip().upper()
        incident = incidents_for(self.actor).filter(number=number).first()
        if incident is None:
            raise forms.ValidationError(f"There is no incident request {number}.")
        return incident
