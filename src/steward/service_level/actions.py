"""The action tables of Service Level Management (``core.actions``): what can be done to a
catalog item (seed 003 ch. 11, procedures 1 and 4: submit, decide, publish, revise). Each
gives a button or form on the record page, its URL (``service_level:catalog-item-<key>``)
and ``POST /api/v1/catalog-items/{id}/<key>/``; the services check everything again."""

from steward.core.actions import Action, ActionTable, leading_to
from steward.service_level import queries
from steward.service_level.choices import CatalogItemStatus as C
from steward.service_level.forms import DecisionForm
from steward.service_level.services import catalog as catalog_svc
from steward.service_level.workflows import CATALOG_ITEM as FLOW

CHANGE = "service_level.catalog.change"
APPROVE = "service_level.catalog.approve"

# fmt: off
CATALOG_ITEM = ActionTable(
    name="catalog-item", namespace="service_level", prefix="catalog/items",
    services=catalog_svc, query_one=queries.catalog_item_for, record_arg="item_id", actions=[
    Action("submit", "Submit for approval", "catalog_item_submit", CHANGE,
           leading_to(FLOW, C.IN_APPROVAL), style="primary",
           done="Submitted for approval: the approvers see it in their work.",
           summary="Submit for approval"),
    # The approvers of the current round: the service knows them, the role is anywhere.
    Action("decide", "Decide", "catalog_item_decide", APPROVE, (C.IN_APPROVAL,), DecisionForm,
           "steward.service_level.api.catalog.CatalogDecisionSerializer",
           record_permission=False, own_ids=False, done="Your decision is recorded.",
           summary="Approve, ask for adjustments or reject (as a pending approver)"),
    Action("publish", "Publish", "catalog_item_publish", CHANGE, leading_to(FLOW, C.PUBLISHED),
           style="primary", ask="Publish this item in the web catalog?",
           done="Published in the web catalog.", summary="Publish in the catalog"),
    Action("revise", "Revise", "catalog_item_revise", CHANGE, leading_to(FLOW, C.DRAFT),
           ask="Take the item back to draft to adjust it?",
           done="Back to draft for adjustments.", summary="Back to draft to adjust"),
])
# fmt: on
