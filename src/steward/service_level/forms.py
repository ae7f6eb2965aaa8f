"""Forms of the Service Level Management pages. They parse input; the services validate
again and write (seed 003 ch. 11)."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from steward.core import formfields
from steward.core import queries as core_queries
from steward.core.choices import OrganisationKind, Priority, Role
from steward.core.fields import GuardedForm
from steward.core.ids import MAX_INT
from steward.core.models import BusinessCalendar, Organisation, Person, SupportGroup
from steward.service_level import inputs, queries
from steward.service_level.choices import (
    DURATION_KINDS,
    AgreementKind,
    ApprovalDecision,
    RequestFieldKind,
    SignatoryRole,
    TargetKind,
    Visibility,
)
from steward.service_level.models import CatalogItemTemplate
from steward.service_level.services._common import MAX_TARGET_SECONDS

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _organisations(actor: Person, kind: str) -> Any:
    return core_queries.organisations_for(actor).filter(kind=kind, is_active=True)


def _staff(actor: Person) -> Any:
    """People of the provider who may own a service or sign for it."""
    return (
        core_queries.people_for(actor)
        .filter(is_active=True, memberships__organisation__kind=OrganisationKind.PROVIDER)
        .distinct()
    )


class ServiceForm(GuardedForm):
    """The Business Service form (seed 003 ch. 11 proc. 2)."""

    inputs = inputs.SERVICE

    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.ModelChoiceField(queryset=Person.objects.none(), required=False)
    provider = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    service_hours = forms.ModelChoiceField(
        queryset=BusinessCalendar.objects.none(),
        required=False,
        help_text="The business calendar response and resolution times are counted in.",
    )
    supporting_services = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )

    def __init__(self, *args: Any, actor: Person, service: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["owner"].queryset = _staff(actor)
        self.fields["provider"].queryset = _organisations(actor, OrganisationKind.PROVIDER)
        self.fields["service_hours"].queryset = core_queries.calendars_for(actor)
        others = queries.services_for(actor)
        if service is not None:
            others = others.exclude(pk=service.pk)
        self.fields["supporting_services"].queryset = others


class CatalogItemForm(GuardedForm):
    """A catalog item, prepared from the template or by copying a similar item (proc. 1)."""

    inputs = inputs.CATALOG_ITEM

    service = forms.ModelChoiceField(queryset=None)
    name = forms.CharField(max_length=200)
    template = forms.ModelChoiceField(
        queryset=CatalogItemTemplate.objects.filter(is_active=True),
        required=False,
        help_text="Starts the targets from the Catalog Item Template.",
    )
    copy_of = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Copy of",
        help_text="Or copy a similar catalog item (its texts, charge and targets).",
    )
    summary = forms.CharField(max_length=300, required=False)
    category = forms.CharField(max_length=100, required=False)
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)
    customer = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        help_text="Required for a private (one-off) item: the only customer who sees it.",
    )
    target_customers = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text="Customers whose requirements it covers; their service level managers approve it.",
    )
    charge = forms.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=0)
    charge_unit = forms.CharField(
        max_length=50, required=False, help_text='e.g. "per user per month"'
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    request_instructions = forms.CharField(
        required=False,
        label="How to request",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, actor: Person, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["service"].queryset = queries.services_for(actor)
        customers = _organisations(actor, OrganisationKind.CUSTOMER)
        self.fields["customer"].queryset = customers
        self.fields["target_customers"].queryset = customers
        if editing:
            # The origin of an item is fixed once it is prepared.
            del self.fields["template"], self.fields["copy_of"]
        else:
            self.fields["copy_of"].queryset = queries.catalog_items_for(actor)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("visibility") == Visibility.PRIVATE and not data.get("customer"):
            self.add_error("customer", "A private item is for one customer: choose it.")
        if data.get("visibility") == Visibility.PUBLIC:
            data["customer"] = None
        return data


class DecisionForm(GuardedForm):
    inputs = inputs.CATALOG_DECISION
    decision = forms.ChoiceField(
        choices=[c for c in ApprovalDecision.choices if c[0] != ApprovalDecision.PENDING]
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What must change, or why…"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("decision") in (ApprovalDecision.ADJUST, ApprovalDecision.REJECTED)
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", "Say what must change or why you reject it.")
        return data


class ReasonForm(GuardedForm):
    """A required reason; each use below says who reads it."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class OptionalReasonForm(GuardedForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )


class AgreementTerminateForm(ReasonForm):
    inputs = inputs.AGREEMENT_TERMINATE


class CatalogFailForm(ReasonForm):
    inputs = inputs.CATALOG_FAIL


