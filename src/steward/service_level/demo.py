"""Demo data of Service Level Management, loaded after the core demo (``steward demo``).

The services come first (``services``: before the core gives roles, some of which are
limited to a service); then (``load``) every demo service gets a published catalog item (through the catalog services: prepared
from the template, approved by its approvers, published), Northwind a private one-off
item; every customer an active, signed SLA per subscribed service with targets; two OLAs
and one underpinning contract; outages in the last quarter (one makes Online Banking miss
its availability target); lena.sla as each customer's service level manager; monthly
service report schedules; and a computed SLA review of Northwind Bank for the last full
quarter, with the service owner's explanation of the violation.

Agreements are written directly (with their signature rows and journal entries) so the
demo does not walk the paper signing procedure. Safe to run again: everything is looked
up by its natural key first and only what is missing is added.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from steward.core import journal, numbering
from steward.core.calendars import spec_for
from steward.core.choices import Role
from steward.core.models import BusinessCalendar, Organisation, Person, RoleAssignment
from steward.service_level.choices import (
    AGREEMENT_PREFIX,
    AgreementKind,
    AgreementStatus,
    ApprovalDecision,
    CatalogItemStatus,
    ReportFrequency,
    ServiceStatus,
    SignatoryRole,
    Visibility,
)
from steward.service_level.models import (
    Agreement,
    AgreementSignature,
    CatalogApproval,
    CatalogItem,
    CatalogItemTemplate,
    Outage,
    Service,
    ServiceLevelTarget,
    ServiceReportSchedule,
    SlaReview,
)
from steward.service_level.services import catalog as catalog_svc
from steward.service_level.services import request_types as request_type_svc
from steward.service_level.services import reviews as review_svc
from steward.service_level.services.reporting import period_for

TEMPLATE_NAME = "Standard business service"
CRITICAL = {"Online Banking", "Payments Gateway", "Electronic Health Records"}
H, MIN = 3600, 60

# (priority, response, resolution); "bd" = business days of the service's hours.
LEVELS = [("1", 30 * MIN, 4 * H), ("2", H, 8 * H), ("3", 4 * H, "3bd"), ("4", "1bd", "10bd")]

# Owners are core demo people, hours core demo calendars, customers their codes.
SERVICES = [
    {"name": "Online Banking", "owner": "olivia.owner", "hours": "24x7",
     "customers": ["northwind"], "description": "Retail and business internet banking."},
    {"name": "Payments Gateway", "owner": "olivia.owner", "hours": "24x7",
     "customers": ["northwind", "fabrikam"], "description": "Card and SEPA payment processing."},
    {"name": "Email & Collaboration", "owner": "sam.owner", "hours": "Extended hours (London)",
     "customers": ["northwind", "contoso", "fabrikam"], "description": "Mail, calendars, chat, file sharing."},
    {"name": "Electronic Health Records", "owner": "sam.owner", "hours": "24x7",
     "customers": ["contoso"], "description": "Patient records for Contoso's clinics."},
    {"name": "Fleet Tracking", "owner": "olivia.owner", "hours": "Office hours (Amsterdam)",
     "customers": ["fabrikam"], "description": "Vehicle positions, routes and delivery proofs."},
    {"name": "Workplace Support", "owner": "sam.owner", "hours": "Office hours (Amsterdam)",
     "customers": ["northwind", "contoso", "fabrikam"], "description": "Laptops, phones, printers, software requests."},
]  # fmt: skip

# Outages in the last full quarter: (service, day offset, hour, minutes, degraded, planned,
# description). Online Banking's 3 hours down miss its 99.9 % target (2.2 h allowed).
OUTAGES = [
    ("Online Banking", 20, 9, 180, False, False, "Login failures after a certificate expired"),
    ("Online Banking", 45, 14, 90, True, False, "Slow transfers during peak load"),
    ("Online Banking", 60, 1, 120, False, True, "Planned database upgrade"),
    ("Payments Gateway", 33, 11, 40, False, False, "Card authorisations timing out"),
    ("Email & Collaboration", 50, 10, 60, False, False, "Mail delivery stopped (queue full)"),
    ("Fleet Tracking", 70, 13, 30, True, False, "Map tiles missing"),
]


def _business_day(service: Service) -> int:
    """Seconds in one of the service's business days (24 h around the clock)."""
    if not service.service_hours_id:
        return 24 * H
    calendar = BusinessCalendar.objects.prefetch_related("periods", "holidays").get(
        pk=service.service_hours_id
    )
    spec = spec_for(calendar)
    total = 0
    days = 0
    for day in spec.periods:
        seconds = 0
        for start, end in day:
            end_s = 86400 if end == dt.time(0) else end.hour * H + end.minute * MIN
            seconds += end_s - (start.hour * H + start.minute * MIN)
        if seconds:
            total += seconds
            days += 1
    return total // days if days else 24 * H


