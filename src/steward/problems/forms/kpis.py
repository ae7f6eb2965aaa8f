"""Problem Management: the KPI page's period picker (issue 15, "Reports and KPIs")."""

from typing import Any

from django import forms

from steward.core import formfields
from steward.problems.queries.kpis import QUARTER, RANGES


class ProblemKpiPeriodForm(forms.Form):
    """The period the report covers: this or last quarter, the last 30 or 90 days, or the
    dates given ("from" and "to", inclusive)."""

    period = forms.ChoiceField(choices=RANGES, initial=QUARTER, required=False, label="Period")
    start = formfields.IsoDateField(required=False, label="From")
    end = formfields.IsoDateField(required=False, label="To")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end comes before the start.")
        return data
