"""Change Management: emergency changes (proc. 7, 8): the page forms of the steps."""

from django import forms

from steward.changes import inputs
from steward.core.fields import GuardedForm

ENVIRONMENTS = [("test", "The test environment"), ("production", "Production")]
YES_NO = [("", "Choose…"), ("yes", "Yes"), ("no", "No")]


def _note(label: str, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class EmergencyTransferForm(GuardedForm):
    """Proc. 7: ask a release administrator to transfer the new release."""

    inputs = inputs.EMERGENCY_TRANSFER
    environment = forms.ChoiceField(choices=ENVIRONMENTS, widget=forms.RadioSelect)
    note = _note("For the release administrator")


class EmergencyTestForm(GuardedForm):
    """Proc. 8: the production test's result."""

    inputs = inputs.EMERGENCY_TEST
    successful = forms.TypedChoiceField(
        label="Was the implementation successful?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        error_messages={"required": "Answer yes or no."},
    )
    note = _note(
        "What the production test showed (successful: the incident's solution)", required=True
    )


class EmergencyRegisterForm(GuardedForm):
    """Proc. 8: register the emergency change and close it."""

    inputs = inputs.EMERGENCY_REGISTER
    cmdb_updated = forms.BooleanField(required=False, label="The CMDB has been updated")
    capacity_updated = forms.BooleanField(
        required=False, label="The Capacity Management information has been updated"
    )
    note = _note("Closure note")
