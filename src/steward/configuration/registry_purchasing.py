"""Configuration Management in the shell (purchasing): navigation, search and "My work"
(requisitions waiting for my approval; for purchasing, those to price or to order; for
configuration administrators, deliveries to check and CIs to register)."""

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from steward.configuration.choices import RequisitionStatus
from steward.configuration.models import PurchaseRequisition
from steward.configuration.queries import requisitions as queries
from steward.core import permissions, registry
from steward.core.registry import SearchHit, WorkSection

AREA = "Configuration"
VIEW = "configuration.requisition.view"
SEARCH_LIMIT = 10
WORK_LIMIT = 50
R = RequisitionStatus

registry.nav(AREA, "Purchase requisitions", "configuration:requisition-list", VIEW, 40)


@registry.search_provider
def search_requisitions(actor: Any, text: str) -> list[SearchHit]:
    text = text.strip()
    if not text or not permissions.has(actor, VIEW):
        return []
    condition = Q()
    for word in text.split():
        condition &= (
            Q(number__icontains=word)
            | Q(title__icontains=word)
            | Q(task_reference__icontains=word)
            | Q(order_reference__icontains=word)
        )
    qs = queries.requisitions_for(actor).filter(condition).order_by("-number", "pk")
    return [
        SearchHit(
            "Purchase requisitions", r.number, r.title, r.get_absolute_url(), r.get_status_display()
        )
        for r in qs[:SEARCH_LIMIT]
    ]


def _rows(qs: QuerySet[PurchaseRequisition]) -> list[dict[str, Any]]:
    return [
        {
            "number": r.number,
            "title": r.title,
            "status": r.get_status_display(),
            "needed_by": r.needed_by.isoformat() if r.needed_by else "",
            "url": r.get_absolute_url(),
        }
        for r in qs.order_by("needed_by", "number")[:WORK_LIMIT]
    ]


def _list_url(query: str) -> str:
    return reverse("configuration:requisition-list") + query


@registry.work_provider
def purchasing_work(actor: Any) -> list[WorkSection]:
    sections = []
    columns = ["number", "title", "status", "needed_by"]
    if permissions.has(actor, queries.APPROVE):
        sections.append(
            WorkSection(
                title="Purchase requisitions to approve",
                rows=_rows(queries.awaiting_my_approval(actor)),
                columns=columns,
                list_url=_list_url("?mine=approval"),
                empty_text="No purchase requisition waits for your approval.",
            )
        )
    if permissions.has(actor, queries.PURCHASE):
        sections.append(
            WorkSection(
                title="Purchase requisitions to price or order",
                rows=_rows(queries.purchasing_work(actor)),
                columns=columns,
                list_url=_list_url("?mine=purchasing"),
                empty_text="No purchase requisition waits for pricing or ordering.",
            )
        )
    if permissions.has(actor, "configuration.requisition.create"):
        waiting = queries.requisitions_for(actor).filter(
            status__in=[R.ORDERED, R.DELIVERY_INCOMPLETE, R.DELIVERED]
        )
        sections.append(
            WorkSection(
                title="Deliveries to check and CIs to register",
                rows=_rows(waiting),
                columns=columns,
                list_url=_list_url("?status=ordered&status=delivery_incomplete&status=delivered"),
                empty_text="No ordered CIs wait for you.",
            )
        )
    return sections
