"""Forms of the supplier pages (seed 003 ch. 4 proc. 2, Supplier Information Maintenance)."""

from typing import Any

from django import forms

from steward.configuration import inputs
from steward.core.fields import GuardedForm


class SupplierForm(GuardedForm):
    """The supplier information form (procedure 2)."""

    inputs = inputs.SUPPLIER

    name = forms.CharField(max_length=200)
    code = forms.SlugField(
        max_length=40,
        required=False,
        help_text="Short code for reports; made from the name if empty.",
    )
    supplies = forms.CharField(
        max_length=200, required=False, help_text="What they supply: hardware, licences, support."
    )
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=50, required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    account_number = forms.CharField(
        max_length=60, required=False, help_text="Our customer number at the supplier."
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SupplierEditForm(SupplierForm):
    code = forms.SlugField(max_length=40, help_text="Short code used in reports.")
    is_active = forms.BooleanField(
        required=False, label="Active", help_text="Clear when we no longer buy from them."
    )
    confirm = forms.BooleanField(
        required=False,
        label="These contact details are up to date",
        help_text="Records that you checked them today.",
    )


class SupplierContactForm(GuardedForm):
    inputs = inputs.SUPPLIER_CONTACT

    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    job_title = forms.CharField(max_length=120, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=50, required=False)
    mobile = forms.CharField(max_length=50, required=False)
    location = forms.CharField(max_length=120, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("first_name") or "").strip() and not (data.get("last_name") or "").strip():
            self.add_error("last_name", "Give the contact's name.")
        return data


class SupplierContactEditForm(SupplierContactForm):
    is_active = forms.BooleanField(
        required=False, label="Still works for the supplier", initial=True
    )
