"""Demo data of Configuration Management, loaded after the core and SLM demos.

About 300 CIs behind the six demo services: each service's CI runs on its application
instances, which run on virtual machines in two data centres, on clustered hosts, with
databases, storage, and the network they share; laptops for Workplace Support; software
products installed on hosts, licensed by licence CIs. CIs are registered through the CMDB
services (so they have their history and journal), then their registration dates are
moved back a few months so the history and "as it was" pages have a past to show.
Then the two demo suppliers' details and contacts, their support contracts and licence
certificates (vSphere under-licensed, one contract ending within its reminder period),
a purchase requisition waiting for approval and one whose delivery came in short, a
baseline of Online Banking's infrastructure followed by one change, and an integrity
run. Safe to run again: a CI is looked up by its name first, the rest is added only
when its kind of record is missing.
"""

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from steward.configuration.choices import CIStatus
from steward.configuration.models import (
    Baseline,
    CIChange,
    CIClass,
    ConfigurationItem,
    Contract,
    IntegrityRun,
    PurchaseRequisition,
    Relationship,
    RelationshipType,
    SupplierDetails,
)
from steward.configuration.services import baselines, cis, deliveries, integrity, requisitions
from steward.configuration.services import contracts as contract_svc
from steward.configuration.services import suppliers as supplier_svc
from steward.configuration.services.standard import ensure_standard_catalogue
from steward.core.models import JournalEntry, Organisation, Person

SITES = ["AMS-DC1", "AMS-DC2"]
# service: (application names, group, database engine or None, vms per application)
SERVICE_STACKS = {
    "Online Banking": (["Web front end", "Banking API", "Auth service", "Batch"],
                       "Application Support", "Oracle", 4),
    "Payments Gateway": (["Payment switch", "Fraud scoring", "Settlement"],
                         "Application Support", "PostgreSQL", 4),
    "Email & Collaboration": (["Mail transport", "Mailbox store", "Chat", "File sharing"],
                              "Server & Storage", None, 3),
    "Electronic Health Records": (["EHR portal", "EHR core", "Imaging archive"],
                                  "Application Support", "SQL Server", 4),
    "Fleet Tracking": (["Telemetry intake", "Route planner"], "Application Support",
                       "PostgreSQL", 3),
    "Workplace Support": (["Self-service portal", "Device management"], "Service Desk",
                          None, 2),
}  # fmt: skip
SOFTWARE = [
    ("VMware vSphere", "VMware", 64),
    ("Red Hat Enterprise Linux", "Red Hat", 80),
    ("Oracle Database Enterprise", "Oracle", 4),
    ("Microsoft SQL Server", "Microsoft", 8),
]


class _Builder:
    def __init__(self, context: dict[str, Any]) -> None:
        self.actor: Person = context["people"]["carl.config"]
        self.groups = context["groups"]
        self.people = context["people"]
        self.classes = {c.code: c for c in CIClass.objects.all()}
        self.types = {t.code: t for t in RelationshipType.objects.all()}
        self.existing = {ci.name: ci for ci in ConfigurationItem.objects.all()}
        self.rng = random.Random(4)
        self.added = 0

    def ci(self, name: str, class_code: str, **fields: Any) -> ConfigurationItem:
        if name in self.existing:
            return self.existing[name]
        ci = cis.ci_create(actor=self.actor, ci_class=self.classes[class_code], name=name, **fields)
        self.existing[name] = ci
        self.added += 1
        return ci

    def link(self, source: ConfigurationItem, type_code: str, target: ConfigurationItem) -> None:
        current = Relationship.objects.filter(
            source=source, target=target, type=self.types[type_code], valid_to__isnull=True
        )
        if not current.exists():
            cis.relationship_add(
                actor=self.actor,
                source_id=source.pk,
                target_id=target.pk,
                type_id=self.types[type_code].pk,
            )

    def serial(self, prefix: str) -> str:
        return f"{prefix}{self.rng.randint(100000, 999999)}"


