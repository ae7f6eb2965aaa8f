"""Seed 003 ch. 3 proc. 2, Change Planning, through the services: editing a change, the
risk and impact analysis (questionnaire, CMDB impact, service hours), the availability
manager's help, finishing the analysis, submitting the plan and cancelling; each step
allowed and refused."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.changes.choices import ChangeStatus, RiskLevel, TaskStatus
from steward.changes.models import Change, ChangeTask
from steward.changes.services import changes as svc
from steward.changes.services import impact, planning
from steward.configuration.services import cis as cmdb
from steward.core.errors import DomainError, InvalidTransition, StaleVersion
from steward.core.models import Notification
from steward.core.testing.journal import journal_of

AMS = ZoneInfo("Europe/Amsterdam")
C = ChangeStatus
# Answers of a change that is low-risk on every question.
CALM = {
    "causes_outage": False,
    "functionality_changes": False,
    "cmdb_update": False,
    "infrastructure_changes": False,
    "tested": True,
    "backout_tested": True,
    "users_affected": "none",
}


def build_cmdb(config_admin, service) -> dict:
    """The conftest's CMDB (E-mail's CI runs on the server ``mail-01``) with a CI class
    category that exists (the conftest's ``"service"`` is not one: reported)."""
    kind = cmdb.ci_class_create(
        actor=config_admin, name="Server", code="server", category="hardware"
    )
    app = cmdb.ci_class_create(
        actor=config_admin, name="Business service", code="bservice",
        category="service_infrastructure",
    )  # fmt: skip
    runs_on = cmdb.relationship_type_create(
        actor=config_admin, code="runs-on", name="runs on", reverse_name="hosts"
    )
    server = cmdb.ci_create(actor=config_admin, ci_class=kind, name="mail-01")
    service_ci = cmdb.ci_create(actor=config_admin, ci_class=app, name="E-mail service")
    type(service_ci).objects.filter(pk=service_ci.pk).update(service=service)
    service_ci.refresh_from_db()
    cmdb.relationship_rule_add(
        actor=config_admin, type_id=runs_on.pk, source_class_id=app.pk, target_class_id=kind.pk
    )
    cmdb.relationship_add(
        actor=config_admin, source_id=service_ci.pk, target_id=server.pk, type_id=runs_on.pk
    )
    return {"service_ci": service_ci, "server": server}


@pytest.fixture
def cmdb_world(config_admin, service):
    return build_cmdb(config_admin, service)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026 in Amsterdam (the 8th is a Tuesday, the 12th a Saturday)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=AMS)


def told(person, event: str) -> bool:
    return Notification.objects.filter(recipient=person, event=event).exists()


@pytest.fixture
def analysing(make_change, change_coordinator):
    def make(**fields):
        change = make_change(**fields)
        return planning.change_start_analysis(actor=change_coordinator, change_id=change.pk)

    return make


@pytest.fixture
def planned(analysing, change_coordinator):
    """A change analysed (calm answers) and in planning, with a window and both plans."""

    def make(**fields):
        change = analysing(**fields)
        planning.change_analyse(actor=change_coordinator, change_id=change.pk, **CALM)
        svc.change_update(
            actor=change_coordinator,
            change_id=change.pk,
            data={
                "planned_start": at(8, 20),
                "planned_end": at(8, 22),
                "plan": "Swap the disks.",
                "backout_plan": "Put the old disks back.",
            },
        )
        return planning.change_finish_analysis(actor=change_coordinator, change_id=change.pk)

    return make


# --- Editing ------------------------------------------------------------------------------


def test_the_coordinator_completes_the_change_and_each_field_is_journaled(
    make_change, change_coordinator, cmdb_world
):
    change = make_change()
    svc.change_update(
        actor=change_coordinator,
        change_id=change.pk,
        expected_version=change.lock_version,
        data={
            "title": "Replace mail-01",
            "planned_start": at(8, 20),
            "planned_end": at(8, 22),
            "plan": "Swap it.",
            "cis": [cmdb_world["server"].pk],
        },
    )
    change.refresh_from_db()
    assert change.title == "Replace mail-01"
    assert list(change.cis.all()) == [cmdb_world["server"]]
    changed = set(journal_of(change, kind="field_change").values_list("field", flat=True))
    assert {"title", "planned_start", "planned_end", "plan", "cis"} <= changed


