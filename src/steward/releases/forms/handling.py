"""Request for change handling (seed 003 ch. 10 proc. 1): the release coordinator's review
form. It parses input; the service checks the decision against the rule and writes."""

from typing import Any

from django import forms

from steward.core.fields import GuardedForm
from steward.releases import inputs
from steward.releases.forms.releases import money_field, text
from steward.releases.models import Release
from steward.releases.services.handling import (
    CONDITIONS,
    DECISION_CHOICES,
    decision_for,
    open_releases,
)

CONDITION_LABELS = {
    "problem_fix": "It asks for the prevention or fix of a problem",
    "single_coordinator": "A single change coordinator can coordinate its implementation",
    "functionality_changes": "It makes the functionality of a service different",
    "extra_funding": "It requires additional funding",
}
YES_NO = [("", "Choose"), ("true", "Yes"), ("false", "No")]


def _yes_no(value: Any) -> bool | None:
    return {"true": True, "false": False, True: True, False: False}.get(value)


def _question(name: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=CONDITION_LABELS[name], choices=YES_NO, coerce=_yes_no,
                                  empty_value=None)  # fmt: skip


class HandlingReviewForm(GuardedForm):
    """Proc. 1: the four answers, the decision the rule gives for them, the estimate (CAB
    review), the release (no CAB) and a note."""

    inputs = inputs.HANDLING_REVIEW

    problem_fix = _question("problem_fix")
    single_coordinator = _question("single_coordinator")
    functionality_changes = _question("functionality_changes")
    extra_funding = _question("extra_funding")
    decision = forms.ChoiceField(choices=DECISION_CHOICES)
    effort_hours = forms.DecimalField(
        label="Implementation effort (hours)", required=False, min_value=0, max_digits=8,
        decimal_places=1, help_text="Required for the CAB's list.",
    )  # fmt: skip
    cost = money_field("Implementation cost", help_text="Required for the CAB's list.")
    release = forms.ModelChoiceField(
        queryset=Release.objects.none(), required=False, label="Into release",
        help_text="Without the CAB: an open release of the service.",
    )  # fmt: skip
    new_release_title = forms.CharField(
        max_length=200, required=False, label="Or register a new release titled",
    )  # fmt: skip
    note = forms.CharField(required=False, widget=text(3), max_length=20000,
                           help_text="Passing it back: the reason the change coordinator reads.")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["release"]
        field.queryset = (
            open_releases(self.record.service)
            if self.record is not None
            else Release.objects.none()
        )
        field.label_from_instance = lambda r: f"{r.number} {r.title} ({r.get_status_display()})"


def review_initial(handling: Any) -> dict[str, Any]:
    """The form as the request stands: the answers (the change coordinator's, until the
    release coordinator's) and the decision the rule gives for them."""
    initial: dict[str, Any] = {
        name: {True: "true", False: "false"}.get(getattr(handling, name), "") for name in CONDITIONS
    }
    initial["decision"] = decision_for(handling).value
    initial["effort_hours"], initial["cost"] = handling.effort_hours, handling.cost
    return initial


def review_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """The form's or the body's data as the service's keywords."""
    release = data.get("release")
    return {
        "decision": data["decision"],
        **{name: data.get(name) for name in CONDITIONS},
        "effort_hours": data.get("effort_hours"),
        "cost": data.get("cost"),
        "release_id": getattr(release, "pk", release),
        "new_release_title": data.get("new_release_title") or "",
        "note": data.get("note") or "",
    }