def _seconds(value: int | str, service: Service) -> int:
    if isinstance(value, str) and value.endswith("bd"):
        return int(value[:-2]) * _business_day(service)
    return int(value)


def sla_targets(service: Service) -> list[dict[str, Any]]:
    """The demo's SLA targets of a service (critical services promise more)."""
    critical = service.name in CRITICAL
    targets: list[dict[str, Any]] = []
    for priority, response, resolution in LEVELS:
        targets.append(
            {
                "kind": "response",
                "priority": priority,
                "target_seconds": _seconds(response, service),
            }
        )
        targets.append(
            {
                "kind": "resolution",
                "priority": priority,
                "target_seconds": _seconds(resolution, service),
            }
        )
    targets.append(
        {"kind": "availability", "target_percent": Decimal("99.9" if critical else "99.5")}
    )
    targets.append({"kind": "max_outages", "target_count": 2 if critical else 4})
    if critical:
        targets.append({"kind": "rto", "target_seconds": 4 * H})
        targets.append({"kind": "rpo", "target_seconds": 15 * MIN})
    return targets


def _count(context: dict[str, Any], key: str, n: int = 1) -> None:
    counts = context["counts"]
    counts[key] = counts.get(key, 0) + n


def services(context: dict[str, Any]) -> None:
    """Add the demo services that are missing; they become the "service" role scopes."""
    admin, people, orgs = context["admin"], context["people"], context["organisations"]
    found: dict[str, Service] = {}
    for row in SERVICES:
        service = Service.objects.filter(name=row["name"]).first()
        if service is None:
            service = Service(
                name=row["name"],
                description=row["description"],
                owner=people[row["owner"]],
                provider=orgs["steward-it"],
                service_hours=context["calendars"][row["hours"]],
                status=ServiceStatus.ACTIVE,
            )
            numbering.assign(service)
            service.save()
            service.customers.set([orgs[c] for c in row["customers"]])
            journal.created(service, actor=admin, summary=f"{service} (demo data)")
            _count(context, str(Service._meta.verbose_name_plural))
        found[row["name"]] = service
    context["services"] = found
    context["scopes"]["service"] = found


# --- Catalog ------------------------------------------------------------------------------------


def _template(admin: Person, context: dict[str, Any]) -> CatalogItemTemplate:
    template = CatalogItemTemplate.objects.filter(name=TEMPLATE_NAME).first()
    if template is None:
        template = catalog_svc.catalog_item_template_create(
            actor=admin,
            name=TEMPLATE_NAME,
            summary="A business service at the standard level.",
            description="Incidents handled in the service's hours; targets per priority.",
            default_targets=[
                {"kind": "response", "priority": "1", "seconds": 30 * MIN},
                {"kind": "resolution", "priority": "1", "seconds": 4 * H},
                {"kind": "response", "priority": "2", "seconds": H},
                {"kind": "resolution", "priority": "2", "seconds": 8 * H},
                {"kind": "availability", "percent": "99.5"},
            ],
        )
        _count(context, "catalog item templates")
    return template


