"""Fixtures shared by the Release Management tests.

The cast (seed 003 ch. 10): the "E-mail" service with its release coordinator (limited to
it), change coordinator, service owner and a CAB of three members (``cab``); a release
administrator; a requester; and "Payroll", another service with a release coordinator of
its own. ``make_rfc(**fields)`` submits a request for change on E-mail and has the change
coordinator hand it to Release Management (``status=to_release``); ``make_release``
registers a release as the release coordinator.
"""

from collections.abc import Callable
from typing import Any

import pytest

from steward.changes.models import RequestForChange
from steward.changes.services.rfcs import rfc_review, rfc_submit
from steward.core import numbering
from steward.core.models import Organisation
from steward.core.tests.factories import make_person, staff_fixture
from steward.releases.models import Cab, Release
from steward.releases.services.releases import release_register
from steward.service_level.models import Service


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


release_coordinator = staff_fixture(
    "release_coordinator", "release_coordinator", "relcoord", scope="service"
)
other_release_coordinator = staff_fixture(
    "other_release_coordinator", "release_coordinator", "payrollrel", scope="other_service"
)
change_coordinator = staff_fixture(
    "change_coordinator", "change_coordinator", "changecoord", scope="service"
)
service_owner = staff_fixture("service_owner", "service_owner", "owner", scope="service")
release_administrator = staff_fixture("release_administrator", "release_administrator", "reladmin")
outsider = staff_fixture("outsider", "specialist", "outsider")


@pytest.fixture
def cab_members(db, provider, service) -> list:
    """Three CAB members of E-mail (the role limited to the service)."""
    return [
        make_person("cab_member", organisation=provider, scope=service, username=f"cab{i}",
                    first_name=name, last_name="Member")
        for i, name in enumerate(("Ann", "Ben", "Cas"), start=1)
    ]  # fmt: skip


@pytest.fixture
def cab(db, service, cab_members) -> Cab:
    board = Cab.objects.create(service=service, name="E-mail CAB", usual_place="Room 4")
    board.members.set(cab_members)
    return board


@pytest.fixture
def make_rfc(change_coordinator, service, requester, analyst) -> Callable[..., RequestForChange]:
    """A request for change on E-mail handed to Release Management by the change
    coordinator (proc. 1 of ch. 3); ``fields`` override the submission. By default it
    comes from the request form of an incident request the requester registered."""
    from steward.incidents.services.registration import incident_register

    def make(**fields: Any) -> RequestForChange:
        fields.setdefault("title", "Add shared mailboxes for teams")
        fields.setdefault("service_id", service.pk)
        fields.setdefault("source", "request_form")
        if fields["source"] in ("request_form", "incident") and "incident_id" not in fields:
            incident = incident_register(actor=analyst, title=fields["title"], service=service,
                                         requester=requester)  # fmt: skip
            fields["incident_id"] = incident.pk
        fields.setdefault("causes_outage_in_service_hours", False)
        fields.setdefault("functionality_changes", True)
        fields.setdefault("cmdb_update", True)
        fields.setdefault("problem_fix", False)
        fields.setdefault("single_coordinator", True)
        fields.setdefault("extra_funding", False)
        if fields["source"] in ("known_error", "release", "continuity"):
            fields.setdefault("origin_reference", "KE000001")
        rfc = rfc_submit(actor=analyst, **fields)
        RequestForChange.objects.filter(pk=rfc.pk).update(requested_by=requester)
        return rfc_review(actor=change_coordinator, rfc_id=rfc.pk, decision="to_release")

    return make


@pytest.fixture
def make_release(release_coordinator, service) -> Callable[..., Release]:
    def make(**fields: Any) -> Release:
        fields.setdefault("title", "Mail 2027.1")
        fields.setdefault("service_id", service.pk)
        actor = fields.pop("actor", release_coordinator)
        return release_register(actor=actor, **fields)

    return make