@pytest.mark.parametrize(
    "start, end",
    [(at(8, 22), at(8, 20)), (at(8, 22), at(8, 22)), (at(8, 22), at(8, 22).replace(year=2027))],
)
def test_the_window_ends_after_it_starts_within_90_days(
    make_change, change_coordinator, start, end
):
    change = make_change()
    with pytest.raises(ValidationError) as refused:
        svc.change_update(
            actor=change_coordinator,
            change_id=change.pk,
            data={"planned_start": start, "planned_end": end},
        )
    assert "planned_end" in refused.value.message_dict


@pytest.mark.parametrize(
    "data, field",
    [
        ({"colour": "red"}, "colour"),
        ({"category": "weather"}, "category"),
        ({"cis": [987654]}, "cis"),
        ({"incidents": [987654]}, "incidents"),
    ],
)
def test_bad_edits_name_the_field(make_change, change_coordinator, data, field):
    change = make_change()
    with pytest.raises(ValidationError) as refused:
        svc.change_update(actor=change_coordinator, change_id=change.pk, data=data)
    assert field in refused.value.message_dict


def test_the_new_coordinator_must_coordinate_the_service(
    make_change, change_coordinator, change_manager, specialist
):
    change = make_change()
    with pytest.raises(ValidationError) as refused:
        svc.change_update(
            actor=change_coordinator, change_id=change.pk, data={"coordinator": specialist.pk}
        )
    assert "coordinator" in refused.value.message_dict
    svc.change_update(
        actor=change_coordinator, change_id=change.pk, data={"coordinator": change_manager.pk}
    )
    assert Change.objects.get(pk=change.pk).coordinator == change_manager
    assert told(change_manager, "change.registered")


def test_only_the_coordinator_of_the_service_or_the_change_manager_edits(
    make_change, change_manager, specialist, other_service, provider
):
    from steward.core.tests.factories import make_person

    change = make_change()
    svc.change_update(actor=change_manager, change_id=change.pk, data={"title": "By the manager"})
    payroll_coordinator = make_person(
        "change_coordinator", organisation=provider, scope=other_service, username="payrollcc"
    )
    for who in (specialist, payroll_coordinator):
        with pytest.raises(PermissionDenied):
            svc.change_update(actor=who, change_id=change.pk, data={"title": "Not mine"})
    assert Change.objects.get(pk=change.pk).title == "By the manager"


def test_a_stale_edit_is_refused(make_change, change_coordinator):
    change = make_change()
    svc.change_update(actor=change_coordinator, change_id=change.pk, data={"title": "First"})
    with pytest.raises(StaleVersion):
        svc.change_update(
            actor=change_coordinator,
            change_id=change.pk,
            expected_version=change.lock_version,
            data={"title": "Second"},
        )


def test_an_ended_change_no_longer_changes(make_change, change_coordinator):
    change = make_change()
    svc.change_cancel(actor=change_coordinator, change_id=change.pk, reason="Not needed.")
    with pytest.raises(DomainError):
        svc.change_update(actor=change_coordinator, change_id=change.pk, data={"title": "x"})


# --- Starting the analysis ----------------------------------------------------------------


def test_start_analysis_moves_a_registered_change(make_change, change_coordinator):
    change = make_change()
    planning.change_start_analysis(actor=change_coordinator, change_id=change.pk)
    assert Change.objects.get(pk=change.pk).status == C.RISK_ANALYSIS
    with pytest.raises(InvalidTransition):
        planning.change_start_analysis(actor=change_coordinator, change_id=change.pk)


def test_start_analysis_is_refused_to_others_and_to_emergency_changes(
    make_change, change_coordinator, specialist
):
    change = make_change()
    with pytest.raises(PermissionDenied):
        planning.change_start_analysis(actor=specialist, change_id=change.pk)
    emergency = make_change(change_type="emergency")
    with pytest.raises(InvalidTransition):
        planning.change_start_analysis(actor=change_coordinator, change_id=emergency.pk)
    assert Change.objects.get(pk=change.pk).status == C.REGISTERED


