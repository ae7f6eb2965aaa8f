"""The form of the integrity report: running the checks now."""

from django import forms

from steward.configuration import inputs
from steward.configuration.services import integrity as services
from steward.core.fields import GuardedForm


class RunForm(GuardedForm):
    inputs = inputs.INTEGRITY_RUN

    stale_after_days = forms.IntegerField(
        label="Stale after (days)",
        min_value=1,
        max_value=services.MAX_STALE_AFTER_DAYS,
        required=False,
        help_text="A CI neither updated nor verified for this long is stale.",
    )
