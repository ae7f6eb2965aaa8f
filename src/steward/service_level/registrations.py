"""Service Level Management in the shell: navigation, global search and "My work"
(catalog approvals waiting for me, agreements waiting for my signature)."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.urls import reverse

from steward.core import permissions, registry
from steward.core.choices import Role
from steward.core.models import Organisation, SupportGroup
from steward.core.registry import SearchHit, WorkList, WorkSection, words_match
from steward.service_level import queries
from steward.service_level.choices import (
    AgreementKind,
    AgreementStatus,
    ApprovalDecision,
    CatalogItemStatus,
    SignatoryRole,
)
from steward.service_level.models import Agreement, CatalogApproval, Service

AREA = "Service level"
registry.nav(AREA, "Service catalog", "service_level:catalog", "service_level.catalog.view", 10)
registry.nav(
    AREA, "Catalog items", "service_level:catalog-item-list", "service_level.catalog.change", 20
)
SERVICE_VIEW, AGREEMENT_VIEW = "service_level.service.view", "service_level.agreement.view"
registry.nav(AREA, "Services", "service_level:service-list", SERVICE_VIEW, 30)
registry.nav(AREA, "Agreements", "service_level:agreement-list", AGREEMENT_VIEW, 40)
registry.nav(AREA, "Customers", "service_level:customer-list", AGREEMENT_VIEW, 50)
registry.nav(AREA, "SLA reviews", "service_level:review-list", "service_level.review.view", 60)
registry.nav(AREA, "Outages", "service_level:outage-list", "service_level.outage.change", 70)


@registry.search_provider
def search_services(actor: Any, text: str) -> list[SearchHit]:
    fields, order = ("name", "number", "description"), ("name", "pk")
    qs = registry.found(actor, text, SERVICE_VIEW, queries.services_for, fields, order=order)
    return [SearchHit.of("Services", s, s.name, s.get_status_display()) for s in qs]


@registry.search_provider
def search_catalog(actor: Any, text: str) -> list[SearchHit]:
    """Catalog items; customer people find published items and land on the catalog page."""
    text = text.strip()
    if not text or not permissions.has(actor, "service_level.catalog.view"):
        return []
    customer = permissions.is_customer_side(actor)
    qs = queries.published_catalog_for(actor) if customer else queries.catalog_items_for(actor)
    qs = qs.filter(words_match(text, ("name", "number", "summary", "category")))
    hits = []
    for item in qs.select_related("service").order_by("name", "pk")[: registry.SEARCH_LIMIT]:
        url = (
            reverse("service_level:catalog-entry", args=[item.pk])
            if customer
            else item.get_absolute_url()
        )
        detail = f"{item.service.name} · {item.get_status_display()}"
        hits.append(SearchHit.of("Catalog items", item, item.name, detail, url))
    return hits


@registry.search_provider
def search_agreements(actor: Any, text: str) -> list[SearchHit]:
    fields, order = ("name", "number"), ("number", "pk")
    qs = registry.found(actor, text, AGREEMENT_VIEW, queries.agreements_for, fields, order=order)
    return [
        SearchHit.of("Agreements", a, a.name, f"{a.get_kind_display()} · {a.get_status_display()}")
        for a in qs
    ]


# --- My work -----------------------------------------------------------------------------------


def pending_approvals(actor: Any) -> list[dict[str, Any]]:
    """Catalog items in approval whose current round waits for the actor's decision."""
    rows = (
        CatalogApproval.objects.filter(
            approver_id=actor.pk,
            decision=ApprovalDecision.PENDING,
            catalog_item__status=CatalogItemStatus.IN_APPROVAL,
            round=F("catalog_item__approval_round"),
        )
        .select_related("catalog_item__service", "for_customer")
        .order_by("catalog_item__number")
    )
    return [
        {
            "number": a.catalog_item.number,
            "name": a.catalog_item.name,
            "service": a.catalog_item.service.name,
            "as": a.get_role_display() + (f" ({a.for_customer.name})" if a.for_customer_id else ""),
            "url": a.catalog_item.get_absolute_url(),
        }
        for a in rows
    ]


def awaiting_my_signature(actor: Any) -> list[dict[str, Any]]:
    """Draft agreements where the actor is a signatory whose signature is still missing."""
    held = list(actor.role_assignments.values_list("role", "scope_type_id", "scope_id"))

    def scoped(role: str, model: type) -> list[int]:
        ct = ContentType.objects.get_for_model(model).id
        return [sid for r, ct_id, sid in held if r == role and ct_id == ct]

    owned = Q(service__owner_id=actor.pk) | Q(service_id__in=scoped(Role.SERVICE_OWNER, Service))
    wanted = [(SignatoryRole.SERVICE_OWNER, owned)]
    represented = scoped(Role.CUSTOMER_REPRESENTATIVE, Organisation)
    if represented:
        wanted.append(
            (
                SignatoryRole.CUSTOMER_REPRESENTATIVE,
                Q(kind=AgreementKind.SLA, customer_id__in=represented),
            )
        )
    coordinated = scoped(Role.GROUP_COORDINATOR, SupportGroup)
    if coordinated:
        wanted.append(
            (
                SignatoryRole.GROUP_COORDINATOR,
                Q(kind=AgreementKind.OLA, support_group_id__in=coordinated),
            )
        )
    rows: dict[int, dict[str, Any]] = {}
    for role, condition in wanted:
        qs = (
            Agreement.objects.filter(condition, status=AgreementStatus.DRAFT)
            .exclude(signatures__role=role)
            .select_related("service")
            .order_by("number")
        )
        for agreement in qs:
            rows.setdefault(
                agreement.pk,
                {
                    "number": agreement.number,
                    "name": agreement.name,
                    "service": agreement.service.name,
                    "as": SignatoryRole(role).label,
                    "url": agreement.get_absolute_url(),
                },
            )
    return list(rows.values())


CATALOG_APPROVALS = WorkList(
    "service_level.catalog.approve",
    "Catalog items to approve",
    pending_approvals,
    ("number", "name", "service", "as"),
    "service_level:catalog-item-list",
    "?status=in_approval",
    "No catalog item waits for your approval.",
)


@registry.work_provider
def service_level_work(actor: Any) -> list[WorkSection]:
    sections = registry.work_sections(actor, [CATALOG_APPROVALS])
    if permissions.has(actor, "service_level.agreement.sign"):
        rows = awaiting_my_signature(actor)
        if rows or not permissions.is_customer_side(actor):
            sections.append(
                WorkSection(
                    title="Agreements to sign",
                    rows=rows,
                    columns=["number", "name", "service", "as"],
                    list_url=reverse("service_level:agreement-list") + "?status=draft",
                    empty_text="No agreement waits for your signature.",
                )
            )
    return sections