class CatalogDiscontinueForm(OptionalReasonForm):
    inputs = inputs.CATALOG_DISCONTINUE


class ServiceDiscontinueForm(OptionalReasonForm):
    inputs = inputs.SERVICE_STATUS


class AgreementForm(GuardedForm):
    """The Service Level Agreement Template (proc. 2), also for OLAs and contracts."""

    inputs = inputs.AGREEMENT

    kind = forms.ChoiceField(choices=AgreementKind.choices, initial=AgreementKind.SLA)
    name = forms.CharField(max_length=200)
    service = forms.ModelChoiceField(queryset=None)
    catalog_item = forms.ModelChoiceField(
        queryset=None, required=False, help_text="The level the customer subscribes to."
    )
    customer = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, help_text="For an SLA."
    )
    support_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.none(), required=False, help_text="For an OLA."
    )
    supplier = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        help_text="For an underpinning contract.",
    )
    term_start = forms.DateField(widget=DATE_WIDGET)
    term_end = forms.DateField(
        widget=DATE_WIDGET, required=False, help_text="Blank: until terminated."
    )
    evaluation_months = forms.IntegerField(min_value=1, max_value=36, initial=3)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, actor: Person, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["service"].queryset = queries.services_for(actor)
        self.fields["catalog_item"].queryset = queries.catalog_items_for(actor)
        self.fields["customer"].queryset = _organisations(actor, OrganisationKind.CUSTOMER)
        self.fields["supplier"].queryset = _organisations(actor, OrganisationKind.SUPPLIER)
        self.fields["support_group"].queryset = core_queries.groups_for(actor).filter(
            is_active=True
        )
        if editing:
            # Kind and parties decide the number and the signatories: fixed after creation.
            for name in ("kind", "service", "customer", "support_group", "supplier"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        party = {
            AgreementKind.SLA: "customer",
            AgreementKind.OLA: "support_group",
            AgreementKind.UC: "supplier",
        }.get(data.get("kind", ""))
        if party and not data.get(party):
            self.add_error(party, f"An agreement of this kind needs its {party.replace('_', ' ')}.")
        start, end = data.get("term_start"), data.get("term_end")
        if start and end and end < start:
            self.add_error("term_end", "The term cannot end before it starts.")
        return data


class TargetForm(GuardedForm):
    """One service level target; durations are entered in hours (business hours for
    response and resolution)."""

    inputs = inputs.TARGET

    kind = forms.ChoiceField(choices=TargetKind.choices)
    priority = forms.ChoiceField(
        choices=[("", "—"), *Priority.choices],
        required=False,
        help_text="For response and resolution times.",
    )
    hours = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal(MAX_TARGET_SECONDS // 3600),
        max_digits=10,
        decimal_places=2,
        help_text="Response, resolution, RTO and RPO.",
    )
    target_percent = forms.DecimalField(
        required=False,
        label="Percent",
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=3,
        help_text="Availability.",
    )
    target_count = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_INT,
        label="Count",
        help_text="Maximum outages per period.",
    )
    warning_percent = forms.IntegerField(min_value=1, max_value=99, initial=75)
    description = forms.CharField(max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if kind in DURATION_KINDS and data.get("hours") is None:
            self.add_error("hours", "Give the time in hours.")
        if kind == TargetKind.AVAILABILITY and data.get("target_percent") is None:
            self.add_error("target_percent", "Give the availability in percent.")
        if kind == TargetKind.MAX_OUTAGES and data.get("target_count") is None:
            self.add_error("target_count", "Give the maximum number of outages.")
        return data


def target_arguments(data: Mapping[str, Any]) -> dict[str, Any]:
    """A ``TargetForm``'s cleaned data as ``target_add`` keyword arguments."""
    hours = data.get("hours")
    return {
        "kind": data["kind"],
        "priority": data.get("priority") or "",
        "target_seconds": int(hours * 3600) if hours is not None else None,
        "target_percent": data.get("target_percent"),
        "target_count": data.get("target_count"),
        "warning_percent": data.get("warning_percent") or 75,
        "description": data.get("description") or "",
    }


class SignForm(GuardedForm):
    """A signature (or a refusal) on an agreement; the administrator may record one made
    on paper for someone else."""

    inputs = inputs.SIGN

    role = forms.ChoiceField(choices=SignatoryRole.choices)
    signed = forms.TypedChoiceField(
        choices=[("yes", "Sign"), ("no", "Decline")], coerce=lambda v: v == "yes"
    )
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    person = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        required=False,
        help_text="Recording a signature given on paper: who signed.",
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["person"].queryset = core_queries.people_for(actor).filter(is_active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("signed") is False and not (data.get("comment") or "").strip():
            self.add_error("comment", "Say why the agreement is not signed.")
        return data


class ContactsForm(GuardedForm):
    """Customer representatives and service level managers of one customer (proc. 3)."""

    inputs = inputs.CONTACTS

    representatives = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="People of the customer who speak and sign for it.",
    )
    service_level_managers = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Provider staff who review this customer's SLAs.",
    )

    def __init__(self, *args: Any, actor: Person, organisation: Organisation, **kwargs: Any):
        super().__init__(*args, actor=actor, **kwargs)
        people = core_queries.people_for(actor).filter(is_active=True)
        self.fields["representatives"].queryset = people.filter(
            memberships__organisation=organisation
        ).distinct()
        self.fields["service_level_managers"].queryset = people.filter(
            Q(memberships__organisation__kind=OrganisationKind.PROVIDER)
            | Q(role_assignments__role=Role.SERVICE_LEVEL_MANAGER)
        ).distinct()


