"""Fixtures shared by the Incident Management tests.

The cast (seed 003 ch. 8): a service desk with an analyst, a server group with its group
coordinator and a specialist, a network group with another specialist, the customer Acme
Bank with a requester and a customer representative (and a requester at Globex), the
"E-mail" service with its owner, change coordinator and problem coordinator, an on-duty
manager, and an active SLA for Acme on E-mail with response and resolution targets for
every priority (24x7: the service has no service hours).

``make_incident(**fields)`` registers a request through the service as the analyst.
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from steward.core import numbering
from steward.core.models import Organisation
from steward.core.tests.factories import (
    SupportGroupFactory,
    add_member,
    customer_fixture,
    make_person,
    member_fixture,
    staff_fixture,
)
from steward.incidents.models import IncidentRequest, Solution
from steward.service_level.choices import AGREEMENT_PREFIX
from steward.service_level.models import Agreement, CatalogItem, Service, ServiceLevelTarget
from steward.service_level.services.request_types import request_type_create

H = 3600
# Priority -> (response, resolution) in seconds of the SLA below.
SLA_TARGETS = {"1": (H // 4, 4 * H), "2": (H, 8 * H), "3": (4 * H, 24 * H), "4": (8 * H, 72 * H)}


@pytest.fixture
def desk_group(db, provider):
    return SupportGroupFactory(name="Service Desk", organisation=provider)


@pytest.fixture
def desk_analyst(analyst, desk_group):
    """The root ``analyst`` (service desk analyst everywhere), member of the desk group."""
    add_member(desk_group, analyst)
    return analyst


@pytest.fixture
def server_group(db, provider):
    return SupportGroupFactory(name="Server team", organisation=provider)


@pytest.fixture
def network_group(db, provider):
    return SupportGroupFactory(name="Network team", organisation=provider)


# The server group's coordinator (scoped to it) and a specialist (role held everywhere), and
# the network group's.
coordinator = member_fixture(
    "coordinator", "server_group", "group_coordinator", "coord", scoped=True
)
specialist = member_fixture("specialist", "server_group", "specialist", "spec")
network_coordinator = member_fixture(
    "network_coordinator", "network_group", "group_coordinator", "netcoord", scoped=True
)
network_specialist = member_fixture("network_specialist", "network_group", "specialist", "netspec")

representative = customer_fixture(
    "representative", "customer_org", "customer_representative", "rep"
)
# Another requester of the same customer organisation.
colleague = customer_fixture("colleague", "customer_org", "requester", "colleague")
other_requester = customer_fixture(
    "other_requester", "other_customer_org", "requester", "globex-user"
)
other_representative = customer_fixture(
    "other_representative", "other_customer_org", "customer_representative", "globex-rep"
)


def _active_service(name: str, provider: Organisation) -> Service:
    service = Service(name=name, status="active", provider=provider)
    numbering.assign(service)
    service.save()
    return service


@pytest.fixture
def service(db, provider, customer_org):
    service = _active_service("E-mail", provider)
    service.customers.add(customer_org)
    return service


@pytest.fixture
def other_service(db, provider):
    return _active_service("Payroll", provider)


@pytest.fixture
def service_owner(service, provider):
    person = make_person("service_owner", organisation=provider, scope=service, username="owner")
    Service.objects.filter(pk=service.pk).update(owner=person)
    service.owner = person
    return person


# The E-mail service's coordinators.
change_coordinator = staff_fixture(
    "change_coordinator", "change_coordinator", "changecoord", scope="service"
)
problem_coordinator = staff_fixture(
    "problem_coordinator", "problem_coordinator", "probcoord", scope="service"
)


on_duty_manager = staff_fixture("on_duty_manager", "on_duty_manager", "onduty")


@pytest.fixture
def sla(service, customer_org):
    """Acme's active SLA on E-mail: response and resolution targets for P1-P4."""
    agreement = Agreement(
        kind="sla",
        name="E-mail for Acme",
        service=service,
        customer=customer_org,
        status="active",
        term_start=date(2020, 1, 1),
        signed_at=timezone.now() - timedelta(days=30),
    )
    numbering.assign(agreement, prefix=AGREEMENT_PREFIX["sla"])
    agreement.save()
    for priority, (response, resolution) in SLA_TARGETS.items():
        for kind, seconds in (("response", response), ("resolution", resolution)):
            ServiceLevelTarget.objects.create(
                agreement=agreement, kind=kind, priority=priority, target_seconds=seconds
            )
    return agreement


