"""Pages: suppliers, their contacts and contracts (seed 003 ch. 4 procedure 2, Supplier
Information Maintenance): list, record with "Confirm contact details", the supplier
information form and the contact form."""

from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.urls import path, reverse, reverse_lazy

from steward.configuration.actions import SUPPLIER
from steward.configuration.filters.suppliers import SupplierFilterSet
from steward.configuration.forms.suppliers import (
    SupplierContactEditForm,
    SupplierContactForm,
    SupplierEditForm,
    SupplierForm,
)
from steward.configuration.models import SupplierDetails
from steward.configuration.queries import contracts as contract_queries
from steward.configuration.queries import suppliers as queries
from steward.configuration.services import suppliers as svc
from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.models import Organisation, Person
from steward.core.views.directory import contact_fields
from steward.core.views.patterns import (
    Action,
    Column,
    Field,
    RecordActionFormView,
    RecordDetailView,
    RecordListView,
    Related,
    ServiceFormView,
    action_urls,
)

CONTRACT_VIEW = "configuration.contract.view"
CONTRACT_CHANGE = "configuration.contract.change"


def _details(org: Organisation) -> SupplierDetails | None:
    try:
        return org.supplier_details
    except ObjectDoesNotExist:
        return None


def _supplier_url(org: Organisation) -> str:
    return reverse("configuration:supplier-detail", args=[org.pk])


def _checked(org: Organisation) -> Any:
    details = _details(org)
    return (
        details.contact_details_checked_at.date()
        if details and details.contact_details_checked_at
        else None
    )


def _currency_words(org: Organisation) -> str:
    return "Up to date" if svc.supplier_details_are_current(org) else "To check"


# --- Pages ---------------------------------------------------------------------------------


class SupplierListView(RecordListView):
    permission = svc.VIEW
    title = "Suppliers"
    query = queries.suppliers_for
    filterset_class = SupplierFilterSet
    default_sort = "name"
    create_url_name = "configuration:supplier-create"
    create_permission = svc.CHANGE
    create_label = "New supplier"
    all_columns = (
        Column("name", "Name", sort="name", url=_supplier_url),
        Column("code", "Code", sort="code", classes="hide-sm"),
        Column("supplies", "Supplies", value="supplier_details.supplies", classes="hide-sm"),
        Column("email", "Email", sort="email", classes="hide-sm"),
        Column("phone", "Phone", classes="hide-sm"),
        Column(
            "contacts",
            "Contacts",
            value="contact_count",
            sort="contact_count",
            classes="num narrow",
        ),
        Column(
            "contracts",
            "Contracts",
            value="contract_count",
            sort="contract_count",
            classes="num narrow",
        ),
        Column(
            "checked",
            "Contact details checked",
            value=_checked,
            sort="supplier_details__contact_details_checked_at",
            classes="nowrap",
        ),
        Column("is_active", "Active", sort="is_active", classes="narrow"),
    )

    @property
    def columns(self) -> tuple[Column, ...]:  # type: ignore[override]
        """The contract count only for those who may see contracts."""
        if permissions.has(self.actor, CONTRACT_VIEW):
            return self.all_columns
        return tuple(c for c in self.all_columns if c.key != "contracts")

    def get_queryset(self) -> QuerySet:
        return queries.with_counts(super().get_queryset())


