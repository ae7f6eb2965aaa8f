"""Pages: contracts and licence certificates (seed 003 ch. 4 procedure 5, Contract
Administration): list with expiry filter, record with the CIs it covers and its licence
position, the contracts form, status changes, and the licence compliance page."""

from typing import Any

from django import forms
from django.contrib import messages
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.views.generic import TemplateView

from steward.configuration.actions import CONTRACT
from steward.configuration.choices import ContractKind, ContractStatus
from steward.configuration.filters.contracts import ContractFilterSet
from steward.configuration.forms.contracts import CINumbersForm, ContractForm
from steward.configuration.models import Contract
from steward.configuration.queries import cis as cmdb_queries
from steward.configuration.queries import contracts as queries
from steward.configuration.queries.suppliers import suppliers_for
from steward.configuration.services import contracts as svc
from steward.configuration.services.suppliers import supplier_details_are_current
from steward.configuration.views import record_paths
from steward.core import permissions
from steward.core.ids import parse_id
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ServiceFormView,
    StewardPageMixin,
    action_urls,
    header_buttons,
)

C = ContractStatus

TONES.update(
    {
        "expired": "grey",
        "terminated": "grey",
        "compliant": "green",
        "under_licensed": "red",
        "over_licensed": "amber",
    }
)


def _money(contract: Contract) -> str:
    if contract.value is None:
        return ""
    return f"{contract.value:,.2f} {contract.currency}"


def _url(obj: Any) -> str:
    """The record's page; empty while its area has no page for it."""
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""


def _supplier_url(contract: Contract) -> str:
    return reverse("configuration:supplier-detail", args=[contract.supplier_id])


# --- Pages ---------------------------------------------------------------------------------


class ContractListView(RecordListView):
    permission = svc.VIEW
    title = "Contracts"
    query = queries.contracts_for
    filterset_class = ContractFilterSet
    default_sort = "ends_on"
    create_url_name = "configuration:contract-create"
    create_permission = svc.CHANGE
    create_label = "New contract"
    columns = (
        Column("number", "Number", sort="number", link=True, classes="nowrap"),
        Column("title", "Title", sort="title", link=True),
        Column(
            "kind", "Kind", value=lambda c: c.get_kind_display(), sort="kind", classes="hide-sm"
        ),
        Column(
            "supplier", "Supplier", value="supplier.name", sort="supplier__name", url=_supplier_url
        ),
        STATUS_COLUMN,
        Column("starts_on", "Starts", sort="starts_on", classes="nowrap hide-sm"),
        Column("ends_on", "Ends", sort="ends_on", classes="nowrap"),
        Column(
            "owner", "Owner", value="owner.display_name", sort="owner__last_name", classes="hide-sm"
        ),
        Column("value", "Value", value=_money, sort="value", classes="num hide-sm"),
    )

    def restrict_filters(self, filterset: Any) -> None:
        # Ids are for the API; the page offers the choices.
        for name in ("ci", "licensed_software"):
            filterset.form.fields.pop(name, None)


