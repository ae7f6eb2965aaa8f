"""Configuration Management in the shell (suppliers, contracts and licences): navigation,
search for contracts, and "Contracts ending soon" in My work for their owners."""

from typing import Any

from django.db.models import Q
from django.urls import reverse

from steward.configuration.queries import contracts as contract_queries
from steward.core import permissions, registry
from steward.core.registry import SearchHit, WorkSection

AREA = "Configuration"
CONTRACT_VIEW = "configuration.contract.view"
registry.nav(AREA, "Suppliers", "configuration:supplier-list", "configuration.supplier.view", 45)
registry.nav(AREA, "Contracts", "configuration:contract-list", CONTRACT_VIEW, 50)
registry.nav(AREA, "Licence compliance", "configuration:licence-compliance", CONTRACT_VIEW, 55)

SEARCH_LIMIT = 10


@registry.search_provider
def search_contracts(actor: Any, text: str) -> list[SearchHit]:
    """Contracts and licence certificates by number, title or the supplier's number."""
    words = text.split()
    if not words or not permissions.has(actor, CONTRACT_VIEW):
        return []
    condition = Q()
    for word in words:
        condition &= (
            Q(number__icontains=word)
            | Q(title__icontains=word)
            | Q(supplier_reference__icontains=word)
        )
    qs = contract_queries.contracts_for(actor).filter(condition)
    return [
        SearchHit(
            "Contracts",
            c.number,
            c.title,
            c.get_absolute_url(),
            f"{c.supplier.name} · {c.get_status_display()}",
        )
        for c in qs.order_by("number", "pk")[:SEARCH_LIMIT]
    ]


@registry.work_provider
def contracts_work(actor: Any) -> list[WorkSection]:
    """The actor's own contracts inside their reminder period (shown only when there are)."""
    if not permissions.has(actor, CONTRACT_VIEW):
        return []
    rows = [
        {
            "number": c.number,
            "title": c.title,
            "supplier": c.supplier.name,
            "ends_on": f"{c.ends_on:%Y-%m-%d}",
            "url": c.get_absolute_url(),
        }
        for c in contract_queries.my_contracts_ending_soon(actor)
    ]
    if not rows:
        return []
    return [
        WorkSection(
            title="Contracts ending soon",
            rows=rows,
            columns=["number", "title", "supplier", "ends_on"],
            list_url=reverse("configuration:contract-list") + "?expiring_within=90",
            empty_text="None of your contracts ends soon.",
        )
    ]
