"""Reads of purchase requisitions (seed 003 ch. 4 proc. 1 and 3), restricted to the actor.

Holders of ``configuration.requisition.view`` (configuration administrators, purchasing,
the approvers' roles, change coordinators and managers, ...) see every requisition. Other
provider people see the ones they are named on: as approver, change coordinator,
purchasing agent or requester. Customer-side people see none.
"""

from typing import Any

from django.db.models import Q, QuerySet

from steward.configuration.choices import Decision, RequisitionStatus
from steward.configuration.models import PurchaseApproval, PurchaseRequisition
from steward.core import permissions
from steward.core.choices import OrganisationKind, Role
from steward.core.models import Organisation, Person
from steward.core.queries import one, permitted

VIEW = "configuration.requisition.view"
APPROVE = "configuration.requisition.approve"
PURCHASE = "configuration.requisition.purchase"


def requisitions_for(actor: Person) -> QuerySet[PurchaseRequisition]:
    qs = PurchaseRequisition.objects.select_related(
        "requested_by", "change_coordinator", "purchasing_agent", "ordered_from"
    )
    if not permissions.has_any_role(actor) or permissions.is_customer_side(actor):
        return qs.none()
    everywhere, _ = permissions.scopes_for(actor, VIEW)
    if everywhere:
        return qs
    named = PurchaseApproval.objects.filter(approver_id=actor.pk).values("requisition_id")
    return qs.filter(
        Q(pk__in=named)
        | Q(change_coordinator_id=actor.pk)
        | Q(purchasing_agent_id=actor.pk)
        | Q(requested_by_id=actor.pk)
    )


def requisition_for(actor: Person, pk: Any) -> PurchaseRequisition:
    """One requisition the actor may see (404 otherwise, so existence does not leak)."""
    return one(requisitions_for(actor), pk, "purchase requisition")


def awaiting_my_approval(actor: Person) -> QuerySet[PurchaseRequisition]:
    """Requisitions in approval where the actor's decision is still pending."""
    if not permissions.has(actor, APPROVE):
        return PurchaseRequisition.objects.none()
    pending = PurchaseApproval.objects.filter(
        approver_id=actor.pk, decision=Decision.PENDING
    ).values("requisition_id")
    return requisitions_for(actor).filter(pk__in=pending, status=RequisitionStatus.IN_APPROVAL)


def purchasing_work(actor: Person) -> QuerySet[PurchaseRequisition]:
    """What purchasing acts on: requisitions to price and approved ones to order (those of
    another purchasing agent left out)."""
    if not permissions.has(actor, PURCHASE):
        return PurchaseRequisition.objects.none()
    return requisitions_for(actor).filter(
        Q(purchasing_agent__isnull=True) | Q(purchasing_agent_id=actor.pk),
        status__in=[RequisitionStatus.PRICING, RequisitionStatus.APPROVED],
    )


def awaiting_delivery(actor: Person) -> QuerySet[PurchaseRequisition]:
    """Ordered requisitions whose delivery is to check, or whose CIs are to register."""
    return requisitions_for(actor).filter(
        status__in=[
            RequisitionStatus.ORDERED,
            RequisitionStatus.DELIVERY_INCOMPLETE,
            RequisitionStatus.DELIVERED,
        ]
    )


def requisition_suppliers_for(actor: Person) -> QuerySet[Organisation]:
    """Active suppliers one may ask for quotes."""
    qs = Organisation.objects.filter(kind=OrganisationKind.SUPPLIER, is_active=True)
    return permitted(actor, VIEW, qs)


def _active_people(actor: Person, **assigned: Any) -> QuerySet[Person]:
    """Active people with a role assignment as ``assigned`` says, by name, to name on a
    requisition (none for those who may not see requisitions)."""
    qs = Person.objects.filter(is_active=True, **assigned)
    return permitted(actor, VIEW, qs.distinct().order_by("last_name", "first_name", "username"))


def people_holding(actor: Person, permission: str) -> QuerySet[Person]:
    """Active people holding a role that grants ``permission`` everywhere (approvers,
    purchasing agents), to name on a requisition."""
    roles = permissions.catalogue().get(permission, ("", frozenset()))[1]
    return _active_people(
        actor, role_assignments__role__in=list(roles), role_assignments__scope_type__isnull=True
    )


def change_coordinators_for(actor: Person) -> QuerySet[Person]:
    """Change coordinators and managers, who give the tasks that ask for new CIs."""
    roles = [Role.CHANGE_COORDINATOR, Role.CHANGE_MANAGER]
    return _active_people(actor, role_assignments__role__in=roles)