@pytest.fixture
def cast(
    desk_analyst,
    coordinator,
    specialist,
    network_coordinator,
    network_specialist,
    requester,
    representative,
    service_owner,
    change_coordinator,
    problem_coordinator,
    on_duty_manager,
):
    """Everybody at once, by role name, for table-driven tests."""
    return {
        "analyst": desk_analyst,
        "coordinator": coordinator,
        "specialist": specialist,
        "network_coordinator": network_coordinator,
        "network_specialist": network_specialist,
        "requester": requester,
        "representative": representative,
        "service_owner": service_owner,
        "change_coordinator": change_coordinator,
        "problem_coordinator": problem_coordinator,
        "on_duty_manager": on_duty_manager,
    }


@pytest.fixture
def make_incident(
    desk_analyst, requester, service, customer_org, sla
) -> Callable[..., IncidentRequest]:
    """Register a request as the analyst; defaults: Acme's requester, E-mail (under Acme's
    SLA, so its clocks start), no group."""
    from steward.incidents.services.incidents import incident_register

    def make(**fields: Any) -> IncidentRequest:
        values: dict[str, Any] = {
            "actor": desk_analyst,
            "requester": requester,
            "title": "Mailbox does not open",
            "description": "Outlook says the mailbox is unavailable.",
            "service": service,
        }
        values.update(fields)
        return incident_register(**values)

    return make


@pytest.fixture
def assigned_incident(make_incident, server_group, coordinator, specialist):
    """A request in the server group's queue (no person yet)."""
    return make_incident(support_group=server_group)


@pytest.fixture
def working_incident(assigned_incident, specialist):
    """A request the specialist has taken (in progress)."""
    from steward.incidents.services.incidents import incident_take

    return incident_take(actor=specialist, incident_id=assigned_incident.pk)


@pytest.fixture
def resolved_incident(working_incident, specialist):
    from steward.incidents.services.incidents import incident_resolve

    return incident_resolve(
        actor=specialist,
        incident_id=working_incident.pk,
        resolution="Mailbox quota raised.",
        resolution_code="solved",
    )


@pytest.fixture
def notified() -> Callable[..., list[str]]:
    """``notified(person, incident=None)``: the events notified to ``person`` (about
    ``incident`` when given), oldest first."""
    from steward.core.models import Notification

    def events(person: Any, incident: IncidentRequest | None = None) -> list[str]:
        qs = Notification.objects.filter(recipient=person).order_by("pk")
        if incident is not None:
            qs = qs.filter(record_id=incident.pk, title__startswith=incident.number)
        return list(qs.values_list("event", flat=True))

    return events


@pytest.fixture
def clock_states() -> Callable[[IncidentRequest], list[tuple[str, str, str]]]:
    """``clock_states(incident)``: (kind, metric, state) of its clocks, oldest first."""
    from steward.core import clocks

    def states(incident: IncidentRequest) -> list[tuple[str, str, str]]:
        return [(c.kind, c.metric, c.state) for c in clocks.clocks_for(incident).order_by("pk")]

    return states


# --- Requests from the catalog (issue 13) ------------------------------------------------

LAPTOP_FIELDS = [
    {"label": "Model", "kind": "choice", "required": True, "options": ["14 inch", "16 inch"]},
    {"label": "Needed by", "kind": "date", "required": True, "help": "The first working day."},
    {"label": "Screens", "kind": "number"},
    {"label": "Docking station", "kind": "yes_no"},
    {"label": "Cost centre", "kind": "text"},
    {"label": "Why", "kind": "long_text"},
]


def catalog_item(service, name="E-mail - Standard", **extra):
    item = CatalogItem(service=service, name=name, status="published", **extra)
    numbering.assign(item)
    item.save()
    return item


@pytest.fixture
def level_manager(db, provider):
    return make_person("service_level_manager", organisation=provider, username="lena")


@pytest.fixture
def laptop(level_manager, service, sla):
    return request_type_create(
        actor=level_manager,
        catalog_item=catalog_item(service),
        name="New laptop",
        fields=LAPTOP_FIELDS,
    )


@pytest.fixture
def suggested_solution(db):
    """An active solution that the portal form suggests for "password"."""
    solution = Solution(
        title="Reset your password", body="Use the self-service page.", status="active"
    )
    numbering.assign(solution)
    solution.save()
    return solution
