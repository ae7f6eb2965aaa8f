"""Release Management: the KPI page's period picker and the roadmap's window (issue 16,
"KPIs" and "a release roadmap picture"). Both only read."""

from typing import Any

from django import forms

from steward.core import formfields
from steward.core.models import Person
from steward.releases.queries.kpis import AHEAD, BEHIND, LAST_90, MAX_MONTHS, RANGES
from steward.service_level.models import Service
from steward.service_level.queries import services_for


def _service_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="Every service"
    )


def _services_of(form: forms.Form, actor: Person) -> None:
    form.fields["service"].queryset = services_for(actor).order_by("name")


class ReleaseKpiPeriodForm(forms.Form):
    """The period the report covers (the last 90 or 30 days, this or last quarter, or
    the dates given, inclusive), of every service or one."""

    period = forms.ChoiceField(choices=RANGES, initial=LAST_90, required=False, label="Period")
    start = formfields.IsoDateField(required=False, label="From")
    end = formfields.IsoDateField(required=False, label="To")
    service = _service_field()

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _services_of(self, actor)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end comes before the start.")
        return data


class RoadmapForm(forms.Form):
    """The roadmap's window: months behind and ahead of today, of every service or one."""

    behind = forms.IntegerField(min_value=0, max_value=MAX_MONTHS, required=False,
                                initial=BEHIND, label="Months behind")  # fmt: skip
    ahead = forms.IntegerField(min_value=1, max_value=MAX_MONTHS, required=False,
                               initial=AHEAD, label="Months ahead")  # fmt: skip
    service = _service_field()

    field_order = ["service", "behind", "ahead"]

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _services_of(self, actor)
