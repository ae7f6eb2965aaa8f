"""The change calendar's conflicts (proc. 2, 3: "the timing of the implementation does
not conflict with other planned changes or planned events") and planned events."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.changes.choices import ChangeStatus
from steward.changes.models import Change, PlannedEvent
from steward.changes.queries.calendar import calendar_entries, conflicts, conflicts_for_change
from steward.changes.services import calendar as svc
from steward.configuration.services import cis as cmdb
from steward.core.errors import DomainError
from steward.core.testing.journal import journal_of

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def cmdb_world(config_admin, service):
    """conftest's world with a valid class category (its "service" is not one): the E-mail
    service's CI runs on the server ``mail-01``."""
    kind = cmdb.ci_class_create(
        actor=config_admin, name="Server", code="server", category="hardware"
    )
    app = cmdb.ci_class_create(
        actor=config_admin,
        name="Business service",
        code="bservice",
        category="service_infrastructure",
    )
    runs_on = cmdb.relationship_type_create(
        actor=config_admin, code="runs-on", name="runs on", reverse_name="hosts"
    )
    server = cmdb.ci_create(actor=config_admin, ci_class=kind, name="mail-01")
    service_ci = cmdb.ci_create(actor=config_admin, ci_class=app, name="E-mail service")
    type(service_ci).objects.filter(pk=service_ci.pk).update(service=service)
    cmdb.relationship_rule_add(
        actor=config_admin, type_id=runs_on.pk, source_class_id=app.pk, target_class_id=kind.pk
    )
    cmdb.relationship_add(
        actor=config_admin, source_id=service_ci.pk, target_id=server.pk, type_id=runs_on.pk
    )
    return {"service_ci": service_ci, "server": server}


def scheduled(change: Change, start: datetime, end: datetime, **fields) -> Change:
    """Give ``change`` a window (the planning topic's service does it in the process)."""
    Change.objects.filter(pk=change.pk).update(planned_start=start, planned_end=end, **fields)
    change.refresh_from_db()
    return change


@pytest.fixture
def on_server(make_change, cmdb_world):
    """A change on mail-01, 09:00-11:00."""
    change = make_change(title="Patch mail-01", ci_ids=[cmdb_world["server"].pk])
    return scheduled(change, T0, T0 + 2 * H)


def check(ci_ids=(), service_ids=(), start=T0 + H, end=T0 + 3 * H, **kw):
    return conflicts(start=start, end=end, ci_ids=ci_ids, service_ids=service_ids, **kw)


# --- the rule, one row a branch --------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ((T0 + H, T0 + 3 * H), True),  # overlaps the end
        ((T0 - H, T0 + H), True),  # overlaps the start
        ((T0 + H / 2, T0 + H), True),  # inside
        ((T0 - H, T0 + 4 * H), True),  # around
        ((T0 + 2 * H, T0 + 3 * H), False),  # starts when it ends: touching, no overlap
        ((T0 - H, T0), False),  # ends when it starts
        ((T0 + 5 * H, T0 + 6 * H), False),  # later
    ],
)
def test_only_an_overlap_in_time_conflicts(on_server, cmdb_world, window, expected):
    found = check([cmdb_world["server"].pk], start=window[0], end=window[1])
    assert bool(found) is expected


def test_same_ci_says_so_with_the_overlap(on_server, cmdb_world):
    [conflict] = check([cmdb_world["server"].pk])
    assert (conflict.kind, conflict.number) == ("change", on_server.number)
    assert conflict.reasons[0].text == "same CI mail-01"
    # Its service, E-mail, is the service of a CI running on mail-01: said too.
    assert [r.kind for r in conflict.reasons] == ["same_ci", "related_service"]
    assert (conflict.overlap_start, conflict.overlap_end) == (T0 + H, T0 + 2 * H)


def test_a_ci_depending_on_it_is_related(on_server, cmdb_world, other_service):
    # The E-mail service CI runs on mail-01: a change on it meets the change on mail-01.
    [conflict] = check([cmdb_world["service_ci"].pk], service_ids=[other_service.pk])
    assert conflict.reasons[0].kind == "related_ci"
    assert "related CI mail-01" in conflict.why


def test_the_service_of_a_related_ci_counts(make_change, cmdb_world, other_service):
    # A change on Payroll touching mail-01 concerns E-mail too (its CI runs on mail-01).
    on_email = scheduled(make_change(title="E-mail settings"), T0, T0 + 2 * H)
    [conflict] = check([cmdb_world["server"].pk], service_ids=[other_service.pk])
    assert conflict.number == on_email.number
    assert conflict.reasons[0].kind == "related_service"
    assert "related service E-mail" in conflict.why


def test_same_service(make_change, service):
    other = scheduled(make_change(), T0, T0 + 2 * H)
    [conflict] = check(service_ids=[service.pk])
    assert conflict.number == other.number and conflict.why == "same service E-mail"


def test_unrelated_and_ended_changes_do_not_conflict(make_change, on_server, other_service):
    scheduled(make_change(title="Closed"), T0, T0 + 2 * H, status=ChangeStatus.CLOSED)
    assert check(service_ids=[other_service.pk]) == []


def test_the_change_itself_is_left_out(on_server):
    assert conflicts_for_change(on_server) == []


def test_a_change_without_window_has_no_conflicts(make_change):
    assert conflicts_for_change(make_change()) == []


