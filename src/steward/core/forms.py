"""Forms of the core pages. They parse input; the services validate again and write."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth import password_validation
from django.db.models import Model
from django.utils import timezone

from steward.core import events, formfields, permissions, queries, registry, webhooks
from steward.core import inputs as core_inputs
from steward.core.choices import Role, allowed_scopes
from steward.core.fields import GuardedForm
from steward.core.models import (
    BusinessCalendar,
    Organisation,
    Person,
    SupportGroup,
    TemplateKind,
    WebhookSubscription,
)
from steward.core.models.calendars import WEEKDAYS
from steward.core.services import work as work_services
from steward.core.services.calendars import time_zone_names
from steward.core.services.directory import GROUP_FIELDS, ORGANISATION_FIELDS, PERSON_FIELDS


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(time_zone_names())]


class OrganisationForm(GuardedForm, forms.ModelForm):
    inputs = core_inputs.ORGANISATION
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ORGANISATION_FIELDS
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class PersonForm(GuardedForm, forms.ModelForm):
    """Edit a person's details; the create form adds username, organisation and password."""

    inputs = core_inputs.PERSON

    time_zone = forms.ChoiceField(required=False, choices=[("", "Same as Steward")])

    class Meta:
        model = Person
        fields = PERSON_FIELDS

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["time_zone"].choices = [("", "Same as Steward"), *time_zone_choices()]
        self.fields[
            "is_active"
        ].help_text = "Inactive people cannot sign in and are not offered for assignment."


class PersonCreateForm(PersonForm):
    inputs = core_inputs.PERSON_CREATE
    username = forms.CharField(max_length=150, help_text="What the person signs in with.")
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="None"
    )
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty for a contact who does not sign in.",
    )

    field_order = ["username", "first_name", "last_name", "email", "organisation"]

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["organisation"].queryset = queries.organisations_for(actor).filter(
            is_active=True
        )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if Person.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("Someone already has this username.")
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        password = data.get("password")
        if password:
            candidate = Person(
                username=data.get("username", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class SupportGroupForm(GuardedForm, forms.ModelForm):
    inputs = core_inputs.GROUP

    class Meta:
        model = SupportGroup
        fields = GROUP_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["organisation"].queryset = queries.organisations_for(actor)
        self.fields["calendar"].queryset = BusinessCalendar.objects.filter(
            pk__in=queries.calendars_for(actor).values("pk")
        )
        self.fields["calendar"].help_text = "Service hours of the group (for due times)."


class GroupMemberForm(GuardedForm):
    inputs = core_inputs.GROUP_MEMBER
    person = forms.ModelChoiceField(
        queryset=Person.objects.none(), label="Add member", empty_label="Choose a person…"
    )

    def __init__(self, *args: Any, actor: Person, record: SupportGroup, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, record=record, **kwargs)
        group = record
        # Provider staff only: customer people cannot join support groups.
        self.fields["person"].queryset = (
            queries.people_for(actor)
            .filter(is_active=True, memberships__organisation__kind="provider")
            .exclude(group_memberships__group=group)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )


class JoinOrganisationForm(GuardedForm):
    inputs = core_inputs.JOIN_ORGANISATION
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), empty_label="Choose an organisation…"
    )
    is_primary = forms.BooleanField(required=False, label="Primary organisation")

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["organisation"].queryset = queries.organisations_for(actor).filter(
            is_active=True
        )


def _scope_models() -> dict[str, type[Model]]:
    """The kinds of scope a role may be limited to, as core and the areas registered them."""
    return {kind: apps.get_model(s.model) for kind, s in registry.ROLE_SCOPES.items()}


class RoleAssignForm(GuardedForm):
    """A role and where it applies, in one select: everywhere, a group, organisation or service."""

    inputs = core_inputs.ROLE_ASSIGNMENT

    role = forms.ChoiceField(choices=Role.choices)
    scope = forms.ChoiceField(required=False, label="Limited to", help_text="Empty: everywhere.")

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        options: list[Any] = [("", "Everywhere")]
        for kind, model in _scope_models().items():
            if kind == "group":
                objects = queries.groups_for(actor)
            elif kind == "organisation":
                objects = queries.organisations_for(actor)
            else:
                objects = model.objects.all()
            options.append(
                (
                    registry.ROLE_SCOPES[kind].plural,
                    [(f"{kind}:{o.pk}", str(o)) for o in objects[:500]],
                )
            )
        self.fields["scope"].choices = options

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        raw = data.get("scope") or ""
        data["scope_object"] = None
        if raw:
            kind, _, pk = raw.partition(":")
            model = _scope_models().get(kind)
            obj = model.objects.filter(pk=pk).first() if model and pk.isdigit() else None
            if obj is None:
                self.add_error("scope", "Choose a scope from the list.")
            data["scope_object"] = obj
        role = data.get("role")
        if role and not raw and "none" not in allowed_scopes(role):
            self.add_error("scope", f"{Role(role).label} must be limited to a scope.")
        return data


class TokenForm(GuardedForm):
    inputs = core_inputs.TOKEN
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. “monitoring”.")
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional; the token stops working at the end of this day.",
    )

    def expires_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        end = dt.datetime.combine(day, dt.time(23, 59, 59))
        return timezone.make_aware(end)


# --- Calendars ------------------------------------------------------------------------------


