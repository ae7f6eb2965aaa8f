"""Page forms of Problem Closure (seed 003 ch. 9 proc. 4): close, reassign for another
structural solution, record an impasse (or the next re-check), ask for another analysis.
They parse input; the services validate again and write."""

from typing import Any

from django import forms

from steward.core.fields import GuardedForm
from steward.problems import inputs
from steward.problems.forms.problems import specialist_choices
from steward.problems.services.closure import recurrence_evidence, recurrence_text


class ProblemCloseForm(GuardedForm):
    """Proc. 4: close the problem; the evidence since the change is in the help text."""

    inputs = inputs.PROBLEM_CLOSE

    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=20000,
        help_text="How the solution was verified (required to close an impasse).",
    )  # fmt: skip
    override_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=20000,
        label="Close despite recurrences, because",
        help_text="Only when incident requests of its kinds recur since the change.",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.record is not None and self.record.status != "impasse":
            evidence = recurrence_evidence(self.record)
            if evidence["count"]:
                self.fields[
                    "override_reason"
                ].help_text = (
                    f"Recurring since {evidence['since']:%Y-%m-%d}: {recurrence_text(evidence)}."
                )


class ProblemReassignForm(GuardedForm):
    """Proc. 4: another structural solution may be possible: a specialist of the group."""

    inputs = inputs.PROBLEM_REASSIGN

    specialist = forms.TypedChoiceField(coerce=int, choices=())
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=20000,
                           label="What else may work")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["specialist"].choices = specialist_choices(self.record)


class ProblemImpasseForm(GuardedForm):
    """Proc. 4: no practical means for now; when to check for new possibilities."""

    inputs = inputs.PROBLEM_IMPASSE

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=20000,
                             label="Why there is no practical solution")  # fmt: skip
    recheck_on = forms.DateField(label="Re-check on", widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="A future date, within two years.")  # fmt: skip


def impasse_initial(problem: Any) -> dict[str, Any]:
    return {"reason": problem.impasse_reason, "recheck_on": problem.recheck_on}


class ProblemReopenForm(GuardedForm):
    """Proc. 4: a new or different approach may now work: another analysis."""

    inputs = inputs.PROBLEM_REOPEN

    specialist = forms.TypedChoiceField(coerce=int, choices=())
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=20000,
                           label="The new approach or technology")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["specialist"].choices = specialist_choices(self.record)


def specialist_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {"specialist_id": data["specialist"], "note": data.get("note") or ""}
