"""The generated access and write matrix (core/testing/matrix.py) for services, catalog
items, agreements and SLA reviews."""

import datetime as dt

from steward.core.testing.matrix import (
    Case,
    Create,
    MatrixTests,
    Pages,
    Step,
    Update,
    World,
    unique,
)
from steward.service_level.models import Agreement, CatalogItem, Service, SlaReview
from steward.service_level.services import agreements, catalog, reviews, services


def service(world: World, status: str = "in_design") -> Service:
    """A service Acme (the requester's organisation) subscribes to."""
    return services.service_create(
        actor=world.admin, name=f"E-mail {unique()}", owner=world.admin,
        provider=world.provider, customers=[world.customer_org], status=status,
    )  # fmt: skip


def item(world: World) -> CatalogItem:
    """A draft item: the provider's until it is published."""
    return catalog.catalog_item_create(
        actor=world.admin, service=service(world), name=f"Mailbox {unique()}"
    )


def failed_item(world: World) -> CatalogItem:
    record = item(world)
    return catalog.catalog_item_fail(actor=world.admin, item_id=record.pk, reason="No budget.")


def sla(world: World) -> Agreement:
    """A draft SLA with Acme."""
    return agreements.agreement_create(
        actor=world.admin, kind="sla", service=service(world), name=f"SLA {unique()}",
        customer=world.customer_org, term_start=dt.date(2026, 1, 1),
    )  # fmt: skip


def review(world: World) -> SlaReview:
    """Acme's review of a quarter in which it had an SLA."""
    record = sla(world)
    Agreement.objects.filter(pk=record.pk).update(status="active")
    return reviews.review_schedule(
        actor=world.admin, customer_id=world.customer_org.pk,
        term_start=dt.date(2026, 1, 1), term_end=dt.date(2026, 3, 31),
    )  # fmt: skip


def _service_form(world: World) -> dict:
    return {"name": "Payroll", "owner": world.admin.pk, "provider": world.provider.pk}


SERVICE = Case(
    "service",
    Service,
    service,
    api="service",
    # Customer-side people see the services their organisation subscribes to.
    sees=("requester", "representative", "analyst", "admin"),
    hidden=("other_requester", "other_representative"),
    create=Create(_service_form, blank="name"),
    update=Update({"description": "Mail for everyone."}),
    steps=(
        Step(
            "set-status",
            service,
            status="active",
            payload={"status": "active"},
            wrong_state=lambda world: service(world, status="active"),
        ),
    ),
    pages=Pages(
        "service_level:service", sees=("analyst", "admin"), form=_service_form, shown_as="name"
    ),
)

CATALOG_ITEM = Case(
    "catalog item",
    CatalogItem,
    item,
    api="catalogitem",
    sees=("analyst", "admin"),
    hidden=("requester", "representative"),
    create=Create(lambda world: {"service": service(world).pk, "name": "Mailbox"}, blank="name"),
    update=Update({"summary": "A mailbox of 50 GB."}),
    steps=(
        Step(
            "fail",
            item,
            status="failed",
            payload={"reason": "The approvers did not agree."},
            wrong_state=failed_item,
        ),
    ),
    pages=Pages(
        "service_level:catalog-item",
        sees=("analyst", "admin"),
        form=lambda world: {
            "service": service(world).pk,
            "name": "Mailbox",
            "visibility": "public",
        },
        shown_as="name",
    ),
)

AGREEMENT = Case(
    "agreement",
    Agreement,
    sla,
    api="agreement",
    # A representative reads their organisation's SLAs; requesters read none.
    sees=("representative", "analyst", "admin"),
    hidden=("other_representative",),
    refused=("requester",),
    create=Create(
        lambda world: {
            "kind": "sla",
            "service": service(world).pk,
            "customer": world.customer_org.pk,
            "name": "E-mail for Acme",
            "term_start": "2026-01-01",
        },
        missing="term_start",
    ),
    update=Update({"description": "Mail, around the clock."}),
    pages=Pages(
        "service_level:agreement",
        sees=("analyst", "admin", "representative"),
        hidden=("other_representative",),
    ),
)

SLA_REVIEW = Case(
    "SLA review",
    SlaReview,
    review,
    pages=Pages(
        "service_level:review",
        sees=("service_level_manager", "representative"),
        hidden=("other_representative",),
        # Reviews are the service level manager's: a system administrator has no reason to
        # read them.
        refused=("admin", "analyst"),
    ),
)


class TestServiceLevelMatrix(MatrixTests):
    cases = [SERVICE, CATALOG_ITEM, AGREEMENT, SLA_REVIEW]
