"""Forms of the queues' bulk work and of linking and merging requests (issue 13)."""

from typing import Any

from django import forms

from steward.core import queries as core_queries
from steward.core.fields import GuardedForm
from steward.core.models import (
    Person,
    SupportGroup,
)
from steward.incidents import inputs
from steward.incidents.choices import (
    Impact,
    PendingReason,
    ResolutionCode,
    Urgency,
)
from steward.incidents.forms.records import (
    _text,
    staff_of,
)
from steward.incidents.queries.incidents import incidents_for
from steward.incidents.services.bulk import ACTIONS, STATUSES

# --- Bulk work on the queues (issue 13) -------------------------------------------------------


class IncidentField(forms.CharField):
    """A request named by its number (INC000123) or id, among those the actor sees."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)
        self.actor: Person | None = None

    def clean(self, value: Any) -> Any:
        text = (super().clean(value) or "").strip().upper()
        if not text:
            return None
        visible = incidents_for(self.actor)
        found = visible.filter(number__iexact=text).first()
        if found is None and text.isascii() and text.isdigit() and len(text) < 19:
            found = visible.filter(pk=int(text)).first()
        if found is None:
            raise forms.ValidationError(f"No request {text}.")
        return found


class IncidentBulkForm(GuardedForm):
    """The bulk form of the queues: one action for the selected rows, with its fields."""

    inputs = inputs.BULK
    action = forms.ChoiceField(choices=[("", "Choose an action…")])
    support_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.none(), required=False, label="Group"
    )
    assignee = forms.ModelChoiceField(queryset=Person.objects.none(), required=False)
    status = forms.ChoiceField(required=False, label="New status")
    pending_reason = forms.ChoiceField(
        choices=[("", "Waiting for…"), *PendingReason.choices], required=False
    )
    resolution = forms.CharField(required=False, max_length=5000, widget=_text(2))
    resolution_code = forms.ChoiceField(
        choices=[("", "Resolution code…"), *ResolutionCode.choices], required=False
    )
    impact = forms.ChoiceField(choices=[("", "Keep impact"), *Impact.choices], required=False)
    urgency = forms.ChoiceField(choices=[("", "Keep urgency"), *Urgency.choices], required=False)
    into = IncidentField(required=False, label="Merge into request")
    reason = forms.CharField(required=False, max_length=5000, label="Note", widget=_text(1))

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["action"].choices = [("", "Choose an action…"), *ACTIONS.items()]
        self.fields["status"].choices = [("", "Choose…"), *STATUSES.items()]
        self.fields["support_group"].queryset = core_queries.groups_for(actor).filter(
            is_active=True
        )
        self.fields["assignee"].queryset = staff_of(actor)
        self.fields["support_group"].empty_label = "Keep the group"
        self.fields["assignee"].empty_label = "Nobody in particular"
        self.fields["into"].actor = actor
        self.fields["into"].widget.attrs["placeholder"] = "INC000123"

    def fields_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("action", None)
        return {k: v for k, v in data.items() if v not in (None, "")}


class LinkForm(GuardedForm):
    """Link this request to another one (the record page's "Linked requests" card)."""

    inputs = inputs.LINK
    other = IncidentField(label="Request")
    kind = forms.ChoiceField(
        choices=[("related", "Related to"), ("duplicate", "This one is a duplicate of")],
        initial="related",
        label="Link",
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "link_%s")
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["other"].actor = actor
        self.fields["other"].widget.attrs["placeholder"] = "INC000123"


class MergeForm(GuardedForm):
    """Merge this request, a duplicate, into the one that continues."""

    inputs = inputs.MERGE
    into = IncidentField(label="Merge into request")
    note = forms.CharField(required=False, max_length=5000, widget=_text(1), label="Note")

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "merge_%s")
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["into"].actor = actor
        self.fields["into"].widget.attrs["placeholder"] = "INC000123"
