"""Page forms of the event review (seed 003 ch. 6 proc. 2) and the outage review (proc. 3):
the period picker (reads only), raising an improvement, recording an outage finding."""

from typing import Any

from django import forms

from steward.core import formfields
from steward.core.fields import GuardedForm
from steward.core.models import SupportGroup
from steward.events import inputs
from steward.events.choices import OutageFinding, ReviewTopic
from steward.events.models import EventSource
from steward.events.queries.reviews import LAST_30, RANGES


class EventReviewPeriodForm(forms.Form):
    """The period a review covers: the last 30 or 90 days, this or last quarter, or the
    dates given (inclusive)."""

    period = forms.ChoiceField(choices=RANGES, initial=LAST_30, required=False, label="Period")
    start = formfields.IsoDateField(required=False, label="From")
    end = formfields.IsoDateField(required=False, label="To")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end comes before the start.")
        return data


def _groups() -> Any:
    return SupportGroup.objects.filter(is_active=True).order_by("name")


class ImprovementRaiseForm(GuardedForm):
    """Proc. 2: the incident request asking the responsible group for an improvement."""

    inputs = inputs.IMPROVEMENT_RAISE

    topic = forms.ChoiceField(choices=ReviewTopic.choices, label="Finding")
    subject = forms.CharField(max_length=200, label="About",
                              help_text="The monitor, resource, event type or rule.")  # fmt: skip
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), label="What should be changed",
        max_length=10000,
    )  # fmt: skip
    source = forms.ModelChoiceField(
        queryset=EventSource.objects.none(), required=False, label="Monitoring source",
        empty_label="None", help_text="Its support group is the default group.",
    )  # fmt: skip
    support_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.none(), required=False, label="Assign to group",
        empty_label="The source's group",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = EventSource.objects.order_by("name")
        self.fields["support_group"].queryset = _groups()


class OutageReviewRecordForm(GuardedForm):
    """Proc. 3: the finding on one high-impact incident request."""

    inputs = inputs.OUTAGE_REVIEW_RECORD

    finding = forms.ChoiceField(choices=OutageFinding.choices, widget=forms.RadioSelect,
                                label="Finding")  # fmt: skip
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10000,
        help_text="Required for \u201cmonitoring not worth it\u201d: why.",
    )  # fmt: skip
    follow_up_description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000,
        label="Correction to request",
        help_text="Required for a correlation rule or monitoring job correction: the request "
        "registered for the group maintaining the monitoring.",
    )  # fmt: skip
    support_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.none(), required=False, label="Follow-up group",
        empty_label="The monitoring source's group",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_group"].queryset = _groups()
