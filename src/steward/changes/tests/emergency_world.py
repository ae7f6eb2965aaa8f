"""Fixtures of the emergency change tests (seed 003 ch. 3 proc. 7-8, ch. 8 proc. 2-5),
imported by the ``test_emergency*`` modules.

``escalated``: Acme's requester reported that mail bounces on E-mail (CI ``mail-01``); the
server group's specialist took it and assessed that its resolution changes the service's
functionality, so it is escalated to E-mail's owner (proc. 4). ``ask(...)`` is the owner's
decision of proc. 5 to have it resolved as an emergency change; ``emergency`` is the change
that decision made."""

from collections.abc import Callable
from typing import Any

import pytest

from steward.changes.models import Change
from steward.configuration.services import cis as cmdb
from steward.core.models import Notification
from steward.core.tests.factories import member_fixture
from steward.incidents.models import IncidentRequest
from steward.incidents.services import incidents as incident_svc

other_specialist = member_fixture("other_specialist", "server_group", "specialist", "spec2")


@pytest.fixture
def mail_server(config_admin):
    """The CI ``mail-01`` (the foundation's ``cmdb_world`` is more than these tests need)."""
    kind = cmdb.ci_class_create(
        actor=config_admin, name="Server", code="server", category="hardware"
    )
    return cmdb.ci_create(actor=config_admin, ci_class=kind, name="mail-01")


@pytest.fixture
def escalated(
    analyst, requester, service, server_group, specialist, service_owner, change_coordinator,
    mail_server,
) -> IncidentRequest:  # fmt: skip
    incident = incident_svc.incident_register(
        actor=analyst,
        requester=requester,
        title="Mail to Globex bounces",
        description="Every mail to globex.example comes back.",
        service=service,
        support_group=server_group,
        cis=[mail_server],
    )
    incident_svc.incident_take(actor=specialist, incident_id=incident.pk)
    return incident_svc.incident_assess_change(
        actor=specialist,
        incident_id=incident.pk,
        causes_service_unavailability=False,
        changes_service_functionality=True,
        requires_cmdb_update=False,
    )


@pytest.fixture
def ask(escalated, service_owner, specialist) -> Callable[..., Change]:
    """``ask(actor=owner, specialist=specialist, category="infrastructure")``: the proc. 5
    decision; returns the emergency change it made."""

    def decide(**given: Any) -> Change:
        incident_svc.incident_handle_escalation(
            actor=given.pop("actor", service_owner),
            incident_id=escalated.pk,
            decision="emergency_change",
            specialist=given.pop("specialist", specialist),
            note=given.pop("note", "Deploy the corrected relay configuration."),
            **given,
        )
        return Change.objects.get(incidents=escalated)

    return decide


@pytest.fixture
def emergency(ask) -> Change:
    """An infrastructure emergency change being implemented by the specialist."""
    return ask()


@pytest.fixture
def application_change(ask) -> Change:
    return ask(category="application")


@pytest.fixture
def told() -> Callable[..., list[str]]:
    """``told(person, record)``: the events notified to ``person`` about ``record``."""

    def events(person: Any, record: Any = None) -> list[str]:
        qs = Notification.objects.filter(recipient=person).order_by("pk")
        if record is not None:
            qs = qs.filter(record_id=record.pk, title__startswith=record.number)
        return list(qs.values_list("event", flat=True))

    return events
