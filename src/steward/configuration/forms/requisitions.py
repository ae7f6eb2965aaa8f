"""Forms of the purchase requisition pages: the requisition, quotes, approval, decision,
order and the reasons for cancelling or rejecting (seed 003 ch. 4 proc. 1)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from steward.configuration import inputs
from steward.configuration.choices import Decision
from steward.configuration.forms import DATE_WIDGET
from steward.configuration.models import CIClass, PurchaseRequisition
from steward.configuration.queries import requisitions as queries
from steward.configuration.services import requisitions as svc
from steward.core.fields import GuardedForm
from steward.core.ids import MAX_INT, parse_id

LINES_HELP = (
    "One line item per row: quantity | description | CI class code (optional) | unit price "
    "(optional), e.g. “2 | Dell PowerEdge R760 | server | 8450.00”."
)


def parse_lines(text: str) -> list[dict[str, Any]]:
    """The line items of the create/edit form; ValidationError naming the bad rows."""
    classes = {c.code: c for c in CIClass.objects.filter(is_active=True)}
    specs, errors = [], []
    rows = [row for row in text.splitlines() if row.strip()]
    for number, row in enumerate(rows, start=1):
        parts = [p.strip() for p in row.split("|")]
        if len(parts) < 2 or len(parts) > 4:
            errors.append(f"Row {number}: write quantity | description [| class | price].")
            continue
        quantity, description = parts[0], parts[1]
        code = parts[2] if len(parts) > 2 else ""
        price = parts[3] if len(parts) > 3 else ""
        count = parse_id(quantity)  # a whole number from 1, ASCII digits only
        if count is None or count > MAX_INT:
            errors.append(f"Row {number}: the quantity is a whole number of at least 1.")
            continue
        if not description:
            errors.append(f"Row {number}: say what to buy.")
            continue
        if code and code not in classes:
            errors.append(f"Row {number}: there is no CI class with code “{code}”.")
            continue
        try:
            unit_price = Decimal(price.replace(",", "")) if price else None
        except InvalidOperation:
            errors.append(f"Row {number}: the unit price is a number.")
            continue
        specs.append(
            {
                "quantity": count,
                "description": description,
                "ci_class": classes.get(code),
                "unit_price": unit_price,
            }
        )
    if errors:
        raise ValidationError(errors)
    if not specs:
        raise ValidationError("Add at least one line item.")
    return specs


def lines_text(requisition: PurchaseRequisition) -> str:
    rows = []
    for line in requisition.lines.select_related("ci_class"):
        parts = [str(line.quantity), line.description]
        if line.ci_class_id or line.unit_price is not None:
            parts.append(line.ci_class.code if line.ci_class_id else "")
        if line.unit_price is not None:
            parts.append(str(line.unit_price))
        rows.append(" | ".join(parts))
    return "\n".join(rows)


class RequisitionForm(GuardedForm):
    """The purchase requisition form (seed 003 ch. 4 proc. 1)."""

    inputs = inputs.REQUISITION

    title = forms.CharField(max_length=200)
    task_reference = forms.CharField(
        max_length=40, required=False, help_text="The change or task that asks for the CIs."
    )
    change_coordinator = forms.ModelChoiceField(
        queryset=None, help_text="Told when the delivery is late or incomplete."
    )
    justification = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    suppliers = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="The suppliers to ask for quotes; their contact details must be registered.",
    )
    purchasing_agent = forms.ModelChoiceField(queryset=None, required=False)
    currency = forms.CharField(max_length=3, initial="EUR")
    needed_by = forms.DateField(required=False, widget=DATE_WIDGET)
    lines = forms.CharField(
        label="Line items", widget=forms.Textarea(attrs={"rows": 5}), help_text=LINES_HELP
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["change_coordinator"].queryset = queries.change_coordinators_for(actor)
        self.fields["suppliers"].queryset = queries.requisition_suppliers_for(actor)
        self.fields["purchasing_agent"].queryset = queries.people_holding(actor, svc.PURCHASE)

    def clean_lines(self) -> list[dict[str, Any]]:
        return parse_lines(self.cleaned_data["lines"])

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["suppliers"] = list(data["suppliers"] or [])
        return data


class ReasonForm(GuardedForm):
    inputs = inputs.REQUISITION_REASON

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class QuoteForm(GuardedForm):
    inputs = inputs.QUOTE

    supplier = forms.ModelChoiceField(
        queryset=None, help_text="A supplier not asked before is added to the requisition."
    )
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = forms.CharField(max_length=3, required=False, help_text="Empty: the requisition's.")
    reference = forms.CharField(max_length=100, required=False, label="Quote reference")
    valid_until = forms.DateField(required=False, widget=DATE_WIDGET)
    delivery_days = forms.IntegerField(min_value=0, max_value=32767, required=False)
    selected = forms.BooleanField(required=False, label="Select this quote")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, actor: Any, requisition: PurchaseRequisition, **kw: Any) -> None:
        super().__init__(*args, actor=actor, **kw)
        self.fields["supplier"].queryset = queries.requisition_suppliers_for(actor)


class ApprovalRequestForm(GuardedForm):
    inputs = inputs.APPROVAL_REQUEST

    quote = forms.ModelChoiceField(queryset=None, label="Quote to approve")
    approvers = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Financial manager, IT controller and/or IT director.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, actor: Any, requisition: PurchaseRequisition, **kw: Any) -> None:
        super().__init__(*args, actor=actor, **kw)
        quotes = requisition.quotes.select_related("supplier")
        self.fields["quote"].queryset = quotes
        self.fields["quote"].initial = next((q.pk for q in quotes if q.selected), None)
        self.fields["approvers"].queryset = queries.people_holding(actor, svc.APPROVE)


class DecisionForm(GuardedForm):
    inputs = inputs.PURCHASE_DECISION

    decision = forms.ChoiceField(
        choices=[(Decision.APPROVED, "Approve"), (Decision.REJECTED, "Reject")]
    )
    comment = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Why…"})
    )


class OrderForm(GuardedForm):
    inputs = inputs.ORDER

    order_reference = forms.CharField(max_length=100, label="Purchase order number")