def _publish(item: CatalogItem, lena: Person) -> None:
    """Walk the approval procedure: submit, every approver approves, publish."""
    catalog_svc.catalog_item_submit(actor=lena, item_id=item.pk)
    for approval in CatalogApproval.objects.filter(
        catalog_item=item, round=item.approval_round + 1, decision=ApprovalDecision.PENDING
    ).select_related("approver"):
        item.refresh_from_db()
        if item.status != CatalogItemStatus.IN_APPROVAL:
            break
        catalog_svc.catalog_item_decide(
            actor=approval.approver, item_id=item.pk, decision=ApprovalDecision.APPROVED
        )
    catalog_svc.catalog_item_publish(actor=lena, item_id=item.pk)


def _catalog_items(context: dict[str, Any], lena: Person) -> dict[str, CatalogItem]:
    template = _template(context["admin"], context)
    items: dict[str, CatalogItem] = {}
    for service in context["services"].values():
        name = f"{service.name} - Standard"
        item = CatalogItem.objects.filter(service=service, name=name).first()
        if item is None:
            item = catalog_svc.catalog_item_create(
                actor=lena,
                service=service,
                name=name,
                template=template,
                target_customers=list(service.customers.all()),
                summary=service.description,
                category="Business services",
                charge=Decimal("12.50") if service.name not in CRITICAL else Decimal("45.00"),
                charge_unit="per user per month",
                request_instructions="Ask the service desk (My requests, Ask for help); if your "
                "organisation does not have the service yet, ask your customer representative "
                "to subscribe.",
                targets=sla_targets(service),
            )
            _publish(item, lena)
            _count(context, "catalog items")
        items[service.name] = item
    northwind = context["organisations"]["northwind"]
    banking = context["services"]["Online Banking"]
    name = "Online Banking - Northwind Premium (one-off)"
    if not CatalogItem.objects.filter(service=banking, name=name).exists():
        premium = catalog_svc.catalog_item_create(
            actor=lena,
            service=banking,
            name=name,
            copy_of=items["Online Banking"],
            visibility=Visibility.PRIVATE,
            customer=northwind,
            target_customers=[northwind],
            summary="Online Banking with a dedicated 15-minute response for critical incidents.",
            charge=Decimal("60.00"),
            charge_unit="per user per month",
        )
        _publish(premium, lena)
        _count(context, "catalog items")
    return items


# --- Agreements ---------------------------------------------------------------------------------


def _agreement(
    context: dict[str, Any],
    *,
    kind: str,
    name: str,
    service: Service,
    term_start: dt.date,
    targets: list[dict[str, Any]],
    signatures: list[tuple[str, Person]],
    **party: Any,
) -> Agreement:
    agreement = Agreement.objects.filter(kind=kind, name=name, service=service).first()
    if agreement is not None:
        return agreement
    admin = context["admin"]
    signed_at = timezone.make_aware(dt.datetime.combine(term_start, dt.time(9)))
    agreement = Agreement(
        kind=kind,
        name=name,
        service=service,
        term_start=term_start,
        evaluation_months=3,
        status=AgreementStatus.ACTIVE,
        signed_at=signed_at,
        description="Demo agreement, signed on paper.",
        **party,
    )
    numbering.assign(agreement, prefix=AGREEMENT_PREFIX[kind])
    agreement.save()
    for spec in targets:
        ServiceLevelTarget.objects.create(agreement=agreement, **spec)
    for role, person in signatures:
        AgreementSignature.objects.create(
            agreement=agreement, role=role, person=person, signed=True, comment="Signed on paper."
        )
    journal.created(agreement, actor=admin, summary=f"{name} (demo data)")
    journal.transition(
        agreement, actor=admin, old=AgreementStatus.DRAFT, new=AgreementStatus.ACTIVE,
        reason="Signed by all parties.",
    )  # fmt: skip
    _count(context, "agreements")
    return agreement