# --- The analysis -------------------------------------------------------------------------


def test_the_analysis_stores_the_answers_and_the_cmdb_impact(
    analysing, change_coordinator, cmdb_world, sla, other_sla, customer_org, other_customer_org
):
    change = analysing(ci_ids=[cmdb_world["server"].pk])
    answers = {**CALM, "causes_outage": True}
    planning.change_analyse(actor=change_coordinator, change_id=change.pk, **answers)
    change.refresh_from_db()
    assert change.risk_answers == answers
    assert change.causes_outage is True and change.cmdb_update is False
    assert [s["name"] for s in change.impact["services"]] == ["E-mail"]
    assert {a["id"] for a in change.impact["agreements"]} == {sla.pk, other_sla.pk}
    assert set(change.customers.all()) == {customer_org, other_customer_org}
    assert [c["name"] for c in change.impact["affected_cis"]] == ["E-mail service"]
    # No window yet: nothing shows it falls outside the hours.
    assert change.unavailable_in_service_hours is True
    assert change.risk_level == RiskLevel.MEDIUM
    assert change.analysed_at is not None
    assert journal_of(change, kind="field_change", field="risk_level").exists()


def test_the_analysis_counts_the_other_services_the_cis_carry(
    analysing, change_coordinator, cmdb_world, other_service, config_admin
):
    payroll_ci = cmdb.ci_create(
        actor=config_admin, ci_class=cmdb_world["service_ci"].ci_class, name="Payroll service"
    )
    type(payroll_ci).objects.filter(pk=payroll_ci.pk).update(service=other_service)
    runs_on = cmdb_world["service_ci"].outgoing.get().type
    cmdb.relationship_add(
        actor=config_admin,
        source_id=payroll_ci.pk,
        target_id=cmdb_world["server"].pk,
        type_id=runs_on.pk,
    )
    change = analysing(ci_ids=[cmdb_world["server"].pk])
    planning.change_analyse(actor=change_coordinator, change_id=change.pk, **CALM)
    change.refresh_from_db()
    assert list(change.services.all()) == [other_service]
    assert change.impact["risk_points"] == impact.OTHER_SERVICES_POINTS


def test_the_analysis_needs_every_answer(analysing, change_coordinator):
    change = analysing()
    with pytest.raises(ValidationError) as refused:
        planning.change_analyse(actor=change_coordinator, change_id=change.pk, tested=True)
    assert {"causes_outage", "users_affected"} <= set(refused.value.message_dict)
    assert "tested" not in refused.value.message_dict


def test_the_analysis_is_recorded_while_analysing_or_planning_only(
    make_change, analysing, change_coordinator, specialist
):
    registered = make_change()
    with pytest.raises(DomainError):
        planning.change_analyse(actor=change_coordinator, change_id=registered.pk, **CALM)
    change = analysing()
    with pytest.raises(PermissionDenied):
        planning.change_analyse(actor=specialist, change_id=change.pk, **CALM)
    assert Change.objects.get(pk=change.pk).analysed_at is None


def test_a_new_window_recomputes_the_service_hours_condition(analysing, change_coordinator):
    change = analysing()
    planning.change_analyse(
        actor=change_coordinator, change_id=change.pk, **{**CALM, "causes_outage": True}
    )
    assert Change.objects.get(pk=change.pk).unavailable_in_service_hours is True
    window = {"planned_start": at(8, 20), "planned_end": at(8, 22)}  # after office hours
    svc.change_update(actor=change_coordinator, change_id=change.pk, data=window)
    change.refresh_from_db()
    assert change.unavailable_in_service_hours is False
    assert change.risk_level == RiskLevel.LOW
    assert journal_of(change, field="unavailable_in_service_hours").exists()


