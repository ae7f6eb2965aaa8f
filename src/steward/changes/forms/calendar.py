"""Page forms of the change calendar: a planned event, its cancellation, and the
calendar's filters (seed 003 ch. 3 proc. 2, 3)."""

import re
from typing import Any

from django import forms
from django.urls import reverse_lazy

from steward.changes import inputs
from steward.changes.choices import PlannedEventKind
from steward.changes.models import PlannedEvent
from steward.configuration.models import ConfigurationItem
from steward.configuration.queries import cis as cmdb_queries
from steward.core import formfields
from steward.core import queries as core_queries
from steward.core.fields import GuardedForm
from steward.core.formfields import IsoDateField
from steward.core.ids import parse_id
from steward.core.models import Person, SupportGroup
from steward.core.views.patterns.selects import LookupInput
from steward.service_level import queries as service_queries
from steward.service_level.models import Service

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _when(label: str) -> formfields.DateTimeField:
    return formfields.DateTimeField(
        label=label, widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )


class PlannedEventForm(GuardedForm):
    """A maintenance window, a blackout period or another planned event."""

    inputs = inputs.PLANNED_EVENT

    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=PlannedEventKind.choices)
    starts_at = _when("Starts")
    ends_at = _when("Ends")
    everywhere = forms.BooleanField(
        required=False,
        label="Concerns every service and CI",
        help_text="A company-wide event; a blackout period always is.",
    )
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    cis = forms.CharField(
        label="CI numbers",
        max_length=2000,
        required=False,
        help_text="The CIs it concerns, separated by commas or spaces (CI000012, CI000013).",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self, *args: Any, actor: Person, instance: PlannedEvent | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.actor = actor
        self.fields["services"].queryset = service_queries.services_for(actor).order_by("name")

    def clean_cis(self) -> list[int]:
        wanted = [n.upper() for n in re.split(r"[\s,;]+", self.cleaned_data.get("cis") or "") if n]
        found = dict(
            cmdb_queries.cis_for(self.actor).filter(number__in=wanted).values_list("number", "pk")
        )
        unknown = [n for n in wanted if n not in found]
        if unknown:
            raise forms.ValidationError(f"No CI {', '.join(unknown)}.")
        return [found[n] for n in wanted]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "everywhere": bool(data.get("everywhere")),
            "description": data.get("description") or "",
        }

    def links(self) -> dict[str, list[int]]:
        return {
            "services": [s.pk for s in self.cleaned_data.get("services") or []],
            "cis": list(self.cleaned_data.get("cis") or []),
        }


def event_initial(event: PlannedEvent) -> dict[str, Any]:
    numbers = ConfigurationItem.objects.filter(planned_events=event).values_list(
        "number", flat=True
    )
    return {
        "title": event.title,
        "kind": event.kind,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "everywhere": event.everywhere,
        "description": event.description,
        "services": list(event.services.values_list("pk", flat=True)),
        "cis": " ".join(sorted(numbers)),
    }


class PlannedEventCancelForm(GuardedForm):
    inputs = inputs.PLANNED_EVENT_CANCEL

    reason = forms.CharField(
        required=False, max_length=500, help_text="Why it is off the calendar (journaled)."
    )


class CalendarFilterForm(forms.Form):
    """What the calendar shows: month or week, around a date, for a service, a CI or a
    support group (the groups of the changes' tasks). A read: no guarded fields."""

    view = forms.ChoiceField(
        choices=[("month", "Month"), ("week", "Week")], required=False, label="Show"
    )
    date = IsoDateField(required=False, label="Around")
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False)
    ci = forms.ModelChoiceField(
        queryset=ConfigurationItem.objects.none(), required=False, label="CI"
    )
    group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.none(), required=False, label="Support group"
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = service_queries.services_for(actor).order_by("name")
        self.fields["ci"].queryset = cmdb_queries.cis_for(actor)
        self.fields["ci"].widget = LookupInput(
            reverse_lazy("configuration:ci-lookup"),
            label_for=lambda pk: _ci_label(actor, pk),
            placeholder="CI number or name",
        )
        self.fields["group"].queryset = core_queries.groups_for(actor).order_by("name")


def _ci_label(actor: Person, pk: Any) -> str:
    found = parse_id(str(pk))
    ci = cmdb_queries.cis_for(actor).filter(pk=found).first() if found is not None else None
    return cmdb_queries.ci_label(ci) if ci else ""