class CalendarForm(GuardedForm, forms.ModelForm):
    inputs = core_inputs.CALENDAR
    time_zone = forms.ChoiceField(choices=())

    class Meta:
        model = BusinessCalendar
        fields = ["name", "time_zone", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()


class WeeklyHoursForm(GuardedForm):
    """Up to ``SLOTS`` working periods per weekday (e.g. 08:00-12:00 and 13:00-17:00)."""

    inputs = core_inputs.WEEKLY_HOURS

    SLOTS = 2

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, name in WEEKDAYS:
            for slot in range(self.SLOTS):
                suffix = "" if slot == 0 else f" (period {slot + 1})"
                for kind, word in (("start", "from"), ("end", "until")):
                    label = f"{name} {word}{suffix}"
                    self.fields[f"{kind}_{day}_{slot}"] = forms.TimeField(
                        required=False,
                        label=label,
                        widget=forms.TimeInput(
                            attrs={"type": "time", "aria-label": label}, format="%H:%M"
                        ),
                    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for day, name in WEEKDAYS:
            for slot in range(self.SLOTS):
                start, end = data.get(f"start_{day}_{slot}"), data.get(f"end_{day}_{slot}")
                if (start is None) != (end is None) and not self.has_error(f"end_{day}_{slot}"):
                    self.add_error(f"end_{day}_{slot}", f"Give both times for {name}, or neither.")
        return data

    def periods(self) -> list[dict[str, Any]]:
        result = []
        for day, _ in WEEKDAYS:
            for slot in range(self.SLOTS):
                start = self.cleaned_data.get(f"start_{day}_{slot}")
                end = self.cleaned_data.get(f"end_{day}_{slot}")
                if start is not None and end is not None:
                    result.append({"weekday": day, "start_time": start, "end_time": end})
        return result

    def rows(self) -> list[dict[str, Any]]:
        """Per weekday its name and (start, end) bound fields per slot, for the table."""
        return [
            {
                "day": name,
                "slots": [
                    (self[f"start_{day}_{slot}"], self[f"end_{day}_{slot}"])
                    for slot in range(self.SLOTS)
                ],
            }
            for day, name in WEEKDAYS
        ]


class HolidayForm(GuardedForm):
    inputs = core_inputs.HOLIDAY
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(max_length=120)


class DueTimeForm(forms.Form):
    hours = forms.DecimalField(
        min_value=Decimal("0.25"), max_value=Decimal(10000), decimal_places=2, initial=8
    )
    start = formfields.DateTimeField(
        required=False,
        label="From",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="In the calendar's time zone; empty: now.",
    )


# --- Webhooks -------------------------------------------------------------------------------


class WebhookForm(GuardedForm):
    """A webhook subscription. The secret is never shown again: blank keeps (or generates) it."""

    inputs = core_inputs.WEBHOOK

    name = forms.CharField(max_length=120)
    # Checked by the service (scheme, form, and the outbound guard's refusal of addresses
    # that are not public, which the audit log records), not by a URLField first.
    url = forms.CharField(
        max_length=500,
        label="URL",
        widget=forms.URLInput,
        help_text="http:// or https:// address of the receiver; it must be a public address "
        "unless the operator opened it with STEWARD_OUTBOUND_ALLOW.",
    )
    record_type = forms.ChoiceField(required=False, label="Record type")
    events_text = forms.CharField(
        required=False,
        label="Events",
        help_text="Comma-separated names from the event catalog (docs/EVENTS.md), e.g. "
        "incidents.incident_request.resolved; empty for all events.",
    )
    secret = forms.CharField(
        required=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Shared secret for the HMAC signature (16+ characters). Leave empty to "
        "generate one (new subscription) or keep the current one.",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(
        self, *args: Any, instance: WebhookSubscription | None = None, **kwargs: Any
    ) -> None:
        if instance is not None:
            # Merged, not setdefault: the form views always pass an (empty) initial.
            kwargs["initial"] = {
                "name": instance.name,
                "url": instance.url,
                "record_type": instance.record_type,
                "events_text": ", ".join(instance.events or []),
                "is_active": instance.is_active,
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)
        # The record types events are published about (core.events), nothing else.
        self.fields["record_type"].choices = [("", "All record types")] + [
            (label, label) for label in events.record_types()
        ]

    def clean_events_text(self) -> str:
        text = self.cleaned_data["events_text"]
        error = webhooks.events_error([e.strip() for e in text.split(",") if e.strip()])
        if error:
            raise forms.ValidationError(error)
        return text

    def data_for_service(self) -> dict[str, Any]:
        data = {
            "name": self.cleaned_data["name"],
            "url": self.cleaned_data["url"],
            "record_type": self.cleaned_data["record_type"],
            "events": [e.strip() for e in self.cleaned_data["events_text"].split(",") if e.strip()],
            "is_active": self.cleaned_data["is_active"],
        }
        if self.cleaned_data["secret"]:
            data["secret"] = self.cleaned_data["secret"]
        return data


class ResponseTemplateForm(GuardedForm):
    """A reply or resolution template (``core.services.work``); "shared" only for those
    who maintain the shared ones."""

    inputs = core_inputs.RESPONSE_TEMPLATE
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=TemplateKind.choices, label="Used for")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        label="Text",
        help_text="Placeholders such as {{requester.first_name}} or {{number}} (listed on "
        "the page) are filled in from the record. Replies may use simple HTML.",
    )
    shared = forms.BooleanField(
        required=False, label="Shared with everyone (otherwise only you see it)"
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Offered on the forms")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not permissions.has(self.actor, work_services.SHARE):
            del self.fields["shared"]
