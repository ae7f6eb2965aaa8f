"""Releases (proc. 2): registration and editing through the services, the API and the
pages, with the denials; the backlog release of a service."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.core.errors import DomainError
from steward.core.models import JournalEntry
from steward.core.tests.api import field_errors
from steward.releases.models import Release
from steward.releases.services import releases as svc

pytestmark = pytest.mark.django_db


def test_the_release_coordinator_registers_a_release(make_release, release_coordinator) -> None:
    release = make_release(estimated_cost="12000", available_budget="5000.5")
    assert release.number.startswith("REL")
    assert release.status == "registered" and release.coordinator == release_coordinator
    assert release.estimated_cost == Decimal("12000.00")
    assert release.available_budget == Decimal("5000.50")
    assert JournalEntry.objects.filter(record_id=release.pk, kind="created").exists()


def test_only_the_release_coordinator_of_the_service_registers(
    make_release, other_release_coordinator, outsider
) -> None:
    for actor in (other_release_coordinator, outsider):
        with pytest.raises(PermissionDenied):
            make_release(actor=actor)
    assert not Release.objects.exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"title": " "}, "title"),
        ({"release_type": "huge"}, "release_type"),
        ({"estimated_cost": "-1"}, "estimated_cost"),
        ({"estimated_cost": "lots"}, "estimated_cost"),
        ({"available_budget": "1e15"}, "available_budget"),
    ],
)
def test_registration_refuses_bad_input_by_field(make_release, fields, field) -> None:
    with pytest.raises(ValidationError) as refused:
        make_release(**fields)
    assert field in refused.value.message_dict
    assert not Release.objects.exists()


def test_the_window_must_end_after_it_starts(make_release) -> None:
    import datetime as dt

    start = dt.datetime(2027, 3, 1, 20, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as refused:
        make_release(planned_start=start, planned_end=start - dt.timedelta(hours=1))
    assert "planned_end" in refused.value.message_dict


def test_editing_is_journaled_and_versioned(make_release, release_coordinator) -> None:
    from steward.core.versioning import StaleVersion

    release = make_release()
    updated = svc.release_update(actor=release_coordinator, release_id=release.pk,
                                 data={"title": "Mail 2027.2", "plan_notes": "Two changes."},
                                 expected_version=release.lock_version)  # fmt: skip
    assert updated.title == "Mail 2027.2" and updated.plan_notes == "Two changes."
    assert JournalEntry.objects.filter(record_id=release.pk, kind="field_change").exists()
    with pytest.raises(StaleVersion):
        svc.release_update(actor=release_coordinator, release_id=release.pk,
                           data={"title": "Again"}, expected_version=release.lock_version)  # fmt: skip


def test_the_backlog_release_is_one_per_service_and_not_edited(
    service, release_coordinator
) -> None:
    first = svc.backlog_release(service)
    assert svc.backlog_release(service) == first
    assert first.is_backlog and first.status == "backlog"
    with pytest.raises(DomainError):
        svc.release_update(actor=release_coordinator, release_id=first.pk, data={"title": "x"})


def test_api_registers_and_refuses(client, make_release, release_coordinator, outsider, service):
    client.force_login(release_coordinator)
    made = client.post("/api/v1/releases/", {"title": "Mail 2027.3", "service": service.pk,
                                              "estimated_cost": "100.00"},
                       content_type="application/json")  # fmt: skip
    assert made.status_code == 201, made.content
    assert made.json()["number"].startswith("REL")
    bad = client.post("/api/v1/releases/", {"title": "", "service": service.pk},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and "title" in field_errors(bad)
    client.force_login(outsider)
    denied = client.post("/api/v1/releases/", {"title": "X", "service": service.pk},
                         content_type="application/json")  # fmt: skip
    assert denied.status_code == 403
    assert Release.objects.count() == 1


def test_customers_see_no_release(client, make_release, requester) -> None:
    release = make_release()
    client.force_login(requester)
    assert client.get(f"/api/v1/releases/{release.pk}/").status_code in (403, 404)
    assert client.get("/api/v1/releases/").status_code == 403
    assert client.get(f"/releases/{release.pk}/").status_code in (403, 404)


def test_the_pages_list_show_and_register(client, make_release, release_coordinator, service):
    release = make_release()
    client.force_login(release_coordinator)
    assert release.number in client.get("/releases/").content.decode()
    page = client.get(f"/releases/{release.pk}/")
    assert page.status_code == 200 and "Mail 2027.1" in page.content.decode()
    posted = client.post("/releases/new/", {"title": "Mail 2027.4", "service": service.pk,
                                            "release_type": "major"})  # fmt: skip
    assert posted.status_code == 302
    assert Release.objects.filter(title="Mail 2027.4", release_type="major").exists()


def test_requests_move_into_a_release_and_back_to_the_backlog(
    make_rfc, make_release, release_coordinator, service
) -> None:
    from django.utils import timezone

    from steward.releases.models import RfcHandling

    rfc = make_rfc()
    # The hand-over made the handling (the handling topic's provider hook).
    RfcHandling.objects.filter(rfc=rfc).update(status="cab_list", received_at=timezone.now())
    handling = RfcHandling.objects.get(rfc=rfc, service=service)
    release = make_release()
    svc.put_in_release(handling, release, actor=release_coordinator, by_cab=True)
    handling.refresh_from_db()
    assert handling.status == "in_release" and handling.release == release
    assert handling.included_at is not None
    assert svc.return_to_backlog([handling], actor=release_coordinator, reason="Abandoned") == 1
    handling.refresh_from_db()
    assert handling.status == "cab_list" and handling.release.is_backlog
    with pytest.raises(ValidationError):
        svc.put_in_release(handling, handling.release, actor=release_coordinator)