# The scoring table (services/impact.py, RISK_POINTS): points -> level.
@pytest.mark.parametrize(
    "changes, others, in_hours, points, level",
    [
        ({}, 0, False, 0, RiskLevel.LOW),
        ({"users_affected": "all"}, 0, False, 3, RiskLevel.MEDIUM),
        ({"causes_outage": True}, 0, False, 2, RiskLevel.LOW),
        ({"causes_outage": True}, 0, True, 2, RiskLevel.MEDIUM),
        ({"causes_outage": True}, 1, False, 3, RiskLevel.MEDIUM),
        ({"functionality_changes": True, "cmdb_update": True}, 0, False, 1, RiskLevel.LOW),
        ({"tested": False, "backout_tested": False}, 0, False, 4, RiskLevel.MEDIUM),
        ({"infrastructure_changes": True, "users_affected": "many"}, 0, False, 4, RiskLevel.MEDIUM),
        ({"tested": False, "backout_tested": False, "causes_outage": True}, 0, False, 6, RiskLevel.HIGH),
        ({"causes_outage": True, "infrastructure_changes": True, "tested": False,
          "backout_tested": False, "functionality_changes": True, "users_affected": "all"},
         1, True, 13, RiskLevel.HIGH),
    ],
)  # fmt: skip
def test_risk_scoring(changes, others, in_hours, points, level):
    scored = impact.risk_points({**CALM, **changes}, other_services=others)
    assert scored == points
    assert impact.risk_level(scored, unavailable_in_service_hours=in_hours) == level


# The service-hours table: E-mail has office hours (Mon-Fri 08:00-17:00 Amsterdam),
# Payroll none (24x7).
@pytest.mark.parametrize(
    "start, end, services, overlaps",
    [
        (at(8, 10), at(8, 11), ["E-mail"], True),  # inside the hours
        (at(8, 18), at(8, 20), ["E-mail"], False),  # after hours
        (at(8, 6), at(8, 7, 30), ["E-mail"], False),  # before hours
        (at(8, 16, 30), at(8, 17, 30), ["E-mail"], True),  # straddles the end
        (at(8, 7), at(8, 8, 30), ["E-mail"], True),  # straddles the start
        (at(12, 10), at(12, 14), ["E-mail"], False),  # Saturday
        (at(12, 10), at(12, 14), ["Payroll"], True),  # 24x7
        (at(12, 10), at(12, 14), ["E-mail", "Payroll"], True),  # one of them is 24x7
        (at(11, 20), at(14, 7), ["E-mail"], False),  # Friday night to Monday morning
        (at(11, 20), at(14, 9), ["E-mail"], True),  # ... into Monday's hours
        (None, None, ["E-mail"], True),  # no window yet
    ],
)
def test_service_hours_overlap(service, other_service, start, end, services, overlaps):
    by_name = {s.name: s for s in (service, other_service)}
    found = impact.service_hours_overlap(start, end, [by_name[n] for n in services])
    assert found["overlaps"] is overlaps
    assert found["why"]


# --- The availability manager's help ------------------------------------------------------


def test_help_is_asked_when_the_infrastructure_changes(
    analysing, change_coordinator, availability_manager
):
    change = analysing()
    planning.change_analyse(
        actor=change_coordinator,
        change_id=change.pk,
        **{**CALM, "infrastructure_changes": True},
    )
    planning.change_request_availability_help(
        actor=change_coordinator, change_id=change.pk, note="A second mail relay."
    )
    change.refresh_from_db()
    assert change.availability_help_requested_at is not None
    assert told(availability_manager, "change.availability_help")
    assert journal_of(change, field="availability_help_requested_at").exists()


def test_help_is_refused_when_no_infrastructure_changes(
    analysing, change_coordinator, availability_manager, specialist
):
    change = analysing()
    with pytest.raises(DomainError):  # not analysed: not known to change
        planning.change_request_availability_help(actor=change_coordinator, change_id=change.pk)
    planning.change_analyse(actor=change_coordinator, change_id=change.pk, **CALM)
    with pytest.raises(DomainError):
        planning.change_request_availability_help(actor=change_coordinator, change_id=change.pk)
    with pytest.raises(PermissionDenied):
        planning.change_request_availability_help(actor=specialist, change_id=change.pk)
    assert not told(availability_manager, "change.availability_help")


# --- Finishing the analysis and submitting the plan ---------------------------------------


