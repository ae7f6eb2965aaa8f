"""Forms of Planned Change Closure (seed 003 ch. 3 proc. 6): the production test."""

from django import forms

from steward.changes import inputs
from steward.core.fields import GuardedForm


class ProductionTestForm(GuardedForm):
    """Proc. 6: the specialist's verdict after the production test."""

    inputs = inputs.PRODUCTION_TEST

    requirements_met = forms.BooleanField(
        required=False, label="All requirements of the change are met"
    )
    improvement_over_before = forms.BooleanField(
        required=False,
        label="Not all met, but an improvement over the previous situation",
    )
    security_or_data_risk = forms.BooleanField(
        required=False, label="It causes a security or data integrity risk"
    )
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="What the test found."
    )
