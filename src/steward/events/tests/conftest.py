"""Fixtures shared by the Event Management tests.

The cast (seed 003 ch. 6): an operator (``operator``), the operations manager
(``ops_manager``), the capacity manager of the "Online Store" service
(``capacity_manager``, the role limited to it) and the "Network" support group that the
routing rules give infrastructure restoration requests.

The network (``network``): ``core-switch`` (class Switch) <- ``web-01``, ``web-02``
(Server, "depends on" the switch) <- ``store-app`` (Application, "runs on" both servers)
<- the CI of the service "Online Store". ``web-01`` also has the alias ``web01.dc1`` and
the attribute ``ip = 10.0.0.11``. ``source`` is a generic JSON source whose operator is
``operator``; ``source_token`` is its token.
"""

from dataclasses import dataclass

import pytest
from django.utils import timezone

from steward.configuration.models import CIClass, ConfigurationItem, Relationship, RelationshipType
from steward.core import numbering
from steward.core.models import Organisation, SupportGroup
from steward.core.tests.factories import add_member, make_person, staff_fixture
from steward.events import ingest, tokens
from steward.events.models import EventSource
from steward.incidents.models import RoutingRule
from steward.service_level.models import Service

operator = staff_fixture("operator", "operator", "oscar")
ops_manager = staff_fixture("ops_manager", "operations_manager", "olga")
outsider = staff_fixture("outsider", "specialist", "outsider")


@dataclass
class Network:
    service: Service
    switch: ConfigurationItem
    web1: ConfigurationItem
    web2: ConfigurationItem
    app: ConfigurationItem
    service_ci: ConfigurationItem
    group: SupportGroup


def _ci(name: str, ci_class: CIClass, **fields) -> ConfigurationItem:
    ci = ConfigurationItem(name=name, ci_class=ci_class, **fields)
    numbering.assign(ci)
    ci.save()
    return ci


@pytest.fixture
def store_service(db, provider: Organisation, customer_org: Organisation) -> Service:
    service = Service(name="Online Store", status="active", provider=provider)
    numbering.assign(service)
    service.save()
    service.customers.add(customer_org)
    return service


capacity_manager = staff_fixture(
    "capacity_manager", "capacity_manager", "cathy", scope="store_service"
)


@pytest.fixture
def network(db, provider, store_service, operator) -> Network:
    classes = {
        code: CIClass.objects.get_or_create(
            name=name, defaults={"code": code, "category": category}
        )[0]
        for code, name, category in (
            ("switch", "Switch", "hardware"),
            ("server", "Server", "hardware"),
            ("application", "Application", "software"),
            ("business-service", "Business service", "service"),
        )
    }
    depends, _ = RelationshipType.objects.get_or_create(
        code="depends-on", defaults={"name": "depends on", "reverse_name": "is needed by"}
    )
    runs, _ = RelationshipType.objects.get_or_create(
        code="runs-on", defaults={"name": "runs on", "reverse_name": "hosts"}
    )
    switch = _ci("core-switch", classes["switch"])
    web1 = _ci("web-01", classes["server"], attributes={"aliases": "web01.dc1", "ip": "10.0.0.11"})
    web2 = _ci("web-02", classes["server"], attributes={"ip": "10.0.0.12"})
    app = _ci("store-app", classes["application"])
    service_ci = _ci("Online Store", classes["business-service"], service=store_service)
    now = timezone.now() - timezone.timedelta(days=30)
    for source, target, kind in (
        (web1, switch, depends),
        (web2, switch, depends),
        (app, web1, runs),
        (app, web2, runs),
        (service_ci, app, runs),
    ):
        Relationship.objects.create(source=source, target=target, type=kind, valid_from=now)
    group = SupportGroup.objects.create(name="Network", organisation=provider)
    add_member(group, make_person("specialist", organisation=provider, username="nina"))
    add_member(group, operator)
    RoutingRule.objects.create(
        order=10,
        name="Infrastructure restoration to Network",
        service_type="infrastructure_restoration",
        support_group=group,
    )
    return Network(store_service, switch, web1, web2, app, service_ci, group)


@pytest.fixture
def source_token() -> str:
    return "evt_test_generic_token_0123456789"


@pytest.fixture
def source(db, operator, source_token) -> EventSource:
    return EventSource.objects.create(
        name="Prometheus DC1",
        kind="generic",
        operator=operator,
        token_hash=tokens.digest(source_token),
        token_hint=source_token[:8],
    )


# --- ingest: each test starts with no cached source and full rate buckets ---------------------
@pytest.fixture(autouse=True)
def _fresh_ingestion_cache():
    # A token's source is cached by digest for a few seconds in the process; a test's
    # sources are rolled back, so one test's cached id must not serve the next.
    ingest.forget()
    yield
    ingest.forget()
