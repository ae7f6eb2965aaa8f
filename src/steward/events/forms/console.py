"""Page forms of the operator console (seed 003 ch. 6 proc. 1): close an event, link it to
the incident request registered by hand, and the selection's bulk form. They parse input;
the services check everything again."""

from typing import Any

from django import forms

from steward.core.fields import GuardedForm
from steward.core.ids import parse_id
from steward.events import inputs
from steward.events.services.console import BULK_ACTIONS, MAX_NOTE
from steward.incidents.forms.queues import IncidentField


class EventCloseForm(GuardedForm):
    inputs = inputs.EVENT_CLOSE

    note = forms.CharField(
        required=False, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why it is handled; needed when it has no incident request and was neither "
        "planned, a symptom nor information while it still fires.",
    )  # fmt: skip


class EventLinkIncidentForm(GuardedForm):
    inputs = inputs.EVENT_LINK_INCIDENT

    incident = IncidentField(
        label="Incident request",
        help_text="The number of the request you registered for it (INC000123). The event "
        "is closed at once when the request is assigned.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incident"].actor = self.actor
        self.fields["incident"].widget.attrs["placeholder"] = "INC000123"


def link_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """The service's arguments from the form (an incident request) or the API (its id)."""
    incident = data["incident"]
    return {"incident_id": getattr(incident, "pk", incident)}


class EventIdsField(forms.Field):
    """The ticked events (the console's checkboxes): ids."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        ids = [parse_id(str(v)) for v in values]
        if any(pk is None for pk in ids):
            raise forms.ValidationError("Select events from the console.")
        return [pk for pk in ids if pk is not None]


class EventBulkForm(GuardedForm):
    """The console's selection: acknowledge or close the ticked events (the rows'
    checkboxes are named ``pick``, as on every list with a bulk bar, for steward.js)."""

    inputs = inputs.EVENTS_BULK("events ticked on the console", pick="events", events=None)

    action = forms.ChoiceField(choices=list(BULK_ACTIONS.items()))
    pick = EventIdsField(required=False, label="Events")
    note = forms.CharField(
        required=False, max_length=MAX_NOTE, label="Note (when closing)",
        widget=forms.TextInput(),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