class ContractDetailView(RecordDetailView):
    permission = svc.VIEW
    template_name = "configuration/contract_detail.html"
    query_one = queries.contract_for
    status_field = "status"
    list_url_name = "configuration:contract-list"
    note_permission = svc.CHANGE
    accepts_attachments = True  # the signed contract, the certificate

    def get_title(self, obj: Contract) -> str:
        return obj.title

    def get_fields(self, obj: Contract) -> list[Field]:
        fields = [
            Field("Kind", obj.get_kind_display()),
            Field("Supplier", obj.supplier.name, url=_supplier_url(obj)),
            Field("Supplier's number", obj.supplier_reference),
            Field("Starts", obj.starts_on),
            Field("Ends", obj.ends_on if obj.ends_on else "Open-ended"),
            Field("Notice", f"{obj.notice_days} days" if obj.notice_days else None),
            Field("Reminder", f"{obj.remind_days_before} days before the end"),
            Field("Reminded for", obj.reminded_for_end),
            Field("Value", _money(obj) or None),
            Field("Owner", obj.owner.display_name if obj.owner_id else None),
        ]
        if obj.kind == ContractKind.LICENCE_CERTIFICATE:
            software = obj.licensed_software
            fields += [
                Field(
                    "Licensed software",
                    f"{software.number} {software.name}" if software else None,
                    url=_url(software) if software else "",
                ),
                Field("Licence counts", obj.get_licence_metric_display()),
                Field("Entitlement", obj.entitlement),
            ]
        fields.append(Field("Description", obj.description, wide=True))
        return fields

    def get_actions(self, obj: Contract) -> list[Action]:
        actions = []
        if obj.status != C.TERMINATED:
            actions.append(
                Action("Edit", reverse("configuration:contract-edit", args=[obj.pk]), svc.CHANGE)
            )
        return actions + header_buttons(CONTRACT, self.actor, obj)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        contract: Contract = context["record"]
        editable = contract.status != C.TERMINATED and permissions.has(
            self.actor, svc.CHANGE, contract
        )
        compliance = None
        if contract.kind == ContractKind.LICENCE_CERTIFICATE and contract.licensed_software_id:
            rows = svc.licence_compliance(
                actor=self.actor, software_ids=[contract.licensed_software_id]
            )
            compliance = rows[0] if rows else None
        context.update(
            cis=[
                {"obj": ci, "url": _url(ci)}
                for ci in cmdb_queries.cis_for(self.actor)
                .filter(contracts=contract)
                .order_by("name", "pk")
            ],
            cis_editable=editable,
            ci_form=self.failed_form("link-cis", kwargs)
            or (CINumbersForm(actor=self.actor) if editable else None),
            compliance=compliance,
            supplier_current=supplier_details_are_current(contract.supplier),
        )
        return context


class ContractCreateView(ServiceFormView):
    permission = svc.CHANGE
    form_class = ContractForm
    cancel_url = reverse_lazy("configuration:contract-list")
    title = "New contract or licence certificate"
    submit_label = "Register"
    success_message = "Contract registered."

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {"status": C.ACTIVE, "currency": "EUR"}
        wanted = parse_id(self.request.GET.get("supplier"))
        if wanted is not None and suppliers_for(self.actor).filter(pk=wanted).exists():
            initial["supplier"] = wanted
        return initial

    def perform(self, form: forms.Form) -> Any:
        assert isinstance(form, ContractForm)
        contract = svc.contract_register(actor=self.actor, **form.service_data())
        if not supplier_details_are_current(contract.supplier):
            messages.warning(
                self.request,
                f"The contact details of {contract.supplier} have not been confirmed this "
                "year: check them (procedure 2).",
            )
        return contract


class ContractEditView(RecordEditView):
    permission = svc.CHANGE
    form_class = ContractForm
    query_one = queries.contract_for
    success_message = "Contract saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"editing": True}

    def get_initial(self) -> dict[str, Any]:
        contract = self.get_object()
        initial = {name: getattr(contract, name) for name in svc.EDITABLE_FIELDS}
        for name in ("supplier", "owner", "licensed_software"):
            initial[name] = getattr(contract, f"{name}_id")
        return initial

    def perform(self, form: forms.Form) -> Any:
        assert isinstance(form, ContractForm)
        return self.update_record(
            form, svc.contract_update, "contract_id", data=form.service_data()
        )


class LicenceComplianceView(StewardPageMixin, TemplateView):
    """Entitled vs installed per licensed software CI; ``?status=`` narrows the table."""

    permission = svc.VIEW
    template_name = "configuration/licence_compliance.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = svc.licence_compliance(actor=self.actor)
        wanted = self.request.GET.get("status", "")
        counts = {value: 0 for value in svc.Compliance.values}
        for row in rows:
            counts[row.status] += 1
        if wanted in svc.Compliance.values:
            rows = [row for row in rows if row.status == wanted]
        else:
            wanted = ""
        context.update(
            title="Licence compliance",
            rows=[{"row": row, "url": _url(row.software)} for row in rows],
            wanted=wanted,
            statuses=[
                {"value": value, "label": label, "count": counts[value]}
                for value, label in svc.Compliance.choices
            ],
        )
        return context


urlpatterns = [
    *record_paths(
        "contracts",
        "contract",
        list=ContractListView,
        create=ContractCreateView,
        detail=ContractDetailView,
        edit=ContractEditView,
    ),
    *action_urls(CONTRACT, page=ContractDetailView),
    path("licence-compliance/", LicenceComplianceView.as_view(), name="licence-compliance"),
]
