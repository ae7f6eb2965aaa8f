"""Problem Management, proc. 2 (root cause analysis): the specialist's page forms. They
parse input; ``services/analysis.py`` validates again and writes."""

from typing import Any

from django import forms

from steward.core.fields import GuardedForm
from steward.problems import inputs

_LONG = 20000


def _text(rows: int, **kwargs: Any) -> forms.CharField:
    kwargs.setdefault("required", False)
    return forms.CharField(widget=forms.Textarea(attrs={"rows": rows}), max_length=_LONG,
                           **kwargs)  # fmt: skip


class WorkaroundForm(GuardedForm):
    """Proc. 2: the temporary workaround and how to implement it."""

    inputs = inputs.PROBLEM_WORKAROUND

    workaround = _text(3, required=True)
    workaround_steps = _text(4, label="How to apply it")


def workaround_initial(problem: Any) -> dict[str, Any]:
    return {"workaround": problem.workaround, "workaround_steps": problem.workaround_steps}


class RootCauseForm(GuardedForm):
    """Proc. 2: the description of the root cause."""

    inputs = inputs.PROBLEM_ROOT_CAUSE

    root_cause = _text(4, required=True)


def root_cause_initial(problem: Any) -> dict[str, Any]:
    return {"root_cause": problem.root_cause}


class OptionAddForm(GuardedForm):
    """Proc. 2: one possible structural solution."""

    inputs = inputs.PROBLEM_OPTION_ADD

    description = _text(3, required=True, label="Structural solution")
    recommended = forms.BooleanField(required=False, label="The preferred solution")


class CompleteAnalysisForm(GuardedForm):
    """Proc. 2: the work is completed; the outcome follows from what is recorded."""

    inputs = inputs.PROBLEM_COMPLETE_ANALYSIS

    change_management_required = forms.NullBooleanField(
        required=False,
        label="Change Management required",
        widget=forms.Select(choices=[("unknown", "—"), ("true", "Yes"), ("false", "No")]),
        help_text="For the recommended solution. No: you implemented it yourself.",
    )
    no_root_cause_reason = _text(2, label="Why no root cause was found")
    no_solution_reason = _text(2, label="Why no structural solution is possible")
    no_workaround_reason = _text(2, label="Why no workaround was found")


class FixDoneForm(GuardedForm):
    """Proc. 2 after the review: the structural solution is implemented."""

    inputs = inputs.PROBLEM_FIX_DONE

    note = _text(2)
