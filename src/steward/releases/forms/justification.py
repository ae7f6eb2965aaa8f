"""Page forms of Business Justification (seed 003 ch. 10 proc. 3): the decision, the
business case (prepare, edit a draft, adjust after a rejection), the approver's decision
and abandoning the release. They parse input; the services validate again and write."""

from decimal import Decimal
from typing import Any

from django import forms

from steward.core.fields import GuardedForm
from steward.releases import inputs, rules
from steward.releases.forms.releases import money_field, text


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except ArithmeticError:
        return None


def decision_preview(release: Any) -> str:
    """What ``rules.justification_decision`` decides with the release's figures now."""
    cost, budget = release.estimated_cost, release.available_budget
    if cost is None:
        return "Enter the estimated cost: the decision needs it."
    decision = rules.justification_decision(estimated_cost=cost, available_budget=budget)
    if decision == rules.JustificationDecision.CANCEL:
        return (f"With these figures: no business case. The service owner's budget "
                f"{budget:,.2f} covers the cost {cost:,.2f}, the release goes to "
                "coordination.")  # fmt: skip
    shown = "unknown" if budget is None else f"{budget:,.2f}"
    return (f"With these figures: a business case is required. The service owner's budget "
            f"({shown}) does not cover the cost {cost:,.2f}.")  # fmt: skip


class JustifyForm(GuardedForm):
    """Proc. 3: decide whether the release needs a business case."""

    inputs = inputs.RELEASE_JUSTIFY

    estimated_cost = money_field("Estimated cost")
    available_budget = money_field(
        "Service owner's available budget", help_text="Empty: no budget is known to cover it."
    )
    budget_reference = forms.CharField(max_length=60, required=False,
                                       help_text="For Financial Management.")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.record is not None:
            self.fields["estimated_cost"].help_text = decision_preview(self.record)


def justify_initial(release: Any) -> dict[str, Any]:
    return {name: getattr(release, name) for name in JustifyForm.base_fields}


def justify_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "estimated_cost": data.get("estimated_cost"),
        "available_budget": data.get("available_budget"),
        "budget_reference": data.get("budget_reference") or "",
    }


class BusinessCaseForm(GuardedForm):
    """Proc. 3: the business case's costs, benefits and the budget it asks for."""

    inputs = inputs.BUSINESS_CASE_PREPARE

    costs = money_field("Costs", help_text="What implementing the release costs.")
    budget_requested = money_field("Budget requested",
                                   help_text="The budget to be made available for it.")  # fmt: skip
    budget_reference = forms.CharField(max_length=60, required=False,
                                       help_text="For Financial Management.")  # fmt: skip
    benefits = forms.CharField(widget=text(4), max_length=20000,
                               help_text="What the release brings for its cost.")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["costs"].required = True
        self.fields["budget_requested"].required = True


def prepare_initial(release: Any) -> dict[str, Any]:
    """The release's figures: its cost, and what its service owner's budget leaves."""
    cost, budget = release.estimated_cost, release.available_budget or Decimal(0)
    return {
        "costs": cost,
        "budget_requested": max(cost - budget, Decimal(0)) if cost is not None else None,
        "budget_reference": release.budget_reference,
    }


class BusinessCaseEditForm(BusinessCaseForm):
    """A draft business case, completed before its approval is requested."""

    inputs = inputs.BUSINESS_CASE_UPDATE

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def case_initial(case: Any) -> dict[str, Any]:
    return {name: getattr(case, name) for name in BusinessCaseForm.base_fields}


class AdjustForm(GuardedForm):
    """Proc. 3: the rejected case adjusted, a new round (empty fields are copied)."""

    inputs = inputs.BUSINESS_CASE_ADJUST

    costs = money_field("Costs")
    budget_requested = money_field("Budget requested")
    budget_reference = forms.CharField(max_length=60, required=False)
    benefits = forms.CharField(widget=text(4), max_length=20000, required=False,
                               help_text="Empty: as in the rejected case.")  # fmt: skip


def adjust_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {name: (value if value not in ("",) else None) for name, value in data.items()}


class ApproveForm(GuardedForm):
    inputs = inputs.BUSINESS_CASE_DECIDE

    note = forms.CharField(widget=text(2), max_length=20000, required=False,
                           help_text="Conditions or remarks for the release coordinator.")  # fmt: skip


class RejectForm(GuardedForm):
    inputs = inputs.BUSINESS_CASE_DECIDE

    note = forms.CharField(widget=text(2), max_length=20000, label="Why it is rejected",
                           help_text="The release coordinator reads it to adjust the case.")  # fmt: skip


class AbandonForm(GuardedForm):
    """Proc. 3: no adjusted business case could be approved: abandon the release."""

    inputs = inputs.RELEASE_ABANDON

    reason = forms.CharField(widget=text(2), max_length=20000, label="Why it is abandoned",
                             help_text="The requesters are told the business case was "
                             "rejected.")  # fmt: skip