def _agreements(context: dict[str, Any], items: dict[str, CatalogItem], start: dt.date) -> None:
    people, orgs, groups = context["people"], context["organisations"], context["groups"]
    reps = {
        "northwind": "nora.northwind",
        "contoso": "claire.contoso",
        "fabrikam": "frank.fabrikam",
    }
    for service in context["services"].values():
        owner = service.owner
        for customer in service.customers.order_by("name"):
            agreement = _agreement(
                context,
                kind=AgreementKind.SLA,
                name=f"{service.name} SLA - {customer.name}",
                service=service,
                term_start=start,
                targets=sla_targets(service),
                signatures=[
                    (SignatoryRole.CUSTOMER_REPRESENTATIVE, people[reps[customer.code]]),
                    (SignatoryRole.SERVICE_OWNER, owner),
                ],
                customer=customer,
                catalog_item=items.get(service.name),
            )
            service.customers.add(agreement.customer)
    services = context["services"]
    ola_targets = [
        {"kind": "response", "priority": p, "target_seconds": r}
        for p, r in (("1", 15 * MIN), ("2", 30 * MIN), ("3", 2 * H))
    ] + [
        {"kind": "resolution", "priority": p, "target_seconds": r}
        for p, r in (("1", 3 * H), ("2", 6 * H), ("3", 16 * H))
    ]
    # (support group, its coordinator, the service): one OLA each, with the same targets.
    for group, coordinator, service_name in (
        ("Service Desk", "amy.coord", "Workplace Support"),
        ("Server & Storage", "grace.coord", "Online Banking"),
    ):
        service = services[service_name]
        _agreement(
            context,
            kind=AgreementKind.OLA,
            name=f"{group} OLA - {service_name}",
            service=service,
            term_start=start,
            targets=ola_targets,
            signatures=[
                (SignatoryRole.GROUP_COORDINATOR, people[coordinator]),
                (SignatoryRole.SERVICE_OWNER, service.owner),
            ],
            support_group=groups[group],
        )
    _agreement(
        context,
        kind=AgreementKind.UC,
        name="Globex Hosting - Online Banking platform",
        service=services["Online Banking"],
        term_start=start,
        targets=[
            {"kind": "response", "priority": "1", "target_seconds": 15 * MIN},
            {"kind": "resolution", "priority": "1", "target_seconds": 2 * H},
            {"kind": "availability", "target_percent": Decimal("99.95")},
        ],
        # Globex signed on paper; the service level administrator recorded it.
        signatures=[
            (SignatoryRole.SUPPLIER, people["lena.sla"]),
            (SignatoryRole.SERVICE_OWNER, services["Online Banking"].owner),
        ],
        supplier=orgs["globex"],
    )


# --- Outages, roles, schedules, the review ------------------------------------------------------


def _outages(context: dict[str, Any], quarter_start: dt.date) -> None:
    for name, day, hour, minutes, degraded, planned, text in OUTAGES:
        service = context["services"][name]
        if Outage.objects.filter(service=service, description=text).exists():
            continue
        started = timezone.make_aware(
            dt.datetime.combine(quarter_start + dt.timedelta(days=day), dt.time(hour))
        )
        Outage.objects.create(
            service=service,
            started_at=started,
            ended_at=started + dt.timedelta(minutes=minutes),
            degraded=degraded,
            planned=planned,
            description=text,
        )
        _count(context, "outages")


def _roles_and_schedules(context: dict[str, Any], lena: Person) -> None:
    people = context["people"]
    ct = ContentType.objects.get_for_model(Organisation)
    reps = {
        "northwind": "nora.northwind",
        "contoso": "claire.contoso",
        "fabrikam": "frank.fabrikam",
    }
    for code, rep in reps.items():
        customer = context["organisations"][code]
        _, created = RoleAssignment.objects.get_or_create(
            person=lena,
            role=Role.SERVICE_LEVEL_MANAGER,
            scope_type=ct,
            scope_id=customer.pk,
            defaults={"granted_by": context["admin"]},
        )
        _count(context, "role assignments", int(created))
        schedule, created = ServiceReportSchedule.objects.get_or_create(
            customer=customer, frequency=ReportFrequency.MONTHLY
        )
        if created:
            schedule.recipients.set([people[rep], lena])
            _count(context, "service report schedules")


