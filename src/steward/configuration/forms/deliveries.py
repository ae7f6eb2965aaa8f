"""Forms of the delivery check and the registration of the delivered CIs (seed 003 ch. 4
proc. 3): one group of fields per line item."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from steward.configuration import inputs
from steward.configuration.choices import DeliveryStatus
from steward.configuration.forms import DATE_WIDGET
from steward.configuration.models import PurchaseLineItem, PurchaseRequisition
from steward.configuration.queries import cis as cmdb_queries
from steward.core.fields import GuardedForm


class LineFormMixin:
    """Fields named ``line-<id>-<name>`` per line item, grouped for the template."""

    lines: list[PurchaseLineItem]

    def line_groups(self) -> list[dict[str, Any]]:
        form: Any = self
        return [
            {
                "line": line,
                "fields": [form[n] for n in form.fields if n.startswith(f"line-{line.pk}-")],
            }
            for line in self.lines
        ]


class DeliveryCheckForm(LineFormMixin, GuardedForm):
    """Procedure 3: the check of each line not yet delivered complete."""

    inputs = inputs.DELIVERY_CHECK

    def __init__(self, *args: Any, actor: Any, requisition: PurchaseRequisition, **kw: Any) -> None:
        super().__init__(*args, actor=actor, **kw)
        self.lines = [
            line
            for line in requisition.lines.order_by("position")
            if line.delivery_status != DeliveryStatus.COMPLETE
        ]
        choices = [c for c in DeliveryStatus.choices if c[0] != DeliveryStatus.PENDING]
        for line in self.lines:
            prefix = f"line-{line.pk}-"
            self.fields[prefix + "status"] = forms.ChoiceField(
                choices=choices, label="What arrived", initial=DeliveryStatus.COMPLETE
            )
            self.fields[prefix + "received"] = forms.IntegerField(
                min_value=0,
                max_value=line.quantity,
                required=False,
                label=f"Received in good condition (of {line.quantity})",
            )
            self.fields[prefix + "expected"] = forms.DateField(
                required=False,
                widget=DATE_WIDGET,
                label="Rest expected on",
                help_text="Ask the supplier when a delivery is not whole.",
                initial=line.expected_on,
            )
            self.fields[prefix + "note"] = forms.CharField(
                required=False, label="Note", initial=line.delivery_note
            )

    def checks(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "line": line.pk,
                "delivery_status": data[f"line-{line.pk}-status"],
                "received_quantity": data[f"line-{line.pk}-received"],
                "expected_on": data[f"line-{line.pk}-expected"],
                "note": data[f"line-{line.pk}-note"],
            }
            for line in self.lines
        ]


def _attributes(text: str) -> dict[str, str]:
    result = {}
    for row in text.splitlines():
        if not row.strip():
            continue
        key, sep, value = row.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"Write one key=value per row, not “{row.strip()}”.")
        result[key.strip()] = value.strip()
    return result


class RegisterForm(LineFormMixin, GuardedForm):
    """Procedure 3: the details of the CIs each line item becomes."""

    inputs = inputs.REGISTER_CIS

    def __init__(self, *args: Any, actor: Any, requisition: PurchaseRequisition, **kw: Any) -> None:
        super().__init__(*args, actor=actor, **kw)
        self.lines = list(requisition.lines.select_related("ci_class").order_by("position"))
        classes = cmdb_queries.ci_classes_for(actor).filter(is_active=True)
        for line in self.lines:
            prefix = f"line-{line.pk}-"
            if line.ci_class_id is None:
                self.fields[prefix + "class"] = forms.ModelChoiceField(
                    queryset=classes, label="CI class"
                )
            self.fields[prefix + "serials"] = forms.CharField(
                required=False,
                widget=forms.Textarea(attrs={"rows": min(line.quantity, 6)}),
                label=f"Serial numbers (one per row, {line.quantity})",
            )
            self.fields[prefix + "names"] = forms.CharField(
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                label="Names (one per row; empty: from the description)",
            )
            self.fields[prefix + "location"] = forms.CharField(max_length=200, required=False)
            self.fields[prefix + "attributes"] = forms.CharField(
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                label="Attributes (key=value per row)",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for line in self.lines:
            name = f"line-{line.pk}-attributes"
            try:
                data[name] = _attributes(data.get(name) or "")
            except ValidationError as exc:
                self.add_error(name, exc)
        return data

    def registrations(self) -> list[dict[str, Any]]:
        data = self.cleaned_data

        def rows(name: str) -> list[str]:
            return [r.strip() for r in (data.get(name) or "").splitlines() if r.strip()]

        result = []
        for line in self.lines:
            prefix = f"line-{line.pk}-"
            spec: dict[str, Any] = {
                "line": line.pk,
                "serial_numbers": rows(prefix + "serials"),
                "names": rows(prefix + "names"),
                "location": data.get(prefix + "location") or "",
                "attributes": data.get(prefix + "attributes") or {},
            }
            if prefix + "class" in data:
                spec["ci_class"] = data[prefix + "class"]
            result.append(spec)
        return result