def test_a_blackout_conflicts_with_everything(change_manager, other_service):
    event = svc.planned_event_create(
        actor=change_manager, title="Quarter end", kind="blackout", starts_at=T0, ends_at=T0 + 9 * H
    )
    [conflict] = check(service_ids=[other_service.pk])
    assert (conflict.kind, conflict.number, conflict.why) == (
        "planned_event",
        event.number,
        "blackout period: no changes",
    )
    svc.planned_event_cancel(actor=change_manager, planned_event_id=event.pk)
    assert check(service_ids=[other_service.pk]) == []


def test_a_maintenance_window_on_the_service(change_manager, service, other_service):
    svc.planned_event_create(
        actor=change_manager,
        title="Storage firmware",
        kind="maintenance",
        starts_at=T0,
        ends_at=T0 + 2 * H,
        service_ids=[service.pk],
    )
    assert [c.why for c in check(service_ids=[service.pk])] == ["same service E-mail"]
    assert check(service_ids=[other_service.pk]) == []


def test_conflicts_for_change_reads_its_window_cis_and_services(on_server, make_change, cmdb_world):
    second = make_change(title="Reboot mail-01", ci_ids=[cmdb_world["server"].pk])
    scheduled(second, T0 + H, T0 + 2 * H)
    [conflict] = conflicts_for_change(second)
    assert conflict.number == on_server.number
    assert [r.kind for r in conflict.reasons] == ["same_ci", "same_service"]


# --- the calendar -----------------------------------------------------------------------


def test_the_calendar_marks_both_changes_of_a_conflict(on_server, make_change, cmdb_world):
    second = scheduled(make_change(title="Reboot", ci_ids=[cmdb_world["server"].pk]), T0, T0 + H)
    entries = {e.number: e for e in calendar_entries(start=T0 - 24 * H, end=T0 + 24 * H)}
    assert [c.number for c in entries[on_server.number].conflicts] == [second.number]
    assert [c.number for c in entries[second.number].conflicts] == [on_server.number]


def test_the_calendar_filters_yet_finds_conflicts_outside_the_filter(
    on_server, make_change, server_group, other_service, cmdb_world, change_manager
):
    payroll = make_change(title="Payroll", service_id=other_service.pk, actor=change_manager)
    lone = scheduled(payroll, T0, T0 + H)
    entries = calendar_entries(start=T0 - 24 * H, end=T0 + 24 * H, ci_id=cmdb_world["server"].pk)
    assert [e.number for e in entries] == [on_server.number]
    assert calendar_entries(start=T0, end=T0 + H, group_id=server_group.pk) == []
    by_service = calendar_entries(start=T0, end=T0 + H, service_id=other_service.pk)
    assert [e.number for e in by_service] == [lone.number]


# --- planned events ---------------------------------------------------------------------


def test_planned_event_lifecycle(change_manager, service):
    event = svc.planned_event_create(
        actor=change_manager,
        title=" Backup window ",
        kind="maintenance",
        starts_at=T0,
        ends_at=T0 + H,
        service_ids=[service.pk],
    )
    assert event.number.startswith("PEV") and event.title == "Backup window"
    assert journal_of(event, kind="created").exists()
    updated = svc.planned_event_update(
        actor=change_manager,
        planned_event_id=event.pk,
        data={"ends_at": T0 + 2 * H},
        expected_version=event.lock_version,
    )
    assert updated.ends_at == T0 + 2 * H
    svc.planned_event_cancel(actor=change_manager, planned_event_id=event.pk, reason="Moved")
    assert PlannedEvent.objects.get(pk=event.pk).is_cancelled
    with pytest.raises(DomainError):
        svc.planned_event_cancel(actor=change_manager, planned_event_id=event.pk)
    with pytest.raises(DomainError):
        svc.planned_event_update(
            actor=change_manager, planned_event_id=event.pk, data={"title": "x"}
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ends_at": T0}, "ends_at"),  # end == start
        ({"ends_at": T0 - H}, "ends_at"),
        ({"kind": "party"}, "kind"),
        ({"service_ids": []}, "services"),  # concerns nothing
        ({"service_ids": [999999]}, "services"),
        ({"title": "  "}, "title"),
    ],
)
def test_planned_event_refusals(change_manager, service, fields, field):
    base = {
        "title": "Window",
        "kind": "maintenance",
        "starts_at": T0,
        "ends_at": T0 + H,
        "service_ids": [service.pk],
    }
    with pytest.raises(ValidationError) as refused:
        svc.planned_event_create(actor=change_manager, **{**base, **fields})
    assert field in refused.value.message_dict
    assert not PlannedEvent.objects.exists()


def test_who_plans_events(specialist, change_coordinator, service, other_service):
    window = {"kind": "maintenance", "starts_at": T0, "ends_at": T0 + H}
    with pytest.raises(PermissionDenied):
        svc.planned_event_create(actor=specialist, title="x", service_ids=[service.pk], **window)
    # E-mail's change coordinator plans on E-mail only, and no blackout.
    svc.planned_event_create(
        actor=change_coordinator, title="ok", service_ids=[service.pk], **window
    )
    with pytest.raises(PermissionDenied):
        svc.planned_event_create(
            actor=change_coordinator, title="x", service_ids=[other_service.pk], **window
        )
    with pytest.raises(PermissionDenied):
        svc.planned_event_create(
            actor=change_coordinator, title="x", **{**window, "kind": "blackout"}
        )
    assert PlannedEvent.objects.count() == 1
