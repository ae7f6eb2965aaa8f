"""Recording that a change caused an incident request, and taking it back: who may, on
which changes, through the service, the API and the change page."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from steward.changes.choices import ChangeStatus, ChangeType
from steward.changes.models import Change
from steward.changes.services.kpis import (
    change_link_caused_incident,
    change_unlink_caused_incident,
)
from steward.core.errors import DomainError
from steward.core.models import JournalEntry
from steward.core.tests.api import field_errors
from steward.core.tests.factories import group_member, make_person
from steward.incidents.tests.test_solutions import incident as make_incident

pytestmark = pytest.mark.django_db


def implemented(make_change: Any, **fields: Any) -> Change:
    change = make_change(**fields)
    Change.objects.filter(pk=change.pk).update(status=ChangeStatus.IMPLEMENTATION)
    change.refresh_from_db()
    return change


@pytest.fixture
def incident(requester, server_group):
    return make_incident(requester, group=server_group, title="Mail bounces since the upgrade")


def test_the_coordinator_records_it_and_both_journals_say_so(
    make_change, change_coordinator, incident
):
    change = implemented(make_change)
    version = change.lock_version

    change_link_caused_incident(
        actor=change_coordinator, change_id=change.pk, incident_id=incident.pk, note="Same hour."
    )

    change.refresh_from_db()
    assert list(change.caused_incidents.all()) == [incident]
    assert change.lock_version > version
    lines = JournalEntry.objects.filter(field__in=["caused incidents", "caused by change"])
    assert {(e.field, e.new_value) for e in lines} == {
        ("caused incidents", incident.number),
        ("caused by change", change.number),
    }
    assert JournalEntry.objects.filter(record_id=change.pk, body__contains="Same hour.").exists()


@pytest.mark.parametrize(
    ("status", "change_type", "allowed"),
    [
        (ChangeStatus.REGISTERED, ChangeType.NORMAL, False),
        (ChangeStatus.PLANNING, ChangeType.NORMAL, False),
        (ChangeStatus.APPROVAL, ChangeType.NORMAL, False),
        (ChangeStatus.REJECTED, ChangeType.NORMAL, False),
        (ChangeStatus.CANCELLED, ChangeType.NORMAL, False),
        (ChangeStatus.IMPLEMENTATION, ChangeType.NORMAL, True),
        (ChangeStatus.PRODUCTION_TEST, ChangeType.NORMAL, True),
        (ChangeStatus.CLOSED, ChangeType.NORMAL, True),
        (ChangeStatus.BACKED_OUT, ChangeType.NORMAL, True),
        # An emergency change is registered after its implementation (proc. 8).
        (ChangeStatus.REGISTERED, ChangeType.EMERGENCY, True),
    ],
)
def test_only_an_implemented_change_causes_incidents(
    make_change, change_coordinator, incident, status, change_type, allowed
):
    change = make_change(change_type=change_type)
    Change.objects.filter(pk=change.pk).update(status=status)

    def record() -> Change:
        return change_link_caused_incident(
            actor=change_coordinator, change_id=change.pk, incident_id=incident.pk
        )

    if allowed:
        assert incident in record().caused_incidents.all()
    else:
        with pytest.raises(DomainError):
            record()
        assert not change.caused_incidents.exists()


def test_only_the_coordinator_of_the_changes_service_records_it(
    make_change, server_group, specialist, incident, change_manager, provider, other_service
):
    change = implemented(make_change)
    group_coordinator = group_member(server_group, "group_coordinator", scoped=True)
    elsewhere = make_person(  # the change coordinator of Payroll, not of E-mail
        "change_coordinator", organisation=provider, scope=other_service, username="payroll"
    )

    for refused in (specialist, group_coordinator, elsewhere):
        with pytest.raises(PermissionDenied):
            change_link_caused_incident(actor=refused, change_id=change.pk, incident_id=incident.pk)
    assert not change.caused_incidents.exists()

    change_link_caused_incident(actor=change_manager, change_id=change.pk, incident_id=incident.pk)
    assert change.caused_incidents.count() == 1


def test_twice_or_an_unknown_incident_is_refused_naming_the_incident(
    make_change, change_coordinator, incident
):
    change = implemented(make_change)
    change_link_caused_incident(
        actor=change_coordinator, change_id=change.pk, incident_id=incident.pk
    )

    for incident_id in (incident.pk, 999_999):
        with pytest.raises(ValidationError) as refused:
            change_link_caused_incident(
                actor=change_coordinator, change_id=change.pk, incident_id=incident_id
            )
        assert list(refused.value.message_dict) == ["incident"]


def test_taking_it_back(make_change, change_coordinator, specialist, incident):
    change = implemented(make_change)
    change_link_caused_incident(
        actor=change_coordinator, change_id=change.pk, incident_id=incident.pk
    )
    with pytest.raises(PermissionDenied):
        change_unlink_caused_incident(
            actor=specialist, change_id=change.pk, incident_id=incident.pk
        )

    change_unlink_caused_incident(
        actor=change_coordinator, change_id=change.pk, incident_id=incident.pk
    )

    assert not change.caused_incidents.exists()
    with pytest.raises(ValidationError):  # no longer recorded: nothing to take back
        change_unlink_caused_incident(
            actor=change_coordinator, change_id=change.pk, incident_id=incident.pk
        )


# --- API and page -----------------------------------------------------------------------------


def test_the_api_records_and_takes_back(api, make_change, change_coordinator, specialist, incident):
    change = implemented(make_change)
    url = f"/api/v1/changes/{change.pk}"

    refused = api.as_(specialist).post(f"{url}/caused-incident/", {"incident": incident.pk})
    assert refused.status_code == 403
    caller = api.as_(change_coordinator)
    steps = {s["key"] for s in caller.get(f"{url}/next-steps/").json()}
    assert "caused-incident" in steps and "caused-incident-remove" not in steps

    answer = caller.post(f"{url}/caused-incident/", {"incident": incident.pk, "note": "Bounces."})
    assert answer.status_code == 200, answer.content
    assert change.caused_incidents.count() == 1
    again = caller.post(f"{url}/caused-incident/", {"incident": incident.pk})
    assert again.status_code == 400 and list(field_errors(again)) == ["incident"]

    removed = caller.post(f"{url}/caused-incident-remove/", {"incident": incident.pk})
    assert removed.status_code == 200, removed.content
    assert not change.caused_incidents.exists()


def test_a_change_not_yet_implemented_is_a_conflict(api, make_change, change_coordinator, incident):
    change = make_change()

    answer = api.as_(change_coordinator).post(
        f"/api/v1/changes/{change.pk}/caused-incident/", {"incident": incident.pk}
    )

    assert answer.status_code == 409


def test_the_change_page_lists_them_and_takes_one_back(
    client, make_change, change_coordinator, incident
):
    change = implemented(make_change)
    client.force_login(change_coordinator)
    page = reverse("changes:change-detail", args=[change.pk])
    assert "No incident request is recorded as caused" in client.get(page).content.decode()

    posted = client.post(
        reverse("changes:change-caused-incident", args=[change.pk]),
        {"incident": incident.number.lower(), "note": ""},
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    html = client.get(page).content.decode()
    assert 'id="caused-incidents"' in html and incident.number in html
    unlink = reverse("changes:change-caused-incident-unlink", args=[change.pk, incident.pk])
    assert unlink in html

    assert client.post(unlink).status_code == 302
    assert not change.caused_incidents.exists()


def test_a_wrong_number_on_the_page_says_so(client, make_change, change_coordinator):
    change = implemented(make_change)
    client.force_login(change_coordinator)

    posted = client.post(
        reverse("changes:change-caused-incident", args=[change.pk]), {"incident": "INC999999"}
    )

    assert posted.status_code == 400  # the record page again, the form with its error
    assert not change.caused_incidents.exists()


def test_the_demo_links_a_couple_of_implemented_changes_once(
    make_change, change_manager, requester, service
):
    from steward.changes import demo

    demo._kpis({})  # no demo changes yet: nothing to do
    assert not Change.caused_incidents.through.objects.exists()
    for _ in range(3):
        implemented(make_change)
    make_change(title="Still planned")
    for n in range(3):
        make_incident(requester, service=service, title=f"Mail slow {n}")

    context: dict = {}
    demo._kpis(context)
    demo._kpis(context)

    assert context["counts"]["changes that caused incidents"] == 2  # the second run: none
    assert Change.objects.filter(caused_incidents__isnull=False).count() == 2
