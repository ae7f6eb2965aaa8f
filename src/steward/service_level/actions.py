"""The action tables of Service Level Management (``core.actions``): what can be done to a
catalog item (seed 003 ch. 11, procedures 1 and 4: submit, decide, publish, revise), an
SLA review and a service. Each gives a button or form on the record page, its URL
(``service_level:<record>-<key>``) and, where the API has the resource,
``POST /api/v1/<records>/{id}/<key>/``; the services check everything again."""

from steward.core.actions import Action, ActionTable, leading_to
from steward.service_level import queries
from steward.service_level.choices import AgreementStatus as A
from steward.service_level.choices import CatalogItemStatus as C
from steward.service_level.choices import ServiceStatus
from steward.service_level.forms import (
    AgreementTerminateForm,
    CatalogDiscontinueForm,
    CatalogFailForm,
    DecisionForm,
    ServiceDiscontinueForm,
    TargetForm,
    target_arguments,
)
from steward.service_level.models import ServiceLevelTarget
from steward.service_level.services import agreements as target_svc
from steward.service_level.services import catalog as catalog_svc
from steward.service_level.services import reviews as review_svc
from steward.service_level.services import services as service_svc
from steward.service_level.workflows import CATALOG_ITEM as FLOW

CHANGE = "service_level.catalog.change"
APPROVE = "service_level.catalog.approve"
REVIEW_CHANGE = "service_level.review.change"
SERVICE_CHANGE = "service_level.service.change"
AGREEMENT_CHANGE = "service_level.agreement.change"
_SERVICE_STATES = frozenset(ServiceStatus.values)

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
    Action("target-add", "Add target", target_svc.target_add, CHANGE, (C.DRAFT,), TargetForm,
           record_arg="catalog_item_id", route="targets/", own_ids=False, fragment="#targets",
           arguments=target_arguments, in_panel=False, done="Target added.", api=False),
    # Forms of their own, linked from the header; the API has its own endpoints for them.
    Action("fail", "Record failure", "catalog_item_fail", CHANGE, (C.DRAFT, C.IN_APPROVAL),
           CatalogFailForm, style="danger", page_title="Record why {obj.number} {obj.name} failed",
           done="The failure is recorded.", api=False),
    Action("discontinue", "Discontinue", "catalog_item_discontinue", CHANGE, (C.PUBLISHED,),
           CatalogDiscontinueForm, style="danger", page_title="Discontinue {obj.number} {obj.name}",
           done="Discontinued: it no longer shows in the catalog.", api=False),
])
# fmt: on

# fmt: off
# Seed 003 ch. 11, procedure 3: the SLA review report's buttons (no API resource yet).
REVIEW = ActionTable(
    name="review", namespace="service_level", prefix="reviews", services=review_svc,
    query_one=queries.review_for, record_arg="review_id", actions=[
    Action("compute", "Compute figures", "review_compute", REVIEW_CHANGE,
           done="Figures computed from the records of the term.", api=False),
    Action("close", "Close the review", "review_close", REVIEW_CHANGE,
           done="Minutes distributed; the review is closed.", api=False),
])

# A service in design goes live with a button; discontinuing it asks why (a form page),
# and the API sets either through set-status.
SERVICE = ActionTable(
    name="service", namespace="service_level", prefix="services",
    query_one=queries.service_for, record_arg="service_id", actions=[
    Action("activate", "Activate", service_svc.service_set_status, SERVICE_CHANGE,
           _SERVICE_STATES - {ServiceStatus.ACTIVE}, ask="Mark the service active?",
           arguments=lambda data: {"status": ServiceStatus.ACTIVE},
           done="The service is active.", api=False),
    Action("discontinue", "Discontinue", service_svc.service_set_status, SERVICE_CHANGE,
           _SERVICE_STATES - {ServiceStatus.DISCONTINUED}, ServiceDiscontinueForm,
           style="danger", page_title="Discontinue {obj.name}",
           arguments=lambda data: {"status": ServiceStatus.DISCONTINUED, "reason": data["reason"]},
           done="The service is discontinued.", api=False),
])

# An active agreement is terminated on a form page of its own (the API: .../terminate/).
AGREEMENT = ActionTable(
    name="agreement", namespace="service_level", prefix="agreements",
    query_one=queries.agreement_for, record_arg="agreement_id", services=target_svc,
    actions=[
    Action("terminate", "Terminate", "agreement_terminate", AGREEMENT_CHANGE, (A.ACTIVE,),
           AgreementTerminateForm, style="danger", page_title="Terminate {obj.number} {obj.name}",
           done="Terminated: its targets are no longer monitored.", api=False),
    Action("target-add", "Add target", "target_add", AGREEMENT_CHANGE, (A.DRAFT,), TargetForm,
           route="targets/", own_ids=False, fragment="#targets", arguments=target_arguments,
           in_panel=False, done="Target added.", api=False),
])
# fmt: on


def _target_owner_url(target: ServiceLevelTarget) -> str:
    owner = target.agreement if target.agreement_id else target.catalog_item
    return owner.get_absolute_url()


# fmt: off
# A target of a draft agreement or catalog item (the service checks which may change);
# its page is its owner's.
TARGET = ActionTable(
    name="target", namespace="service_level", prefix="targets", services=target_svc,
    query_one=queries.target_for, record_arg="target_id", record_url=_target_owner_url,
    actions=[
    Action("remove", "Remove", "target_remove", fragment="#targets", done="Target removed.",
           api=False),
])
# fmt: on
