"""Forms of the CMDB pages. They parse input; the services validate again and write
(seed 003 ch. 4, procedures 3 and 4)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from steward.configuration import inputs
from steward.configuration.choices import AttributeType, CIStatus
from steward.configuration.forms import DATE_WIDGET
from steward.configuration.models import CIClass, ConfigurationItem, RelationshipType
from steward.configuration.queries import cis as queries
from steward.configuration.services.cis import change_of, definitions_for
from steward.core import formfields
from steward.core import queries as core_queries
from steward.core.fields import GuardedForm
from steward.core.models import Person, SupportGroup
from steward.service_level.models import Service
from steward.service_level.queries import services_for

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

CI_FIELDS = (
    "name", "status", "owner", "support_group", "serial_number", "version", "location",
    "description", "service",
)  # fmt: skip


def attribute_field(definition: Any) -> forms.Field:
    """A form field for one attribute definition; the service coerces and checks again."""
    common: dict[str, Any] = {
        "label": definition.label,
        "required": definition.mandatory,
        "help_text": definition.help_text,
    }
    kind = definition.type
    if kind == AttributeType.INTEGER:
        return forms.IntegerField(**common)
    if kind == AttributeType.DECIMAL:
        return forms.DecimalField(**common)
    if kind == AttributeType.BOOLEAN:
        # A select, not a checkbox: "not recorded" differs from "no".
        return forms.NullBooleanField(
            widget=forms.Select(choices=[("", "Not recorded"), ("true", "Yes"), ("false", "No")]),
            **common,
        )
    if kind == AttributeType.DATE:
        return forms.DateField(widget=DATE_WIDGET, **common)
    if kind == AttributeType.CHOICE:
        choices = [("", "—")] + [(c, c) for c in definition.choices]
        return forms.ChoiceField(choices=choices, **common)
    if kind == AttributeType.URL:
        return forms.URLField(assume_scheme="https", **common)
    return forms.CharField(max_length=500, **common)


def change_field() -> forms.CharField:
    return forms.CharField(
        max_length=20,
        required=False,
        label="Change",
        help_text="The change (CHG…) this is done under: linked from the CI's history.",
    )


class ChangeCleaned:
    """``clean_change``: the number typed, as the change it names (None: no change)."""

    actor: Any
    cleaned_data: dict[str, Any]

    def clean_change(self) -> Any:
        number = (self.cleaned_data.get("change") or "").strip().upper()
        if not number:
            return None
        try:
            change, _ = change_of(self.actor, number)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict.get("change", error.messages)) from None
        return change


class CIForm(ChangeCleaned, GuardedForm):
    """The CI form: the common fields plus one field per attribute of the CI's class
    (named ``attr__<key>``), including the attributes its class inherits."""

    inputs = inputs.CI

    name = forms.CharField(max_length=200)
    status = forms.ChoiceField(choices=CIStatus.choices, initial=CIStatus.IN_PRODUCTION)
    owner = forms.ModelChoiceField(queryset=Person.objects.none(), required=False)
    support_group = forms.ModelChoiceField(queryset=SupportGroup.objects.none(), required=False)
    serial_number = forms.CharField(max_length=100, required=False)
    version = forms.CharField(max_length=60, required=False)
    location = forms.CharField(max_length=200, required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        required=False,
        help_text="Only for the CI that stands for a business service.",
    )
    cause = forms.CharField(
        max_length=40,
        required=False,
        label="Change or task",
        help_text="The change or task number this registration or update belongs to.",
    )
    change = change_field()

    def __init__(self, *args: Any, actor: Person, ci_class: CIClass, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.ci_class = ci_class
        self.fields["owner"].queryset = core_queries.people_for(actor).filter(is_active=True)
        self.fields["support_group"].queryset = core_queries.groups_for(actor)
        self.fields["service"].queryset = services_for(actor)
        self.definitions = definitions_for(ci_class)
        for definition in self.definitions:
            self.fields[f"attr__{definition.key}"] = attribute_field(definition)

    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[f"attr__{d.key}"] for d in self.definitions]

    def common_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in (*CI_FIELDS, "cause", "change")]

    def attributes(self) -> dict[str, Any]:
        """The attribute values as the service takes them (None removes one)."""
        values: dict[str, Any] = {}
        for definition in self.definitions:
            value = self.cleaned_data.get(f"attr__{definition.key}")
            values[definition.key] = None if value in ("", None) else value
        return values

    def add_error(self, field: str | None, error: Any) -> None:
        # The service names attribute errors "attributes.<key>"; show them on their field.
        if field and field.startswith("attributes."):
            candidate = "attr__" + field.removeprefix("attributes.")
            field = candidate if candidate in self.fields else None
        super().add_error(field, error)


class ClassChoiceForm(forms.Form):
    ci_class = forms.ModelChoiceField(queryset=CIClass.objects.none(), label="Class")

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ci_class"].queryset = queries.ci_classes_for(actor).filter(is_active=True)


class RelationshipForm(ChangeCleaned, GuardedForm):
    """Link this CI to another one, found by its number (a list of 100,000 CIs is no menu)."""

    inputs = inputs.RELATIONSHIP

    direction = forms.ChoiceField(
        choices=[("out", "This CI … the other CI"), ("in", "The other CI … this CI")],
        initial="out",
        widget=forms.RadioSelect,
    )
    type = forms.ModelChoiceField(queryset=RelationshipType.objects.none())
    other = forms.CharField(
        max_length=20, label="Other CI number", help_text="For example CI000123."
    )
    cause = forms.CharField(max_length=40, required=False, label="Change or task")
    change = change_field()

    def __init__(self, *args: Any, actor: Person, ci: ConfigurationItem, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.actor, self.ci = actor, ci
        self.fields["type"].queryset = RelationshipType.objects.order_by("name")

    def clean_other(self) -> ConfigurationItem:
        number = self.cleaned_data["other"].strip().upper()
        other = queries.cis_for(self.actor).filter(number=number).first()
        if other is None:
            raise forms.ValidationError(f"There is no configuration item {number}.")
        if other.pk == self.ci.pk:
            raise forms.ValidationError("A CI cannot be related to itself.")
        return other


class AsOfForm(forms.Form):
    at = formfields.DateTimeField(
        label="Show as it was at",
        widget=DATETIME_WIDGET,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


class RelationshipEndForm(ChangeCleaned, GuardedForm):
    inputs = inputs.RELATIONSHIP_END
    cause = forms.CharField(max_length=40, required=False)
    change = change_field()
