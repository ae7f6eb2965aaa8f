"""Incident Request Review (seed 003 ch. 9 proc. 1): the review page's period and service
chooser (reads only), the selection of incident requests taken from it (register a
problem from them, or link them to an open problem) and the incident page's link form."""

from typing import Any

from django import forms

from steward.core.fields import GuardedForm
from steward.core.ids import parse_id
from steward.problems import inputs
from steward.problems.choices import ProblemSource
from steward.problems.models import ProblemInvestigation
from steward.problems.queries import review as queries

REVIEW_SOURCES = [
    (ProblemSource.INCIDENT_REVIEW.value, ProblemSource.INCIDENT_REVIEW.label),
    (ProblemSource.SPECIALIST_HINT.value, ProblemSource.SPECIALIST_HINT.label),
]


class ReviewPeriodForm(forms.Form):
    """What the review shows: the last ``days`` days, of every coordinated service or one."""

    days = forms.IntegerField(
        min_value=1, max_value=queries.MAX_DAYS, initial=queries.DEFAULT_DAYS, required=False,
        label="Last days",
    )  # fmt: skip
    service = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                     label="Service")  # fmt: skip

    def __init__(self, *args: Any, services: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "Every service I coordinate")] + [
            (s.pk, s.name) for s in services
        ]


class IncidentIdsField(forms.MultipleChoiceField):
    """Incident request ids (the review's checkboxes); the service checks each."""

    widget = forms.MultipleHiddenInput

    def valid_value(self, value: Any) -> bool:
        return parse_id(value) is not None

    def clean(self, value: Any) -> list[int]:  # type: ignore[override]
        values = super().clean(value) or []
        if len(values) > queries.PER_GROUP * 5:
            raise forms.ValidationError("Too many incident requests at once.")
        return [parse_id(v) for v in values]  # type: ignore[misc]


class ReviewSelectionForm(GuardedForm):
    """Incident requests chosen on the review page: register a problem from them (``source``
    says whether they came from the review or a specialist's hint), or link them to the
    open ``problem``."""

    inputs = inputs.REVIEW_SELECTION

    incidents = IncidentIdsField(label="Incident requests",
                                 error_messages={"required": "Tick at least one incident request."})  # fmt: skip
    problem = forms.ModelChoiceField(queryset=ProblemInvestigation.objects.none(), required=False,
                                     label="Open problem")  # fmt: skip
    source = forms.ChoiceField(choices=REVIEW_SOURCES, required=False,
                               initial=ProblemSource.INCIDENT_REVIEW)  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = queries.review_services(self.actor) if self.actor else []
        self.fields["problem"].queryset = queries.open_problems(self.actor, services)


class IncidentProblemLinkForm(GuardedForm):
    """The incident page's form: link the request to an open problem of its service."""

    inputs = inputs.INCIDENT_PROBLEM_LINK

    problem = forms.ModelChoiceField(queryset=ProblemInvestigation.objects.none(),
                                     label="Open problem", empty_label="Choose…")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service = getattr(self.record, "service", None)
        if self.actor is not None and service is not None:
            self.fields["problem"].queryset = queries.open_problems(self.actor, [service])
