"""Problem Management, proc. 3: the problem coordinator's analysis review and the known
error's workaround edit. They parse input; the services validate again and write."""

from typing import Any

from django import forms

from steward.changes.choices import OPEN_CHANGE_STATUSES
from steward.changes.models import Change
from steward.core.fields import GuardedForm
from steward.core.models import SupportGroup
from steward.problems import inputs
from steward.problems.choices import AnalysisOutcome
from steward.problems.forms.problems import specialist_choices
from steward.problems.services.known_errors import QUESTIONS

# Tri-state: "not answered" differs from "no" (the review refuses to decide on a blank).
ANSWERS = [("", "Not answered"), ("true", "Yes"), ("false", "No")]
ACCEPTABLE = [
    ("", "Choose…"),
    ("true", "Yes: the analysis is acceptable"),
    ("false", "No: assign it for a better analysis"),
]


def _question(name: str) -> forms.NullBooleanField:
    return forms.NullBooleanField(
        label=QUESTIONS[name], required=False, widget=forms.Select(choices=ANSWERS)
    )


class ProblemReviewForm(GuardedForm):
    """Proc. 3: is the analysis acceptable; for a proposed solution, is Change Management
    really needed (the three questions); the specialist for a better analysis or the fix."""

    inputs = inputs.PROBLEM_REVIEW

    analysis_acceptable = forms.TypedChoiceField(
        choices=ACCEPTABLE, coerce=lambda value: value == "true", label="Analysis acceptable"
    )
    unavailable_in_service_hours = _question("unavailable_in_service_hours")
    functionality_changes = _question("functionality_changes")
    cmdb_update = _question("cmdb_update")
    support_group = forms.ModelChoiceField(queryset=SupportGroup.objects.none(), required=False,
                                           label="Group")  # fmt: skip
    specialist = forms.TypedChoiceField(
        coerce=int, choices=(), required=False,
        help_text="For a better analysis (the same or another specialist) or to implement the "
        "fix when Change Management is not needed.",
    )  # fmt: skip
    change = forms.ModelChoiceField(
        queryset=Change.objects.none(), required=False, label="Suggest adding it to change",
        help_text="A known error: the change coordinator decides whether it joins this change.",
    )  # fmt: skip
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=20000)  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_group"].queryset = SupportGroup.objects.filter(is_active=True)
        self.fields["specialist"].choices = specialist_choices(self.record)
        changes = Change.objects.filter(status__in=OPEN_CHANGE_STATUSES).order_by("-pk")
        if self.record is not None:
            changes = changes.filter(service_id=self.record.service_id)
        self.fields["change"].queryset = changes
        self.fields["change"].label_from_instance = lambda c: f"{c.number} {c.title}"
        if self.record is not None and self.record.analysis_outcome != AnalysisOutcome.PROPOSED:
            for name in (*QUESTIONS, "change"):
                del self.fields[name]


def review_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """The review's form or body as the service's keywords."""
    group, change = data.get("support_group"), data.get("change")
    return {
        "analysis_acceptable": data.get("analysis_acceptable"),
        **{name: data.get(name) for name in QUESTIONS},
        "specialist_id": data.get("specialist") or None,
        "support_group_id": getattr(group, "pk", group),
        "change_id": getattr(change, "pk", change),
        "note": data.get("note") or "",
    }


def review_initial(problem: Any) -> dict[str, Any]:
    """The answers given before, the specialist who did the analysis."""
    return {
        **{name: getattr(problem, name) for name in QUESTIONS},
        "specialist": problem.specialist_id,
        "support_group": problem.support_group_id,
    }


class KnownErrorEditForm(GuardedForm):
    """The known error's workaround and how to apply it (published for registration)."""

    inputs = inputs.KNOWN_ERROR_UPDATE

    workaround = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                 max_length=20000)  # fmt: skip
    workaround_steps = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 6}), max_length=20000,
        label="How to apply the workaround",
    )  # fmt: skip

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name, "") for name in ("workaround",
                                                                   "workaround_steps")}  # fmt: skip


def known_error_initial(known_error: Any) -> dict[str, Any]:
    return {"workaround": known_error.workaround, "workaround_steps": known_error.workaround_steps}
