"""Configuration Management in the shell: navigation, global search and "My work" for the CMDB,
purchasing, suppliers and contracts, baselines and integrity checks.

One module for everything the area plugs into the shell (core.registry); imported by
ConfigurationConfig.ready().
"""

from typing import Any

from django.db.models import QuerySet

from steward.configuration.models import PurchaseRequisition
from steward.configuration.queries import cis as queries
from steward.configuration.queries import contracts as contract_queries
from steward.configuration.queries import requisitions as purchasing_queries
from steward.core import registry
from steward.core.registry import SearchHit, WorkList, WorkSection

# --- cmdb -------------------------------------------------------------------------
# The CMDB in the shell: navigation and global search (CIs by number, name or serial).

AREA = "Configuration"
CI_VIEW = "configuration.ci.view"
registry.nav(AREA, "Configuration items", "configuration:ci-list", CI_VIEW, 10)
registry.nav(AREA, "CI classes", "configuration:ci-class-list", "configuration.ci.view", 20)


@registry.search_provider
def search_cis(actor: Any, text: str) -> list[SearchHit]:
    exact, order = ["number", "serial_number"], ("name", "pk")
    qs = registry.found(actor, text, CI_VIEW, queries.cis_for, ["name"], exact=exact, order=order)
    return [
        SearchHit.of(
            "Configuration items", ci, ci.name, f"{ci.ci_class.name} · {ci.get_status_display()}"
        )
        for ci in qs
    ]


# --- purchasing -------------------------------------------------------------------
# Configuration Management in the shell (purchasing): navigation, search and "My work"
# (requisitions waiting for my approval; for purchasing, those to price or to order; for
# configuration administrators, deliveries to check and CIs to register).

VIEW = "configuration.requisition.view"
WORK_LIMIT = 50
COLUMNS = ("number", "title", "status", "needed_by")

registry.nav(AREA, "Purchase requisitions", "configuration:requisition-list", VIEW, 40)


@registry.search_provider
def search_requisitions(actor: Any, text: str) -> list[SearchHit]:
    fields = ["number", "title", "task_reference", "order_reference"]
    query, order = purchasing_queries.requisitions_for, ("-number", "pk")
    qs = registry.found(actor, text, VIEW, query, fields, order=order)
    return [SearchHit.of("Purchase requisitions", r, r.title, r.get_status_display()) for r in qs]


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


def _work(rows_of: Any) -> Any:
    return lambda actor: _rows(rows_of(actor))


PURCHASING_WORK = [
    WorkList(
        purchasing_queries.APPROVE,
        "Purchase requisitions to approve",
        _work(purchasing_queries.awaiting_my_approval),
        COLUMNS,
        "configuration:requisition-list",
        "?mine=approval",
        "No purchase requisition waits for your approval.",
    ),
    WorkList(
        purchasing_queries.PURCHASE,
        "Purchase requisitions to price or order",
        _work(purchasing_queries.purchasing_work),
        COLUMNS,
        "configuration:requisition-list",
        "?mine=purchasing",
        "No purchase requisition waits for pricing or ordering.",
    ),
    WorkList(
        "configuration.requisition.create",
        "Deliveries to check and CIs to register",
        _work(purchasing_queries.awaiting_delivery),
        COLUMNS,
        "configuration:requisition-list",
        "?status=ordered&status=delivery_incomplete&status=delivered",
        "No ordered CIs wait for you.",
    ),
]


@registry.work_provider
def purchasing_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, PURCHASING_WORK)


# --- suppliers --------------------------------------------------------------------
# Configuration Management in the shell (suppliers, contracts and licences): navigation,
# search for contracts, and "Contracts ending soon" in My work for their owners.

CONTRACT_VIEW = "configuration.contract.view"
registry.nav(AREA, "Suppliers", "configuration:supplier-list", "configuration.supplier.view", 45)
registry.nav(AREA, "Contracts", "configuration:contract-list", CONTRACT_VIEW, 50)
registry.nav(AREA, "Licence compliance", "configuration:licence-compliance", CONTRACT_VIEW, 55)


@registry.search_provider
def search_contracts(actor: Any, text: str) -> list[SearchHit]:
    """Contracts and licence certificates by number, title or the supplier's number."""
    fields = ["number", "title", "supplier_reference"]
    query, order = contract_queries.contracts_for, ("number", "pk")
    qs = registry.found(actor, text, CONTRACT_VIEW, query, fields, order=order)
    return [
        SearchHit.of("Contracts", c, c.title, f"{c.supplier.name} · {c.get_status_display()}")
        for c in qs
    ]


def _ending_soon(actor: Any) -> list[dict[str, Any]]:
    return [
        {
            "number": c.number,
            "title": c.title,
            "supplier": c.supplier.name,
            "ends_on": f"{c.ends_on:%Y-%m-%d}",
            "url": c.get_absolute_url(),
        }
        for c in contract_queries.my_contracts_ending_soon(actor)
    ]


# The actor's own contracts inside their reminder period (shown only when there are).
CONTRACTS_ENDING = WorkList(
    CONTRACT_VIEW,
    "Contracts ending soon",
    _ending_soon,
    ("number", "title", "supplier", "ends_on"),
    "configuration:contract-list",
    "?expiring_within=90",
    "None of your contracts ends soon.",
    hide_empty=True,
)


@registry.work_provider
def contracts_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, [CONTRACTS_ENDING])


# --- baselines --------------------------------------------------------------------
# Configuration Management in the shell (baselines and integrity checks): navigation.

registry.nav(AREA, "Baselines", "configuration:baseline-list", "configuration.ci.view", 60)
registry.nav(
    AREA, "Integrity checks", "configuration:integrity-report", "configuration.ci.view", 70
)