class SupplierDetailView(RecordDetailView):
    permission = svc.VIEW
    template_name = "configuration/supplier_detail.html"
    query_one = queries.supplier_for
    list_url_name = "configuration:supplier-list"
    kind_label = "Supplier"
    note_permission = svc.CHANGE

    def get_title(self, obj: Organisation) -> str:
        return obj.name

    def get_fields(self, obj: Organisation) -> list[Field]:
        details = _details(obj)
        checked_by = details.contact_details_checked_by if details else None
        return [
            Field("Code", obj.code),
            Field("Supplies", details.supplies if details else ""),
            *contact_fields(obj),
            Field("Our account number", details.account_number if details else ""),
            Field("Active", obj.is_active),
            Field(
                "Contact details checked",
                details.contact_details_checked_at if details else None,
            ),
            Field("Checked by", checked_by.display_name if checked_by else None),
            Field("Address", obj.address, wide=True),
            Field("Notes", obj.notes, wide=True),
        ]

    def get_related(self, obj: Organisation) -> list[Related]:
        if not permissions.has(self.actor, CONTRACT_VIEW):
            return []
        return [
            Related(
                "Contracts and licence certificates",
                contract_queries.contracts_for(self.actor).filter(supplier=obj),
                [
                    Column("number", "Number", link=True, classes="nowrap"),
                    Column("title", "Title", link=True),
                    Column("kind", "Kind", value=lambda c: c.get_kind_display()),
                    Column("status", "Status", value="status", badge=True),
                    Column("ends_on", "Ends", classes="nowrap"),
                ],
                empty_text="No contracts with this supplier.",
                list_url=reverse("configuration:contract-list") + f"?supplier={obj.pk}",
            )
        ]

    def get_actions(self, obj: Organisation) -> list[Action]:
        return [
            Action(
                "Confirm contact details",
                reverse("configuration:supplier-confirm", args=[obj.pk]),
                svc.CHANGE,
                method="post",
                style="primary",
                confirm="Have you checked that the contact details and contacts are up to date?",
            ),
            Action("Edit", reverse("configuration:supplier-edit", args=[obj.pk]), svc.CHANGE),
            Action(
                "Add contact",
                reverse("configuration:supplier-contact-add", args=[obj.pk]),
                svc.CHANGE,
            ),
            Action(
                "New contract",
                reverse("configuration:contract-create") + f"?supplier={obj.pk}",
                CONTRACT_CHANGE,
            ),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        org = context["record"]
        context.update(
            contacts=list(queries.supplier_contacts(org)),
            details_current=svc.supplier_details_are_current(org),
            max_age_days=svc.CONTACT_DETAILS_MAX_AGE_DAYS,
            can_change=permissions.has(self.actor, svc.CHANGE, org),
        )
        return context


class SupplierCreateView(ServiceFormView):
    permission = svc.CHANGE
    form_class = SupplierForm
    cancel_url = reverse_lazy("configuration:supplier-list")
    title = "New supplier"
    submit_label = "Register supplier"
    success_message = "Supplier registered."

    def perform(self, form: forms.Form) -> Any:
        supplier = svc.supplier_register(actor=self.actor, **form.cleaned_data)
        return _supplier_url(supplier)


class SupplierEditView(RecordActionFormView):
    permission = svc.CHANGE
    form_class = SupplierEditForm
    query_one = queries.supplier_for
    title_format = "Edit {obj}"
    submit_label = "Save changes"
    success_message = "Supplier saved."

    def get_initial(self) -> dict[str, Any]:
        org = self.get_object()
        details = _details(org)
        initial = {name: getattr(org, name) for name in svc.ORGANISATION_FIELDS}
        initial.update(
            account_number=details.account_number if details else "",
            supplies=details.supplies if details else "",
        )
        return initial

    def perform(self, form: forms.Form) -> Any:
        data = dict(form.cleaned_data)
        confirm = data.pop("confirm", False)
        org = self.update_record(
            form, svc.supplier_update, "organisation_id", data=data, confirm=confirm
        )
        return _supplier_url(org)


class SupplierContactAddView(RecordActionFormView):
    permission = svc.CHANGE
    form_class = SupplierContactForm
    query_one = queries.supplier_for
    title_format = "New contact at {obj}"
    submit_label = "Add contact"
    success_message = "Contact added."

    def perform(self, form: forms.Form) -> Any:
        org = self.get_object()
        svc.supplier_contact_add(actor=self.actor, organisation_id=org.pk, **form.cleaned_data)
        return _supplier_url(org) + "#contacts"


class SupplierContactEditView(RecordActionFormView):
    permission = svc.CHANGE
    form_class = SupplierContactEditForm
    query_one = queries.supplier_for
    submit_label = "Save changes"
    success_message = "Contact saved."

    def contact(self) -> Person:
        if not hasattr(self, "_contact"):
            self._contact = queries.supplier_contact_for(
                self.actor, self.get_object(), self.kwargs["person_pk"]
            )
        return self._contact

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Edit {self.contact()} ({self.get_object()})"

    def get_initial(self) -> dict[str, Any]:
        return {name: getattr(self.contact(), name) for name in svc.CONTACT_FIELDS}

    def versioned_object(self) -> Person:
        return self.contact()  # the form edits the contact, not the supplier

    def perform(self, form: forms.Form) -> Any:
        org = self.get_object()
        svc.supplier_contact_update(
            actor=self.actor,
            organisation_id=org.pk,
            person_id=self.contact().pk,
            data=dict(form.cleaned_data),
            expected_version=self.expected_version(form),
        )
        return _supplier_url(org) + "#contacts"


urlpatterns = [
    *record_paths(
        "suppliers",
        "supplier",
        list=SupplierListView,
        create=SupplierCreateView,
        detail=SupplierDetailView,
        edit=SupplierEditView,
    ),
    *action_urls(SUPPLIER),
    path(
        "suppliers/<int:pk>/contacts/new/",
        SupplierContactAddView.as_view(),
        name="supplier-contact-add",
    ),
    path(
        "suppliers/<int:pk>/contacts/<int:person_pk>/edit/",
        SupplierContactEditView.as_view(),
        name="supplier-contact-edit",
    ),
]
