"""Problem candidates (proc. 1, issue 15): the forms of the register and dismiss steps.
They parse input; the services validate again and write."""

from typing import Any

from django import forms

from steward.core.fields import GuardedForm
from steward.core.models import SupportGroup
from steward.problems import inputs
from steward.problems.forms.problems import specialist_choices


class CandidateRegisterForm(GuardedForm):
    """Register a problem from the cluster: its title (default: the shared words) and,
    optionally, the specialist it goes to at once."""

    inputs = inputs.CANDIDATE_REGISTER

    title = forms.CharField(max_length=200, required=False,
                            help_text="Empty: the words the incidents share.")  # fmt: skip
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  max_length=20000)  # fmt: skip
    support_group = forms.ModelChoiceField(queryset=SupportGroup.objects.none(), required=False,
                                           label="Group")  # fmt: skip
    specialist = forms.TypedChoiceField(coerce=int, choices=(), required=False,
                                        empty_value=None)  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_group"].queryset = SupportGroup.objects.filter(is_active=True)
        self.fields["specialist"].choices = specialist_choices(self.record)


def register_arguments(data: dict[str, Any]) -> dict[str, Any]:
    group = data.get("support_group")
    return {
        "title": data.get("title") or "",
        "description": data.get("description") or "",
        "support_group_id": getattr(group, "pk", group),
        "specialist_id": data.get("specialist") or None,
    }


def register_initial(candidate: Any) -> dict[str, Any]:
    return {"title": candidate.label}


class CandidateDismissForm(GuardedForm):
    """The cluster is no problem: say why (it comes back only if it grows)."""

    inputs = inputs.CANDIDATE_DISMISS

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=20000)