def test_planning_needs_the_analysis(analysing, change_coordinator, specialist):
    change = analysing()
    with pytest.raises(DomainError):
        planning.change_finish_analysis(actor=change_coordinator, change_id=change.pk)
    planning.change_analyse(actor=change_coordinator, change_id=change.pk, **CALM)
    with pytest.raises(PermissionDenied):
        planning.change_finish_analysis(actor=specialist, change_id=change.pk)
    planning.change_finish_analysis(actor=change_coordinator, change_id=change.pk)
    assert Change.objects.get(pk=change.pk).status == C.PLANNING
    with pytest.raises(InvalidTransition):
        planning.change_finish_analysis(actor=change_coordinator, change_id=change.pk)


def test_a_plan_without_window_or_plans_lists_what_is_missing(analysing, change_coordinator):
    change = analysing()
    planning.change_analyse(actor=change_coordinator, change_id=change.pk, **CALM)
    planning.change_finish_analysis(actor=change_coordinator, change_id=change.pk)
    with pytest.raises(ValidationError) as refused:
        planning.change_submit_plan(actor=change_coordinator, change_id=change.pk)
    assert set(refused.value.message_dict) == {
        "planned_start",
        "planned_end",
        "plan",
        "backout_plan",
    }
    assert Change.objects.get(pk=change.pk).status == C.PLANNING


def test_a_normal_change_goes_to_the_change_manager(planned, change_coordinator, change_manager):
    change = planned()
    planning.change_submit_plan(actor=change_coordinator, change_id=change.pk)
    assert Change.objects.get(pk=change.pk).status == C.APPROVAL
    assert told(change_manager, "change.ready_for_approval")


def test_a_standard_change_skips_approval(planned, change_coordinator, change_manager):
    change = planned(change_type="standard")
    planning.change_submit_plan(actor=change_coordinator, change_id=change.pk)
    assert Change.objects.get(pk=change.pk).status == C.IMPLEMENTATION
    assert not told(change_manager, "change.ready_for_approval")


def test_submitting_is_the_coordinators_and_only_from_planning(
    planned, analysing, change_coordinator, specialist
):
    change = planned()
    with pytest.raises(PermissionDenied):
        planning.change_submit_plan(actor=specialist, change_id=change.pk)
    with pytest.raises(InvalidTransition):
        planning.change_submit_plan(actor=change_coordinator, change_id=analysing().pk)


# --- Cancelling ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["registered", "risk_analysis", "planning", "approval"])
def test_an_open_change_is_cancelled_and_its_requester_told(
    make_change, analysing, planned, change_coordinator, change_manager, state
):
    if state == "registered":
        change = make_change(requested_by=change_manager)
    elif state == "risk_analysis":
        change = analysing(requested_by=change_manager)
    else:
        change = planned(requested_by=change_manager)
        if state == "approval":
            planning.change_submit_plan(actor=change_coordinator, change_id=change.pk)
    svc.change_cancel(actor=change_coordinator, change_id=change.pk, reason="Budget withdrawn.")
    change.refresh_from_db()
    assert (change.status, change.outcome) == (C.CANCELLED, "cancelled")
    assert told(change_manager, "change.cancelled")
    assert journal_of(change, kind="transition").last().body == "Budget withdrawn."


def test_cancelling_needs_a_reason_the_right_and_an_open_change(
    make_change, change_coordinator, specialist
):
    change = make_change()
    with pytest.raises(ValidationError) as refused:
        svc.change_cancel(actor=change_coordinator, change_id=change.pk, reason=" ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        svc.change_cancel(actor=specialist, change_id=change.pk, reason="No.")
    svc.change_cancel(actor=change_coordinator, change_id=change.pk, reason="Not needed.")
    with pytest.raises(InvalidTransition):
        svc.change_cancel(actor=change_coordinator, change_id=change.pk, reason="Again.")


def test_cancelling_cancels_the_open_tasks(make_change, change_coordinator):
    change = make_change()
    task = ChangeTask.objects.create(change=change, title="Prepare", kind="preparation")
    svc.change_cancel(actor=change_coordinator, change_id=change.pk, reason="Not needed.")
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
