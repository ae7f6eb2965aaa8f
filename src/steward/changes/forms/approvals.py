"""Page forms of Change Approval (seed 003 ch. 3 proc. 3): the change manager's review and
the approvers' approve and reject."""

from django import forms

from steward.changes import inputs
from steward.changes.choices import ManagerReview, RejectionReason
from steward.changes.models import ChangePolicy
from steward.changes.services.approvals import NOTE_MAX
from steward.core.fields import GuardedForm
from steward.core.ids import MAX_ID


class ChangeReviewForm(GuardedForm):
    """The change manager's review of a change ready for approval."""

    inputs = inputs.CHANGE_REVIEW

    review = forms.ChoiceField(
        choices=ManagerReview.choices,
        label="Your review",
        help_text="Collect the approvals only when the analysis and the plan are in order "
        "and the window conflicts with no other change or planned event.",
    )
    policy = forms.ModelChoiceField(
        queryset=ChangePolicy.objects.filter(is_active=True),
        required=False,
        help_text="For a policy conflict: the policy the change conflicts with.",
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the analysis or the plan must address (told to the coordinator).",
    )


class _ApprovalForm(GuardedForm):
    # The approval asked for (the signed link's); empty: the actor's current one.
    approval = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )


class ChangeApproveForm(_ApprovalForm):
    inputs = inputs.CHANGE_APPROVE

    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note (optional)",
    )


class ChangeRejectForm(_ApprovalForm):
    inputs = inputs.CHANGE_REJECT

    reason = forms.ChoiceField(
        choices=RejectionReason.choices,
        label="Why do you reject it?",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Explain",
        help_text="What must change before you can approve.",
    )