def _network(b: _Builder) -> dict[str, list[ConfigurationItem]]:
    noc = b.groups["Network Operations"]
    devices: dict[str, list[ConfigurationItem]] = {}
    for n, site in enumerate(SITES, start=1):
        core = b.ci(f"core-sw-{site.lower()}", "network-device", support_group=noc,
                    location=site, serial_number=b.serial("CSW"),
                    attributes={"device_role": "switch", "manufacturer": "Arista",
                                "management_ip": f"10.{n}.0.1", "ports": 48})  # fmt: skip
        fw = b.ci(f"fw-{site.lower()}", "network-device", support_group=noc, location=site,
                  serial_number=b.serial("FW"),
                  attributes={"device_role": "firewall", "manufacturer": "Palo Alto",
                              "management_ip": f"10.{n}.0.2"})  # fmt: skip
        lb = b.ci(f"lb-{site.lower()}", "network-device", support_group=noc, location=site,
                  serial_number=b.serial("LB"),
                  attributes={"device_role": "load balancer", "manufacturer": "F5",
                              "management_ip": f"10.{n}.0.3"})  # fmt: skip
        b.link(core, "depends-on", fw)
        b.link(lb, "connected-to", core)
        access = []
        for rack in range(1, 7):
            sw = b.ci(f"tor-sw-{site.lower()}-r{rack:02d}", "network-device", support_group=noc,
                      location=f"{site} rack {rack:02d}", serial_number=b.serial("TOR"),
                      attributes={"device_role": "switch", "manufacturer": "Arista",
                                  "management_ip": f"10.{n}.1.{rack}", "ports": 48})  # fmt: skip
            b.link(sw, "connected-to", core)
            access.append(sw)
        devices[site] = [core, fw, lb, *access]
    return devices


