"""The action tables of Configuration Management (``core.actions``): the buttons of the CI,
contract, requisition and supplier pages (seed 003 ch. 4), each with its page URL (the
names the templates use) and, where the API has the same step, its
``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse

from steward.configuration import workflows
from steward.configuration.choices import ContractStatus
from steward.configuration.choices import RequisitionStatus as R
from steward.configuration.forms.cis import RelationshipEndForm
from steward.configuration.forms.contracts import CINumbersForm, ReasonForm
from steward.configuration.forms.requisitions import DecisionForm as RequisitionDecisionForm
from steward.configuration.queries import cis as ci_queries
from steward.configuration.queries import contracts as contract_queries
from steward.configuration.queries import requisitions as requisition_queries
from steward.configuration.queries import suppliers as supplier_queries
from steward.configuration.services import cis as ci_svc
from steward.configuration.services import contracts as contract_svc
from steward.configuration.services import deliveries as deliveries_svc
from steward.configuration.services import requisitions as requisition_svc
from steward.configuration.services import suppliers as supplier_svc
from steward.core import permissions
from steward.core.actions import Action, ActionTable, leading_to

_API = "steward.configuration.api"


def _ci_of_url(url: Mapping[str, Any]) -> dict[str, Any]:
    return {"ci_ids": [url["ci_pk"]]}


def _line_of_url(url: Mapping[str, Any]) -> dict[str, Any]:
    return {"line_id": url["line_id"]}


def _approval_request(data: dict[str, Any]) -> dict[str, Any]:
    return {"approvers": data["approvers"], "quote_id": data["quote"], "note": data["note"]}


def _creates_or_purchases(actor: Any, requisition: Any) -> bool:
    return permissions.has(actor, requisition_svc.CREATE) or permissions.has(
        actor, requisition_svc.PURCHASE
    )


def _supplier_url(org: Any) -> str:
    # A supplier is an organisation: its own page is the directory's, not this one.
    return reverse("configuration:supplier-detail", args=[org.pk])


def _current_relationship(actor: Any, ci: Any, url: Mapping[str, Any]) -> Any:
    found = ci_queries.relationships_of(actor, ci).filter(pk=url["rel_pk"]).first()
    if found is None:
        raise ValidationError("That relationship is not current on this CI.")
    return found


def _relationship_end_arguments(data: dict[str, Any]) -> dict[str, Any]:
    change = data.get("change")
    return {"cause": data.get("cause") or "", "change_id": change.pk if change else None}


def _activate_label(contract: Any) -> str:
    return "Activate" if contract.status == ContractStatus.DRAFT else "Renew"


# fmt: off
CI = ActionTable(
    name="ci", namespace="configuration", prefix="cis", query_one=ci_queries.ci_for,
    record_arg="ci_id", actions=[
    Action("verify", "Mark verified", ci_svc.ci_verify, ci_svc.CHANGE, style="ghost",
           ask="Record that the real configuration matches this CI?",
           done="Recorded that the real configuration was checked.",
           summary="Record that the CI was checked against reality"),
    # A relationship in the CI's list ends with a cause; it stays in the history.
    Action("relationship-end", "End", ci_svc.relationship_end, ci_svc.CHANGE,
           form_class=RelationshipEndForm, route="relationships/<int:rel_pk>/end/",
           row=_current_relationship, row_arg="relationship_id", fragment="#relationships",
           arguments=_relationship_end_arguments,
           done="Relationship ended; it stays in the history.", api=False),
])

CONTRACT = ActionTable(
    name="contract", namespace="configuration", prefix="contracts",
    query_one=contract_queries.contract_for, record_arg="contract_id", actions=[
    Action("activate", "Activate", contract_svc.contract_activate, contract_svc.CHANGE,
           leading_to(workflows.CONTRACT, ContractStatus.ACTIVE),
           serializer=f"{_API}.contracts.ContractReasonSerializer", style="primary",
           label_of=_activate_label, done="The contract is active.",
           summary="Put a draft in force, or renew an expired contract"),
    # A form page of its own, linked from the header; the API has .../terminate/.
    Action("terminate", "Terminate", contract_svc.contract_terminate, contract_svc.CHANGE,
           leading_to(workflows.CONTRACT, ContractStatus.TERMINATED), ReasonForm, style="danger",
           page_title="Terminate {obj}", done="Contract terminated.", api=False),
    # The API takes the CIs by id (link-cis, unlink-cis, with a body), the page by number.
    Action("link-cis", "Add CIs", contract_svc.contract_link_cis, contract_svc.CHANGE,
           form_class=CINumbersForm, route="cis/", own_ids=False, error_field="numbers",
           arguments=lambda data: {"ci_ids": data["numbers"]}, fragment="#cis",
           done="CIs added to the contract.", api=False),
    Action("unlink-ci", "Remove", contract_svc.contract_unlink_cis, contract_svc.CHANGE,
           route="cis/<int:ci_pk>/remove/", url_args=_ci_of_url, fragment="#cis",
           done="CI removed from the contract.", api=False),
])

# A requisition lists every missing piece: one message each. The page has its own forms
# for the purchasing steps (views.requisitions); the API takes them from here.
REQUISITION = ActionTable(
    name="requisition", namespace="configuration", prefix="requisitions",
    query_one=requisition_queries.requisition_for, record_arg="requisition_id",
    page_permission=requisition_svc.CREATE, split_errors=True, actions=[
    Action("submit", "Submit", requisition_svc.requisition_submit,
           done="Submitted: pricing is requested from purchasing.",
           summary="Submit: request pricing from purchasing"),
    Action("return", "Send back", requisition_svc.requisition_return, requisition_svc.PURCHASE,
           leading_to(workflows.REQUISITION, R.DRAFT), method="send_back",
           serializer=f"{_API}.requisitions.PurchaseReasonSerializer", page=False,
           summary="Send back to the requester to adjust (purchasing)"),
    Action("quotes", "Record quote", requisition_svc.quote_record, requisition_svc.PURCHASE,
           (R.PRICING,), serializer=f"{_API}.requisitions.PurchaseQuoteWriteSerializer",
           creates=True, page=False, summary="Record a supplier's quote (purchasing)"),
    Action("request-approval", "Request approval", requisition_svc.approval_request,
           requisition_svc.PURCHASE, leading_to(workflows.REQUISITION, R.IN_APPROVAL),
           serializer=f"{_API}.requisitions.PurchaseApprovalRequestSerializer",
           arguments=_approval_request, page=False,
           summary="Request approval from named approvers (purchasing)"),
    # The named approvers: the service knows them, the role is held anywhere.
    Action("decide", "Decide", requisition_svc.requisition_decide, requisition_svc.APPROVE,
           form_class=RequisitionDecisionForm, own_ids=False, record_permission=False,
           serializer=f"{_API}.requisitions.PurchaseDecisionSerializer",
           done="Your decision is recorded.",
           summary="Approve or reject (as a named approver)"),
    Action("order", "Order", requisition_svc.requisition_order, requisition_svc.PURCHASE,
           leading_to(workflows.REQUISITION, R.ORDERED),
           serializer=f"{_API}.requisitions.PurchaseOrderSerializer", page=False,
           summary="Order from the selected quote's supplier (purchasing)"),
    Action("delivery-check", "Check delivery", deliveries_svc.delivery_check,
           requisition_svc.CREATE,
           leading_to(workflows.REQUISITION, R.DELIVERY_INCOMPLETE, R.DELIVERED),
           serializer=f"{_API}.requisitions.DeliveryCheckSerializer", page=False,
           summary="Record the delivery check of each line item"),
    # The configuration administrator or the purchasing agent, under their own right.
    Action("register-cis", "Register CIs", deliveries_svc.requisition_register_cis,
           statuses=leading_to(workflows.REQUISITION, R.REGISTERED), when=_creates_or_purchases,
           serializer=f"{_API}.requisitions.RegisterCIsSerializer",
           arguments=lambda data: {"lines": data.get("lines") or []}, page=False,
           summary="Register the delivered CIs in the CMDB"),
    Action("cancel", "Cancel", requisition_svc.requisition_cancel,
           statuses=leading_to(workflows.REQUISITION, R.CANCELLED), when=_creates_or_purchases,
           serializer=f"{_API}.requisitions.PurchaseReasonSerializer", page=False,
           summary="Cancel the requisition"),
    Action("line-remove", "Remove", requisition_svc.line_remove, route="lines/<int:line_id>/remove/",
           url_args=_line_of_url, fragment="#lines", done="Line item removed.", api=False),
])

SUPPLIER = ActionTable(
    name="supplier", namespace="configuration", prefix="suppliers",
    query_one=supplier_queries.supplier_for, record_arg="organisation_id",
    record_url=_supplier_url, actions=[
    Action("confirm-contact-details", "Confirm contact details",
           supplier_svc.supplier_confirm_contact_details, supplier_svc.CHANGE,
           route="confirm/", url_name="supplier-confirm",
           done="Contact details confirmed as up to date.",
           summary="Record that the contact details are up to date"),
])
# fmt: on
