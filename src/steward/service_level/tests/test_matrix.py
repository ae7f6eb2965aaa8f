"""The generated access and write matrix (core/testing/matrix.py) for services, catalog
items, agreements and SLA reviews."""

import datetime as dt

from steward.core.testing.matrix import Case, MatrixTests, Step, World, unique
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
    create=_service_form,
    blank="name",
    create_denied="analyst",
    update={"description": "Mail for everyone."},
    update_denied="analyst",
    steps=(
        Step(
            "set-status",
            service,
            allowed="admin",
            denied="analyst",
            status="active",
            payload={"status": "active"},
            wrong_state=lambda world: service(world, status="active"),
        ),
    ),
    pages="service_level:service",
    page_sees=("analyst", "admin"),
    page_form=_service_form,
    shown_as="name",
)

CATALOG_ITEM = Case(
    "catalog item",
    CatalogItem,
    item,
    api="catalogitem",
    sees=("analyst", "admin"),
    hidden=("requester", "representative"),
    create=lambda world: {"service": service(world).pk, "name": "Mailbox"},
    blank="name",
    create_denied="analyst",
    update={"summary": "A mailbox of 50 GB."},
    update_denied="analyst",
    steps=(
        Step(
            "fail",
            item,
            allowed="admin",
            denied="analyst",
            status="failed",
            payload={"reason": "The approvers did not agree."},
            wrong_state=failed_item,
        ),
    ),
    pages="service_level:catalog-item",
    page_sees=("analyst", "admin"),
    page_form=lambda world: {
        "service": service(world).pk,
        "name": "Mailbox",
        "visibility": "public",
    },
    shown_as="name",
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
    create=lambda world: {
        "kind": "sla",
        "service": service(world).pk,
        "customer": world.customer_org.pk,
        "name": "E-mail for Acme",
        "term_start": "2026-01-01",
    },
    missing="term_start",
    create_denied="analyst",
    update={"description": "Mail, around the clock."},
    update_denied="analyst",
    pages="service_level:agreement",
    page_sees=("analyst", "admin", "representative"),
    page_hidden=("other_representative",),
)

SLA_REVIEW = Case(
    "SLA review",
    SlaReview,
    review,
    pages="service_level:review",
    page_sees=("service_level_manager", "representative"),
    page_hidden=("other_representative",),
    # Reviews are the service level manager's: a system administrator has no reason to read them.
    page_refused=("admin", "analyst"),
)


class TestServiceLevelMatrix(MatrixTests):
    cases = [SERVICE, CATALOG_ITEM, AGREEMENT, SLA_REVIEW]