def _hosts(b: _Builder, network: dict[str, list[ConfigurationItem]]) -> dict[str, list]:
    servers = b.groups["Server & Storage"]
    hosts: dict[str, list[ConfigurationItem]] = {}
    for n, site in enumerate(SITES, start=1):
        storage = b.ci(f"san-{site.lower()}", "storage-array", support_group=servers,
                       location=site, serial_number=b.serial("SAN"),
                       attributes={"manufacturer": "NetApp", "model": "AFF A400",
                                   "capacity_tb": "240"})  # fmt: skip
        b.link(storage, "connected-to", network[site][0])
        site_hosts = []
        for h in range(1, 13):
            rack = min((h - 1) // 2 + 1, 6)
            host = b.ci(f"esx-{site.lower()}-{h:02d}", "server", support_group=servers,
                        owner=b.people["grace.coord"], location=f"{site} rack {rack:02d}",
                        serial_number=b.serial("HPE"), version="8.0u2",
                        attributes={"manufacturer": "HPE", "model": "ProLiant DL380 Gen11",
                                    "cpu_cores": 64, "memory_gb": 1024, "os": "VMware ESXi 8",
                                    "ip_address": f"10.{n}.10.{h}",
                                    "rack": f"R{rack:02d}U{h * 2:02d}",
                                    "purchase_date": "2024-03-18",
                                    "warranty_end": "2029-03-17"})  # fmt: skip
            b.link(host, "connected-to", network[site][2 + rack])
            b.link(host, "depends-on", storage)
            site_hosts.append(host)
        hosts[site] = site_hosts
    return hosts


def _stacks(b: _Builder, context: dict[str, Any], hosts: dict[str, list]) -> dict[str, Any]:
    apps_by_service: dict[str, list[ConfigurationItem]] = {}
    vm_count = 0
    databases: list[ConfigurationItem] = []
    for service_name, (apps, group_name, engine, vms_per_app) in SERVICE_STACKS.items():
        service = context["services"][service_name]
        group = b.groups[group_name]
        slug = "".join(w[0] for w in service_name.replace("&", "").split()).lower()
        service_ci = b.ci(service_name, "service-infrastructure", service=service,
                          owner=service.owner, support_group=group,
                          description=service.description)  # fmt: skip
        db = None
        if engine:
            db_vm = b.ci(f"{slug}-db-vm01", "virtual-machine", support_group=b.groups[
                "Database Administration"], location=SITES[0],
                attributes={"vcpus": 16, "memory_gb": 128, "os": "RHEL 9",
                            "environment": "production",
                            "ip_address": f"10.20.{len(databases) + 1}.10"})  # fmt: skip
            b.link(db_vm, "runs-on", hosts[SITES[0]][len(databases) % 10])
            db = b.ci(f"{slug}-db", "database", support_group=b.groups["Database Administration"],
                      version={"Oracle": "19c", "PostgreSQL": "16.4",
                               "SQL Server": "2022"}[engine],
                      attributes={"engine": engine, "size_gb": str(b.rng.randint(80, 2400)),
                                  "replicated": True})  # fmt: skip
            b.link(db, "runs-on", db_vm)
            databases.append(db)
            vm_count += 1
        apps_by_service[service_name] = []
        for a, app_name in enumerate(apps):
            app = b.ci(f"{service_name} {app_name}", "application", support_group=group,
                       version=f"{b.rng.randint(1, 9)}.{b.rng.randint(0, 20)}",
                       attributes={"environment": "production"})  # fmt: skip
            b.link(service_ci, "runs-on", app)
            if db is not None and a % 2 == 0:
                b.link(app, "depends-on", db)
            for v in range(1, vms_per_app + 1):
                site = SITES[(a + v) % 2]
                vm = b.ci(f"{slug}-{app_name.split()[0].lower()}-vm{v:02d}", "virtual-machine",
                          support_group=b.groups["Server & Storage"], location=site,
                          attributes={"vcpus": b.rng.choice([2, 4, 8]),
                                      "memory_gb": b.rng.choice([8, 16, 32]),
                                      "os": b.rng.choice(["RHEL 9", "Windows Server 2022"]),
                                      "environment": "production",
                                      "ip_address": f"10.{30 + vm_count // 250}."
                                                    f"{vm_count % 250}.{v + 10}"})  # fmt: skip
                vm_count += 1
                b.link(app, "runs-on", vm)
                b.link(vm, "runs-on", hosts[site][(a * 3 + v) % 10])
            apps_by_service[service_name].append(app)
        # An acceptance copy of the first application: it supports no service (yet).
        b.ci(
            f"{service_name} {apps[0]} (acceptance)",
            "application",
            support_group=group,
            status=CIStatus.IN_PRODUCTION,
            attributes={"environment": "acceptance"},
        )
    # Email depends on the payments gateway's mail relay? No: Payments depends on Email for
    # notifications, which makes a diamond through the shared hosts.
    b.link(b.existing["Payments Gateway"], "uses", b.existing["Email & Collaboration"])
    return {"apps": apps_by_service, "databases": databases}


def _workplace(b: _Builder) -> None:
    desk = b.groups["Service Desk"]
    portal = b.existing.get("Workplace Support Device management")
    workplace = b.existing["Workplace Support"]  # the service's CI: laptops are its fleet
    staff = [p for name, p in sorted(b.people.items()) if not name.startswith(("nora", "ruben"))]
    for n in range(1, 131):
        owner = staff[n % len(staff)]
        status = CIStatus.IN_STOCK if n > 118 else CIStatus.IN_PRODUCTION
        laptop = b.ci(f"LT-{1000 + n}", "laptop", support_group=desk, status=status,
                      owner=owner if status == CIStatus.IN_PRODUCTION else None,
                      serial_number=b.serial("5CD"), location="Amsterdam office",
                      attributes={"manufacturer": "Lenovo", "model": "ThinkPad T14 Gen 5",
                                  "os": "Windows 11", "purchase_date": "2025-02-10",
                                  "warranty_end": "2028-02-09"})  # fmt: skip
        if portal is not None and status == CIStatus.IN_PRODUCTION and n <= 10:
            b.link(laptop, "uses", portal)
        if status == CIStatus.IN_PRODUCTION:
            b.link(workplace, "depends-on", laptop)
    noc = b.groups["Network Operations"]
    for floor in range(1, 5):
        for n in range(1, 6):
            ap = b.ci(f"ap-ams-f{floor}-{n:02d}", "network-device", support_group=noc,
                      location=f"Amsterdam office floor {floor}", serial_number=b.serial("AP"),
                      attributes={"device_role": "access point", "manufacturer": "Aruba"})  # fmt: skip
            b.link(ap, "connected-to", b.existing["core-sw-ams-dc1"])
            b.link(workplace, "depends-on", ap)


def _software(b: _Builder, hosts: dict[str, list]) -> None:
    servers = b.groups["Server & Storage"]
    for name, vendor, seats in SOFTWARE:
        product = b.ci(name, "software", support_group=servers, attributes={"vendor": vendor})
        licence = b.ci(f"{name} licence", "software-licence", support_group=servers,
                       attributes={"seats": seats})  # fmt: skip
        b.link(product, "licensed-by", licence)
        if name == "VMware vSphere":
            for site_hosts in hosts.values():
                for host in site_hosts:
                    b.link(product, "installed-on", host)


def _backdate(since: dt.datetime) -> None:
    """Move the demo CMDB's registration back, spread over the months before ``since``,
    so history and "as it was" have a past; later demo edits stay where they are."""
    rng = random.Random(7)
    now = timezone.now()
    for ci in ConfigurationItem.objects.filter(created_at__gte=since):
        age = dt.timedelta(days=rng.randint(120, 400), minutes=rng.randint(0, 600))
        when = now - age
        # Most of the estate was checked against reality since (procedure 4).
        verified = None
        if rng.random() < 0.85:
            verified = now - dt.timedelta(days=rng.randint(1, min(150, age.days)))
        ConfigurationItem.objects.filter(pk=ci.pk).update(
            created_at=when, updated_at=when, last_verified_at=verified
        )
        CIChange.objects.filter(ci=ci, at__gte=since).update(at=when)
        JournalEntry.objects.filter(record_id=ci.pk, created_at__gte=since).filter(
            record_type__model="configurationitem"
        ).update(created_at=when)
    for rel in Relationship.objects.filter(valid_from__gte=since).select_related(
        "source", "target"
    ):
        start = max(
            ConfigurationItem.objects.get(pk=rel.source_id).created_at,
            ConfigurationItem.objects.get(pk=rel.target_id).created_at,
        )
        Relationship.objects.filter(pk=rel.pk).update(valid_from=start + dt.timedelta(hours=1))


def _recent_changes(b: _Builder) -> None:
    """A few updates with a change number, so CI pages show a history."""
    if CIChange.objects.filter(cause="CHG000042").exists():
        return
    host = b.existing["esx-ams-dc1-01"]
    cis.ci_update(actor=b.actor, ci_id=host.pk, cause="CHG000042",
                   data={"version": "8.0u3", "attributes": {"memory_gb": 1536}})  # fmt: skip
    db = b.existing.get("ob-db")
    if db is not None:
        cis.ci_update(actor=b.actor, ci_id=db.pk, cause="CHG000051", data={"version": "19.24"})
    old = b.existing["esx-ams-dc2-10"]
    cis.ci_update(actor=b.actor, ci_id=old.pk, cause="CHG000057",
                   data={"status": CIStatus.IN_REPAIR, "location": "AMS-DC2 repair bench"})  # fmt: skip


# --- Suppliers, contracts, licences, purchasing, baselines, integrity ---------------------


def _suppliers(context: dict[str, Any], b: _Builder) -> dict[str, Any]:
    """The two demo suppliers get their details and contacts (procedure 2)."""
    orgs = context["organisations"]
    plan = {
        "globex": ("Hosting, server hardware and its support", "GLX-20931",
                   [("Gina", "Hartley", "Account manager", "gina.hartley@globex.example"),
                    ("Tom", "Ashby", "Service delivery", "tom.ashby@globex.example")]),
        "initech": ("Software licences and maintenance", "INI-77120",
                    [("Peter", "Gibbons", "Licensing desk", "licensing@initech.example")]),
    }  # fmt: skip
    for code, (supplies, account, contacts) in plan.items():
        org = orgs[code]
        if SupplierDetails.objects.filter(organisation=org).exists():
            continue
        supplier_svc.supplier_update(
            actor=b.actor,
            organisation_id=org.pk,
            data={"supplies": supplies, "account_number": account},
            confirm=True,
        )
        for first, last, title, email in contacts:
            supplier_svc.supplier_contact_add(
                actor=b.actor, organisation_id=org.pk, first_name=first, last_name=last,
                job_title=title, email=email,
            )  # fmt: skip
    return {code: orgs[code] for code in plan}


def _contracts(b: _Builder, suppliers: dict[str, Any]) -> None:
    """Support contracts and licence certificates (procedure 5); one contract ends soon,
    and vSphere is installed on more hosts than its certificate covers."""
    if Contract.objects.exists():
        return
    today = timezone.localdate()
    hosts = [ci.pk for name, ci in b.existing.items() if name.startswith("esx-")]
    storage = [ci.pk for name, ci in b.existing.items() if name.startswith("san-")]
    network = [ci.pk for name, ci in b.existing.items() if name.startswith(("core-", "fw-"))]
    contract_svc.contract_register(
        actor=b.actor, title="Server hardware support (24x7, 4 h on site)", kind="support",
        supplier=suppliers["globex"], supplier_reference="GLX-SUP-2024-118",
        starts_on=today.replace(year=today.year - 2), ends_on=today + dt.timedelta(days=45),
        notice_days=30, remind_days_before=60, value=Decimal("86400.00"),
        owner=b.people["grace.coord"], cis=hosts,
    )  # fmt: skip
    contract_svc.contract_register(
        actor=b.actor, title="Storage maintenance", kind="maintenance",
        supplier=suppliers["globex"], supplier_reference="GLX-MNT-2025-004",
        starts_on=today.replace(year=today.year - 1), ends_on=today + dt.timedelta(days=320),
        value=Decimal("24000.00"), owner=b.people["grace.coord"], cis=storage,
    )  # fmt: skip
    contract_svc.contract_register(
        actor=b.actor, title="Network equipment support", kind="support",
        supplier=suppliers["globex"], starts_on=today.replace(year=today.year - 1),
        ends_on=today + dt.timedelta(days=200), value=Decimal("18500.00"),
        owner=b.people["nick.coord"], cis=network,
    )  # fmt: skip
    for name, _vendor, seats in SOFTWARE:
        software = b.existing[name]
        licence = b.existing[f"{name} licence"]
        entitlement = 20 if name == "VMware vSphere" else seats  # 24 hosts: under-licensed
        contract_svc.contract_register(
            actor=b.actor, title=f"{name} licence certificate", kind="licence_certificate",
            supplier=suppliers["initech"], supplier_reference=f"INI-LIC-{software.pk:05d}",
            starts_on=today.replace(year=today.year - 1), ends_on=today + dt.timedelta(days=280),
            licensed_software=software, licence_metric="installation", entitlement=entitlement,
            owner=b.actor, cis=[licence.pk],
        )  # fmt: skip


def _priced(
    b: _Builder,
    purchaser: Person,
    requisition: PurchaseRequisition,
    supplier: Organisation,
    amount: Decimal,
    reference: str,
    delivery_days: int,
    *,
    approvers: list[Person],
    comment: str = "",
) -> None:
    """Submit ``requisition``, record the supplier's quote as the chosen one, ask the
    ``approvers`` and have the last of them approve."""
    requisitions.requisition_submit(actor=b.actor, requisition_id=requisition.pk)
    requisitions.quote_record(
        actor=purchaser, requisition_id=requisition.pk, supplier=supplier, amount=amount,
        reference=reference, delivery_days=delivery_days, selected=True,
    )  # fmt: skip
    requisitions.approval_request(
        actor=purchaser, requisition_id=requisition.pk, approvers=approvers
    )
    requisitions.requisition_decide(
        actor=approvers[-1], requisition_id=requisition.pk, decision="approved", comment=comment
    )


def _requisitions(context: dict[str, Any], b: _Builder, suppliers: dict[str, Any]) -> None:
    """One requisition waiting for approval, one whose delivery came in short."""
    if PurchaseRequisition.objects.exists():
        return
    people = context["people"]
    paula, chris = people["paula.purchase"], people["chris.change"]
    server = b.classes["server"]
    waiting = requisitions.requisition_create(
        actor=b.actor, title="Two hosts for the Online Banking capacity upgrade",
        task_reference="CHG000063", change_coordinator=chris, suppliers=[suppliers["globex"]],
        justification="Capacity plan Q1: the AMS-DC1 cluster runs at 78% memory.",
        lines=[{"description": "HPE ProLiant DL380 Gen11, 64 cores, 1 TB", "quantity": 2,
                "ci_class": server, "unit_price": "18450.00"},
               {"description": "Rack rails and cabling", "quantity": 2,
                "unit_price": "240.00"}],
    )  # fmt: skip
    _priced(
        b, paula, waiting, suppliers["globex"], Decimal("37380.00"), "Q-GLX-5521", 15,
        approvers=[people["fred.finance"], people["ivan.control"]],
        comment="Within the capacity budget.",
    )  # fmt: skip

    short = requisitions.requisition_create(
        actor=b.actor, title="Laptops for the new service desk analysts",
        task_reference="CHG000061", change_coordinator=people["cleo.change"],
        suppliers=[suppliers["globex"]],
        lines=[{"description": "Lenovo ThinkPad T14 Gen 5", "quantity": 4,
                "ci_class": b.classes["laptop"], "unit_price": "1390.00"}],
    )  # fmt: skip
    _priced(
        b, paula, short, suppliers["globex"], Decimal("5560.00"), "Q-GLX-5498", 5,
        approvers=[people["fred.finance"]],
    )  # fmt: skip
    requisitions.requisition_order(actor=paula, requisition_id=short.pk, order_reference="PO-88213")
    line = short.lines.get()
    deliveries.delivery_check(
        actor=b.actor, requisition_id=short.pk,
        lines=[{"line": line.pk, "delivery_status": "damaged", "received_quantity": 3,
                "note": "One screen cracked in transit; returned to the supplier.",
                "expected_on": timezone.localdate() + dt.timedelta(days=7)}],
    )  # fmt: skip


def _baseline_and_checks(context: dict[str, Any], b: _Builder) -> None:
    """A baseline of Online Banking's infrastructure taken before the recent changes
    would need backdating; instead the baseline is of today and one more change follows,
    so "compare with now" shows a difference. Then one integrity run for the report."""
    if not Baseline.objects.exists():
        baselines.baseline_take(
            actor=b.actor,
            name="Online Banking before the capacity upgrade",
            service=context["services"]["Online Banking"],
            description="Reference for CHG000063.",
        )
        vm = b.existing["ob-web-vm01"]
        cis.ci_update(actor=b.actor, ci_id=vm.pk, cause="CHG000064",
                       data={"attributes": {"memory_gb": 32}})  # fmt: skip
    if not IntegrityRun.objects.exists():
        integrity.integrity_run(actor=b.actor, trigger="on_demand")


def load(context: dict[str, Any]) -> None:
    """Add the CMDB demo records that are missing."""
    counts = context["counts"]
    ensure_standard_catalogue()
    started = timezone.now()
    b = _Builder(context)
    network = _network(b)
    hosts = _hosts(b, network)
    _stacks(b, context, hosts)
    _workplace(b)
    _software(b, hosts)
    if b.added:
        _backdate(started)
    _recent_changes(b)
    suppliers = _suppliers(context, b)
    _contracts(b, suppliers)
    _requisitions(context, b, suppliers)
    _baseline_and_checks(context, b)
    counts["configuration items"] = counts.get("configuration items", 0) + b.added
