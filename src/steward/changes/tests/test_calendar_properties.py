"""Property tests of the conflict rule (issue 14, acceptance 2): an overlap in time on the
same or a related CI or service is reported; disjoint windows never are; unrelated CIs
and services never are; a blackout period always is."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.changes.models import Change
from steward.changes.queries.calendar import conflicts
from steward.changes.services import calendar as svc
from steward.configuration.services import cis as cmdb
from steward.core import numbering
from steward.core.testing.properties import DATABASE_PROPERTIES
from steward.service_level.models import Service

T0 = datetime(2027, 6, 1, tzinfo=UTC)

# (start minute, length in minutes) within two days
windows = st.tuples(st.integers(0, 48 * 60), st.integers(1, 12 * 60))

# How the existing change relates to the proposed one (proposed: the app CI on Payroll).
RELATED = ["same_ci", "supporting_ci", "supporting_ci_2", "dependent_ci", "same_service",
           "other_service_listed"]  # fmt: skip
UNRELATED = ["unrelated_ci", "unrelated_service", "sibling_ci"]


@pytest.fixture
def world(config_admin, change_manager, service, other_service, provider, make_change):
    """``app`` runs on ``server``, which runs on ``host``; ``sibling`` runs on ``server``
    too (neither depends on the other: unrelated); ``printer`` stands alone. The existing
    change is on Intranet, a service nothing else concerns."""
    hardware = cmdb.ci_class_create(actor=config_admin, name="Box", code="box", category="hardware")
    runs_on = cmdb.relationship_type_create(
        actor=config_admin, code="runs-on", name="runs on", reverse_name="hosts"
    )
    cmdb.relationship_rule_add(
        actor=config_admin,
        type_id=runs_on.pk,
        source_class_id=hardware.pk,
        target_class_id=hardware.pk,
    )
    names = ["app", "server", "host", "sibling", "printer"]
    ci = {n: cmdb.ci_create(actor=config_admin, ci_class=hardware, name=n).pk for n in names}
    for source, target in (("app", "server"), ("server", "host"), ("sibling", "server")):
        cmdb.relationship_add(
            actor=config_admin, source_id=ci[source], target_id=ci[target], type_id=runs_on.pk
        )
    intranet = Service(name="Intranet", status="active", provider=provider)
    numbering.assign(intranet)
    intranet.save()
    existing = make_change(title="Existing", service_id=intranet.pk, actor=change_manager)
    return {"ci": ci, "email": service, "payroll": other_service, "intranet": intranet,
            "existing": existing}  # fmt: skip


def arrange(world, relation: str, start: int, length: int) -> None:
    """Put the existing change in its window, on what ``relation`` says."""
    ci, existing = world["ci"], world["existing"]
    cis = {
        "same_ci": ["app"],
        "supporting_ci": ["server"],
        "supporting_ci_2": ["host"],
        "dependent_ci": [],
        "unrelated_ci": ["printer"],
        "sibling_ci": ["sibling"],
    }.get(relation, [])
    service = world["email"] if relation == "same_service" else world["intranet"]
    Change.objects.filter(pk=existing.pk).update(
        planned_start=T0 + timedelta(minutes=start),
        planned_end=T0 + timedelta(minutes=start + length),
        service=service,
    )
    existing.cis.set([ci[name] for name in cis])
    existing.services.set([world["email"]] if relation == "other_service_listed" else [])


def proposed(world, relation: str, start: int, length: int) -> list:
    # The proposal touches "app", on Payroll; for "dependent_ci" it touches "server" and
    # the existing change is on "app", which runs on it.
    ci = world["ci"]
    own = ["server"] if relation == "dependent_ci" else ["app"]
    services = [world["payroll"].pk]
    if relation in ("same_service", "other_service_listed"):
        services.append(world["email"].pk)
    return conflicts(
        start=T0 + timedelta(minutes=start),
        end=T0 + timedelta(minutes=start + length),
        ci_ids=[ci[name] for name in own],
        service_ids=services,
    )


def overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[0] + b[1] and b[0] < a[0] + a[1]


@DATABASE_PROPERTIES
@given(relation=st.sampled_from(RELATED + UNRELATED), mine=windows, theirs=windows)
def test_reported_exactly_when_overlapping_and_related(world, relation, mine, theirs):
    arrange(world, relation, *theirs)
    if relation == "dependent_ci":  # the existing change is on app, which runs on server
        world["existing"].cis.set([world["ci"]["app"]])
    found = proposed(world, relation, *mine)
    assert bool(found) is (overlap(mine, theirs) and relation in RELATED), (relation, found)
    if found:
        [conflict] = found
        assert conflict.number == world["existing"].number
        assert conflict.reasons
        start = T0 + timedelta(minutes=max(mine[0], theirs[0]))
        end = T0 + timedelta(minutes=min(sum(mine), sum(theirs)))
        assert (conflict.overlap_start, conflict.overlap_end) == (start, end)


@DATABASE_PROPERTIES
@given(gap=st.integers(0, 24 * 60), mine=windows, relation=st.sampled_from(RELATED))
def test_disjoint_windows_never_conflict(world, gap, mine, relation):
    theirs_start = mine[0] + mine[1] + gap  # starts when (or after) mine ends
    arrange(world, relation, theirs_start, 60)
    if relation == "dependent_ci":
        world["existing"].cis.set([world["ci"]["app"]])
    assert proposed(world, relation, *mine) == []
    arrange(world, relation, mine[0] - 60 - gap, 60)  # ends when (or before) mine starts
    if relation == "dependent_ci":
        world["existing"].cis.set([world["ci"]["app"]])
    assert proposed(world, relation, *mine) == []


@DATABASE_PROPERTIES
@given(blackout=windows, mine=windows, relation=st.sampled_from(RELATED + UNRELATED))
def test_a_blackout_always_conflicts(world, change_manager, blackout, mine, relation):
    arrange(world, "unrelated_service", 10_000, 60)  # the change itself is out of the way
    event = svc.planned_event_create(
        actor=change_manager,
        title="Freeze",
        kind="blackout",
        starts_at=T0 + timedelta(minutes=blackout[0]),
        ends_at=T0 + timedelta(minutes=sum(blackout)),
    )
    try:
        found = proposed(world, relation, *mine)
        assert [c.number for c in found] == ([event.number] if overlap(mine, blackout) else [])
        assert all(c.reasons[0].kind == "blackout" for c in found)
    finally:
        event.delete()


change_specs = st.lists(
    st.tuples(
        windows,
        st.sets(st.sampled_from(["app", "server", "host", "sibling", "printer"]), max_size=2),
        st.sampled_from(["email", "payroll", "intranet"]),
    ),
    min_size=2,
    max_size=5,
)


@DATABASE_PROPERTIES
@given(specs=change_specs)
def test_the_calendar_marks_what_the_check_reports(world, make_change, change_manager, specs):
    """The calendar (every change of a range matched at once) and the check of one change
    say the same, whichever changes are on it."""
    from steward.changes.queries.calendar import calendar_entries, conflicts_for_change

    made = []
    try:
        for (start, length), cis, service in specs:
            change = make_change(title="Any", service_id=world[service].pk, actor=change_manager)
            Change.objects.filter(pk=change.pk).update(
                planned_start=T0 + timedelta(minutes=start),
                planned_end=T0 + timedelta(minutes=start + length),
            )
            change.cis.set([world["ci"][name] for name in cis])
            change.refresh_from_db()
            made.append(change)
        entries = {
            e.id: e
            for e in calendar_entries(start=T0 - timedelta(days=1), end=T0 + timedelta(days=4))
            if e.is_change
        }
        for change in made:
            expected = [(c.number, c.why) for c in conflicts_for_change(change)]
            assert [(c.number, c.why) for c in entries[change.pk].conflicts] == expected
    finally:
        Change.objects.filter(pk__in=[c.pk for c in made]).delete()