def _review(context: dict[str, Any], lena: Person, start: dt.date, end: dt.date) -> None:
    northwind = context["organisations"]["northwind"]
    if SlaReview.objects.filter(customer=northwind, term_start=start, term_end=end).exists():
        return
    review = review_svc.review_schedule(
        actor=lena, customer_id=northwind.pk, term_start=start, term_end=end
    )
    review = review_svc.review_compute(actor=lena, review_id=review.pk)
    for violation in review.violations.select_related("owner"):
        if violation.owner is not None:
            review_svc.violation_explain(
                actor=violation.owner,
                violation_id=violation.pk,
                explanation="An expired TLS certificate on the login servers was not "
                "renewed in time; monitoring did not watch certificate expiry.",
                remedy="Certificate expiry is now monitored with a 30-day warning, and "
                "renewal is automated.",
            )
    review_svc.review_set_suggestions(
        actor=lena,
        review_id=review.pk,
        improvement_suggestions="Move the Online Banking login servers to the Globex "
        "platform's managed certificates; review peak-load capacity before the "
        "end-of-year campaign.",
    )
    _count(context, "SLA reviews")


# Issue 13: what customers may ask for from the catalog (service, request type, fields).
REQUEST_TYPES = [
    ("Workplace Support", "New laptop",
     "A new or replacement laptop, set up with your usual software.", [
        {"label": "Model", "kind": "choice", "required": True,
         "options": ["Standard 14 inch", "Performance 16 inch"]},
        {"label": "Needed by", "kind": "date", "required": True,
         "help": "The first working day you need it."},
        {"label": "Replaces an existing laptop", "kind": "yes_no", "required": True},
        {"label": "Extra screens", "kind": "number", "help": "0, 1 or 2."},
        {"label": "Anything else we should know", "kind": "long_text"},
    ]),
    ("Workplace Support", "Password reset",
     "Your password reset by the service desk, for the account you name.", [
        {"label": "Account", "kind": "text", "required": True,
         "help": "The user name, e.g. ruben.northwind."},
        {"label": "Where you want to sign in", "kind": "choice", "required": True,
         "options": ["Windows", "Email", "Online Banking back office", "Other"]},
    ]),
    ("Email & Collaboration", "Access to a shared mailbox",
     "Read or send from a team mailbox such as support@ or invoices@.", [
        {"label": "Mailbox address", "kind": "text", "required": True},
        {"label": "Access", "kind": "choice", "required": True,
         "options": ["Read only", "Read and send"]},
        {"label": "Approved by your manager", "kind": "yes_no", "required": True},
        {"label": "Why you need it", "kind": "long_text"},
    ]),
]  # fmt: skip


def _request_types(context: dict[str, Any], items: dict[str, CatalogItem], lena: Person) -> None:
    for position, (service, name, description, fields) in enumerate(REQUEST_TYPES):
        item = items[service]
        if item.request_types.filter(name=name).exists():
            continue
        request_type_svc.request_type_create(
            actor=lena, catalog_item=item, name=name, description=description,
            position=position, fields=fields,
        )  # fmt: skip
        _count(context, "request types")


def load(context: dict[str, Any]) -> None:
    """Add the Service Level Management demo records that are missing."""
    lena = context["people"]["lena.sla"]
    today = timezone.localdate()
    quarter_start, quarter_end = period_for(ReportFrequency.QUARTERLY, today)
    # The SLAs began a year before the last full quarter, so that quarter is one of
    # their (three-month) evaluation terms.
    term_start = quarter_start.replace(year=quarter_start.year - 1)
    for service in context["services"].values():
        service.refresh_from_db()
    _roles_and_schedules(context, lena)
    items = _catalog_items(context, lena)
    _request_types(context, items, lena)
    _agreements(context, items, term_start)
    _outages(context, quarter_start)
    _review(context, lena, quarter_start, quarter_end)
