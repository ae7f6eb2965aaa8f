"""Proc. 1's first two sources, from Incident Management: an incident request whose
resolution needs Change Management (the group coordinator routes it to the change
coordinator, ch. 8 proc. 2) and a change generated upon the submission of the request form
(a catalog request type flagged to send one)."""

import pytest

from steward.changes.choices import RfcSource, RfcStatus
from steward.changes.models import RequestForChange
from steward.core.testing.journal import journal_of
from steward.core.tests.factories import member_fixture
from steward.incidents.services.assignment import incident_assess_change
from steward.incidents.services.incidents import incident_register
from steward.incidents.services.requests import service_request_submit
from steward.service_level.models import CatalogItem
from steward.service_level.services.request_types import request_type_create

group_coordinator = member_fixture(
    "group_coordinator", "server_group", "group_coordinator", "gcoord", scoped=True
)


@pytest.fixture
def incident(analyst, requester, service, server_group, sla):
    return incident_register(
        actor=analyst, requester=requester, title="Mailbox quota too small",
        description="Everyone in sales hits the 2 GB limit.", service=service,
        support_group=server_group,
    )  # fmt: skip


def assess(actor, incident, unavailable=False, functionality=False, cmdb=True):
    return incident_assess_change(
        actor=actor, incident_id=incident.pk, causes_service_unavailability=unavailable,
        changes_service_functionality=functionality, requires_cmdb_update=cmdb,
    )  # fmt: skip


def test_an_incident_routed_to_the_change_coordinator_becomes_a_request_for_change(
    incident, group_coordinator, change_coordinator
):
    assess(group_coordinator, incident)
    rfc = RequestForChange.objects.get()
    assert (rfc.source, rfc.status, rfc.incident, rfc.service) == (
        RfcSource.INCIDENT, RfcStatus.SUBMITTED, incident, incident.service,
    )  # fmt: skip
    assert (rfc.title, rfc.requested_by) == (incident.title, group_coordinator)
    # The incident's answers to the Change Management rule are carried over.
    assert (rfc.causes_outage_in_service_hours, rfc.functionality_changes, rfc.cmdb_update) == (
        False, False, True,
    )  # fmt: skip
    assert journal_of(incident, kind="system", body__contains=rfc.number).exists()
    # Routed again while it waits for review: still one request.
    assess(group_coordinator, incident, unavailable=True)
    assert RequestForChange.objects.count() == 1


def test_no_request_when_the_resolution_needs_no_change(incident, group_coordinator):
    assess(group_coordinator, incident, cmdb=False)
    assert not RequestForChange.objects.exists()


@pytest.fixture
def quota_request(service, sla, provider):
    from steward.core.tests.factories import make_person

    manager = make_person("service_level_manager", organisation=provider, username="lena")
    item = CatalogItem(service=service, name="E-mail - Standard", status="published")
    from steward.core import numbering

    numbering.assign(item)
    item.save()
    return request_type_create(
        actor=manager, catalog_item=item, name="Add a mailbox quota",
        fields=[{"label": "Mailbox", "kind": "text", "required": True}],
        creates_change_request=True,
    )  # fmt: skip


def test_a_request_form_flagged_for_it_sends_a_request_for_change(
    quota_request, requester, change_coordinator
):
    incident = service_request_submit(
        actor=requester, request_type=quota_request, answers={"mailbox": "sales@acme.example"}
    )
    rfc = RequestForChange.objects.get()
    assert (rfc.source, rfc.incident, rfc.requested_by, rfc.customer) == (
        RfcSource.REQUEST_FORM, incident, requester, incident.customer,
    )  # fmt: skip
    assert rfc.title == "Add a mailbox quota" and "sales@acme.example" in rfc.description


def test_an_ordinary_request_form_sends_none(quota_request, requester, level_manager_edit):
    level_manager_edit(quota_request, creates_change_request=False)
    service_request_submit(actor=requester, request_type=quota_request, answers={"mailbox": "x"})
    assert not RequestForChange.objects.exists()


@pytest.fixture
def level_manager_edit(provider):
    from steward.core.tests.factories import make_person
    from steward.service_level.services.request_types import request_type_update

    manager = make_person("service_level_manager", organisation=provider, username="lena2")

    def edit(request_type, **data):
        return request_type_update(actor=manager, request_type_id=request_type.pk, data=data)

    return edit