class OutageForm(GuardedForm):
    inputs = inputs.OUTAGE
    service = forms.ModelChoiceField(queryset=None)
    started_at = formfields.DateTimeField(widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS)
    ended_at = formfields.DateTimeField(
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
        required=False,
        help_text="Blank while the outage lasts.",
    )
    degraded = forms.BooleanField(required=False, label="Degraded, not down")
    planned = forms.BooleanField(required=False, label="Planned (maintenance)")
    source_reference = forms.CharField(
        max_length=40, required=False, help_text="Number of the incident or change."
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["service"].queryset = queries.services_for(actor)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("started_at"), data.get("ended_at")
        if start and end and end <= start:
            self.add_error("ended_at", "The end must be after the start.")
        return data


# --- SLA reviews ------------------------------------------------------------------------------------


class ScheduleForm(GuardedForm):
    inputs = inputs.REVIEW_SCHEDULE
    customer = forms.ModelChoiceField(queryset=None, label="Customer")
    term_start = forms.DateField(
        label="Term starts", widget=forms.DateInput(attrs={"type": "date"})
    )
    term_end = forms.DateField(label="Term ends", widget=forms.DateInput(attrs={"type": "date"}))
    meeting_at = formfields.DateTimeField(
        label="Meeting with the customer representative",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Preferably within a month after the end of the term.",
    )

    def __init__(self, *args: Any, customers: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers


class MeetingForm(GuardedForm):
    inputs = inputs.REVIEW_MEETING
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=50000)
    improvement_suggestions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=20000
    )
    request_references = forms.CharField(
        label="Incident requests registered",
        required=False,
        max_length=2000,
        help_text="Numbers of the requests registered from the customer's requests, "
        "separated by commas (e.g. INC000123, INC000124).",
    )


class SuggestionsForm(GuardedForm):
    inputs = inputs.REVIEW_SUGGESTIONS
    improvement_suggestions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=20000
    )


class ExplainForm(GuardedForm):
    inputs = inputs.VIOLATION
    explanation = forms.CharField(
        label="Why was the target violated?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20000,
    )
    remedy = forms.CharField(
        label="How will it not happen again?",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
    )


# --- Request types of catalog items (issue 13) --------------------------------------------


class RequestTypeForm(GuardedForm):
    inputs = inputs.REQUEST_TYPE
    # The version the form was opened at; the view hands it to the service (a stale save
    # is refused there).
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Shown above the form."
    )
    position = forms.IntegerField(min_value=0, max_value=1000, initial=0, help_text="Lower first.")
    is_active = forms.BooleanField(required=False, initial=True, label="Offered in the catalog")
    creates_change_request = forms.BooleanField(
        required=False,
        label="Send a request for change",
        help_text="Submitting it also sends a request for change to Change Management.",
    )


class RequestFieldForm(GuardedForm):
    inputs = inputs.REQUEST_FIELD
    label = forms.CharField(max_length=200, required=False)
    kind = forms.ChoiceField(choices=RequestFieldKind.choices, initial=RequestFieldKind.TEXT)
    required = forms.BooleanField(required=False)
    help = forms.CharField(max_length=300, required=False)
    options = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Choice fields: one option a line.",
    )


RequestFieldFormSet = forms.formset_factory(RequestFieldForm, extra=3, can_delete=True, max_num=40)


def field_specs(formset: Any) -> list[dict[str, Any]]:
    """The fields a request type form's rows describe (rows without a label are unused)."""
    return [
        {k: v for k, v in row.cleaned_data.items() if k != "DELETE"}
        for row in formset.forms
        if row.cleaned_data.get("label") and not row.cleaned_data.get("DELETE")
    ]
