"""The standard CMDB catalogue every installation starts with: the CI classes of the issue
(server, virtual machine, network device, database, application, software licence,
service infrastructure, ...), their attributes, the seven relationship types and the
class rules between them. ``steward init`` adds what is missing; administrators extend
it with their own classes and attributes afterwards.
"""

from typing import Any

from django.db import transaction

from steward.configuration.choices import AttributeType as T
from steward.configuration.choices import ClassCategory as K
from steward.configuration.models import (
    AttributeDefinition,
    CIClass,
    RelationshipRule,
    RelationshipType,
)
from steward.core import registry

# code, name, category, parent code, description
CLASSES = [
    ("hardware", "Hardware", K.HARDWARE, None, "Physical equipment."),
    ("server", "Server", K.HARDWARE, "hardware", "A physical server."),
    ("storage-array", "Storage array", K.HARDWARE, "hardware", "SAN or NAS storage."),
    ("laptop", "Laptop", K.HARDWARE, "hardware", "A user's portable computer."),
    ("virtual-machine", "Virtual machine", K.HARDWARE, None, "A guest on a hypervisor."),
    ("network-device", "Network device", K.NETWORK, None, "Switch, router, firewall, balancer."),
    ("database", "Database", K.SOFTWARE, None, "A database instance."),
    ("application", "Application", K.SOFTWARE, None, "An installed application instance."),
    ("software", "Software product", K.SOFTWARE, None, "A software product that is installed."),
    ("software-licence", "Software licence", K.LICENCE, None, "Rights to use software."),
    ("service-infrastructure", "Service infrastructure", K.SERVICE_INFRASTRUCTURE, None,
     "A business service as a node of the graph."),
]  # fmt: skip

# class code: [(key, label, type, mandatory, choices)]
ATTRIBUTES: dict[str, list[tuple[str, str, str, bool, list[str]]]] = {
    "hardware": [
        ("manufacturer", "Manufacturer", T.STRING, True, []),
        ("model", "Model", T.STRING, False, []),
        ("purchase_date", "Purchase date", T.DATE, False, []),
        ("warranty_end", "Warranty ends", T.DATE, False, []),
    ],
    "server": [
        ("cpu_cores", "CPU cores", T.INTEGER, True, []),
        ("memory_gb", "Memory (GB)", T.INTEGER, True, []),
        ("os", "Operating system", T.STRING, False, []),
        ("ip_address", "IP address", T.IP_ADDRESS, False, []),
        ("rack", "Rack position", T.STRING, False, []),
    ],
    "storage-array": [("capacity_tb", "Capacity (TB)", T.DECIMAL, True, [])],
    "laptop": [("os", "Operating system", T.STRING, False, [])],
    "virtual-machine": [
        ("vcpus", "vCPUs", T.INTEGER, True, []),
        ("memory_gb", "Memory (GB)", T.INTEGER, True, []),
        ("os", "Operating system", T.STRING, True, []),
        ("ip_address", "IP address", T.IP_ADDRESS, False, []),
        ("environment", "Environment", T.CHOICE, True, ["production", "acceptance", "test"]),
    ],
    "network-device": [
        ("device_role", "Role", T.CHOICE, True,
         ["switch", "router", "firewall", "load balancer", "wireless controller",
          "access point"]),
        ("manufacturer", "Manufacturer", T.STRING, False, []),
        ("management_ip", "Management IP", T.IP_ADDRESS, False, []),
        ("ports", "Ports", T.INTEGER, False, []),
    ],
    "database": [
        ("engine", "Engine", T.CHOICE, True, ["PostgreSQL", "Oracle", "SQL Server", "MySQL"]),
        ("size_gb", "Size (GB)", T.DECIMAL, False, []),
        ("replicated", "Replicated", T.BOOLEAN, False, []),
    ],
    "application": [
        ("environment", "Environment", T.CHOICE, True, ["production", "acceptance", "test"]),
        ("url", "URL", T.URL, False, []),
    ],
    "software": [("vendor", "Vendor", T.STRING, True, [])],
    "software-licence": [
        ("licence_key", "Licence key", T.STRING, False, []),
        ("seats", "Seats", T.INTEGER, False, []),
    ],
    "service-infrastructure": [],
}  # fmt: skip

# code, name, reverse name, impact flows to source
TYPES = [
    ("runs-on", "runs on", "hosts", True),
    ("depends-on", "depends on", "is needed by", True),
    ("connected-to", "is connected to", "is connected to", True),
    ("part-of", "is part of", "contains", False),
    ("installed-on", "is installed on", "has installed", False),
    ("uses", "uses", "is used by", True),
    ("licensed-by", "is licensed by", "licenses", False),
]

# type, source class, target class (a rule covers subclasses too)
RULES = [
    ("runs-on", "virtual-machine", "server"),
    ("runs-on", "database", "virtual-machine"),
    ("runs-on", "database", "server"),
    ("runs-on", "application", "virtual-machine"),
    ("runs-on", "application", "server"),
    ("runs-on", "service-infrastructure", "application"),
    ("installed-on", "software", "hardware"),
    ("installed-on", "software", "virtual-machine"),
    ("licensed-by", "software", "software-licence"),
    ("part-of", "hardware", "hardware"),
    ("part-of", "network-device", "network-device"),
]


@registry.init_step
@transaction.atomic
def ensure_standard_catalogue() -> dict[str, int]:
    """Add the standard classes, attributes, types and rules that are missing (idempotent:
    existing rows, including an administrator's edits, are left as they are)."""
    counts = {"CI classes": 0, "attribute definitions": 0, "relationship types": 0}
    classes: dict[str, CIClass] = {}
    for code, name, category, parent, description in CLASSES:
        defaults: dict[str, Any] = {
            "name": name,
            "category": category,
            "parent": classes.get(parent or ""),
            "description": description,
        }
        classes[code], created = CIClass.objects.get_or_create(code=code, defaults=defaults)
        counts["CI classes"] += int(created)
    for code, rows in ATTRIBUTES.items():
        for order, (key, label, kind, mandatory, choices) in enumerate(rows):
            _, created = AttributeDefinition.objects.get_or_create(
                ci_class=classes[code],
                key=key,
                defaults={
                    "label": label,
                    "type": kind,
                    "mandatory": mandatory,
                    "choices": choices,
                    "order": order,
                },
            )
            counts["attribute definitions"] += int(created)
    types: dict[str, RelationshipType] = {}
    for code, name, reverse_name, flows in TYPES:
        types[code], created = RelationshipType.objects.get_or_create(
            code=code,
            defaults={"name": name, "reverse_name": reverse_name, "impact_flows_to_source": flows},
        )
        counts["relationship types"] += int(created)
    for type_code, source, target in RULES:
        RelationshipRule.objects.get_or_create(
            type=types[type_code], source_class=classes[source], target_class=classes[target]
        )
    return counts
