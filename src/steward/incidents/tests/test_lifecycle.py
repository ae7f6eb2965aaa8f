"""Seed 003 ch. 8 procedures 1, 4 and 6: registration, work, resolution and closure of an
incident request, with its SLA clocks."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch

from steward.core import clocks
from steward.core.calendars import spec_for
from steward.core.choices import JournalKind
from steward.core.errors import InvalidTransition
from steward.core.fields import FieldsRefused
from steward.core.models import JournalEntry, Notification, WorkingPeriod
from steward.core.tests.factories import BusinessCalendarFactory
from steward.incidents.models import IncidentRequest, PriorityMatrixEntry
from steward.incidents.services import actions, closure
from steward.incidents.services import incidents as svc
from steward.incidents.services.routing import priority_for

RUN, PAUSED, STOP, CANCEL = "running", "paused", "stopped", "cancelled"


def journal_of(incident, kind=None):
    qs = JournalEntry.objects.filter(record_id=incident.pk, record_type__model="incidentrequest")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("pk"))


# --- Proc. 1: registration ------------------------------------------------------------


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [("1", "1", "1"), ("1", "3", "2"), ("2", "2", "2"), ("3", "3", "3"), ("4", "4", "4"),
     ("4", "1", "3"), ("2", "4", "3"), ("3", "4", "4")],
)  # fmt: skip
def test_priority_comes_from_the_default_matrix_without_configured_cells(
    make_incident, impact, urgency, priority
):
    incident = make_incident(impact=impact, urgency=urgency)

    assert incident.priority == priority
    assert priority_for(impact, urgency) == priority


def test_a_configured_matrix_cell_wins_over_the_default(make_incident):
    PriorityMatrixEntry.objects.create(impact="4", urgency="4", priority="2")

    assert make_incident(impact="4", urgency="4").priority == "2"
    assert priority_for("3", "3") == "3"  # no cell: default


def test_registration_numbers_journals_and_tells_the_requester(
    make_incident, requester, desk_analyst, notified
):
    incident = make_incident()

    assert incident.number.startswith("INC")
    assert incident.status == "new"  # no rule, no default group: the desk has it
    assert incident.registered_by == desk_analyst
    assert incident.customer.code == "acme"  # the requester's organisation
    assert [e.kind for e in journal_of(incident)] == [JournalKind.CREATED]
    assert notified(requester, incident) == ["incident.registered"]


def test_registration_with_a_group_is_assigned_and_the_coordinator_told(
    make_incident, server_group, coordinator, notified
):
    incident = make_incident(support_group=server_group)

    assert incident.status == "assigned"
    assert notified(coordinator, incident) == ["incident.queued"]


def test_registration_refuses_bad_input_with_field_messages(make_incident):
    with pytest.raises(ValidationError) as caught:
        make_incident(title=" ", impact="9", channel="fax", service_type="x")

    assert set(caught.value.message_dict) == {"title", "impact", "channel", "service_type"}
    assert not IncidentRequest.objects.exists()


def test_an_assignee_must_belong_to_the_group(make_incident, server_group, network_specialist):
    with pytest.raises(ValidationError) as caught:
        make_incident(support_group=server_group, assignee=network_specialist)

    assert "assignee" in caught.value.message_dict


def test_sla_clocks_start_at_registration_when_the_service_is_known(
    make_incident, sla, clock_states
):
    incident = make_incident(impact="1", urgency="1")

    assert clock_states(incident) == [("sla", "resolution", RUN), ("sla", "response", RUN)]
    assert {c.started_at for c in clocks.clocks_for(incident)} == {incident.created_at}


def test_no_service_no_clocks(make_incident, sla, clock_states):
    assert clock_states(make_incident(service=None)) == []


def test_first_contact_resolution_resolves_at_registration(
    make_incident, sla, clock_states, requester, notified
):
    incident = make_incident(
        resolve_now={"resolution": "Password reset.", "resolution_code": "solved"}
    )

    assert incident.status == "resolved"
    assert incident.first_contact_resolution is True
    assert incident.support_group is None
    assert clock_states(incident) == [("sla", "resolution", STOP), ("sla", "response", STOP)]
    assert all(c.met for c in clocks.clocks_for(incident))
    assert notified(requester, incident) == ["incident.resolved"]


def test_resolve_now_needs_resolution_and_code(make_incident):
    with pytest.raises(ValidationError) as caught:
        make_incident(resolve_now={"resolution": "", "resolution_code": "nope"})

    assert set(caught.value.message_dict) == {"resolution", "resolution_code"}


def test_only_the_desk_resolves_at_registration(make_incident, coordinator, server_group):
    with pytest.raises(FieldsRefused) as refused:
        make_incident(
            actor=coordinator,
            support_group=server_group,
            resolve_now={"resolution": "x", "resolution_code": "solved"},
        )
    assert refused.value.fields == ["resolve_now"]


# --- Work: take, pending, resume -------------------------------------------------------


def test_taking_stops_the_response_clock_only(assigned_incident, specialist, sla, clock_states):
    incident = svc.incident_take(actor=specialist, incident_id=assigned_incident.pk)

    assert (incident.status, incident.assignee) == ("in_progress", specialist)
    assert clock_states(incident) == [("sla", "resolution", RUN), ("sla", "response", STOP)]


def test_assigning_a_person_stops_the_response_clock(
    make_incident, server_group, coordinator, specialist, sla, clock_states, notified
):
    incident = make_incident(support_group=server_group)

    incident = svc.incident_assign(actor=coordinator, incident_id=incident.pk, assignee=specialist)

    assert (incident.status, incident.assignee) == ("assigned", specialist)
    assert clock_states(incident)[1] == ("sla", "response", STOP)
    assert notified(specialist, incident) == ["incident.assigned"]


@pytest.mark.parametrize(
    ("reason", "paused"),
    [("awaiting_requester", True), ("awaiting_supplier", True),
     ("awaiting_change", False), ("scheduled", False)],
)  # fmt: skip
def test_pending_pauses_the_clocks_only_when_waiting_on_others(
    working_incident, specialist, sla, clock_states, reason, paused
):
    incident = svc.incident_set_pending(
        actor=specialist, incident_id=working_incident.pk, reason=reason, note="Waiting."
    )

    assert (incident.status, incident.pending_reason) == ("pending", reason)
    assert clock_states(incident)[0] == ("sla", "resolution", PAUSED if paused else RUN)

    incident = svc.incident_resume(actor=specialist, incident_id=incident.pk)

    assert (incident.status, incident.pending_reason) == ("in_progress", "")
    assert clock_states(incident)[0] == ("sla", "resolution", RUN)


def test_awaiting_the_requester_asks_them_publicly_and_their_reply_resumes(
    working_incident, specialist, requester, sla, clock_states, notified
):
    svc.incident_set_pending(
        actor=specialist,
        incident_id=working_incident.pk,
        reason="awaiting_requester",
        note="Which mailbox?",
    )
    assert notified(requester, working_incident)[-1] == "incident.awaiting_requester"
    reply = journal_of(working_incident, JournalKind.PUBLIC_REPLY)
    assert [e.body for e in reply] == ["Which mailbox?"]

    entry = svc.incident_add_reply(
        actor=requester, incident_id=working_incident.pk, body="The shared one."
    )

    incident = IncidentRequest.objects.get(pk=working_incident.pk)
    assert entry.kind == JournalKind.PUBLIC_REPLY
    assert incident.status == "in_progress"
    assert clock_states(incident)[0] == ("sla", "resolution", RUN)
    assert notified(specialist, incident)[-1] == "incident.reply"


def test_a_reply_from_staff_is_sent_to_the_requester(
    working_incident, specialist, requester, notified
):
    svc.incident_add_reply(actor=specialist, incident_id=working_incident.pk, body="On it.")

    assert notified(requester, working_incident)[-1] == "incident.reply"


def test_a_work_note_is_not_sent_to_the_requester(
    working_incident, specialist, requester, notified
):
    before = notified(requester, working_incident)
    entry = svc.incident_add_reply(
        actor=specialist, incident_id=working_incident.pk, body="Internal", public=False
    )

    assert entry.kind == JournalKind.WORK_NOTE
    assert notified(requester, working_incident) == before


@pytest.mark.parametrize("status_from", ["new", "resolved"])
def test_resume_only_from_pending(make_incident, resolved_incident, desk_analyst, status_from):
    incident = make_incident() if status_from == "new" else resolved_incident

    with pytest.raises(InvalidTransition):
        svc.incident_resume(actor=desk_analyst, incident_id=incident.pk)


# --- Proc. 4: resolution ---------------------------------------------------------------


def test_resolution_stops_every_clock_and_tells_the_requester_with_a_link(
    working_incident, specialist, requester, sla, clock_states
):
    incident = svc.incident_resolve(
        actor=specialist,
        incident_id=working_incident.pk,
        resolution="Quota raised.",
        resolution_code="solved",
    )

    assert (incident.status, incident.resolved_by, incident.resolution) == (
        "resolved",
        specialist,
        "Quota raised.",
    )
    assert incident.resolved_at is not None
    assert {state for _, _, state in clock_states(incident)} == {STOP}
    notice = Notification.objects.get(recipient=requester, event="incident.resolved")
    assert notice.record_id == incident.pk
    assert "Quota raised." in notice.body
    try:
        assert notice.url == incident.get_absolute_url()
    except NoReverseMatch:  # the record page is added by the pages of the area
        assert notice.url == ""


def test_resolution_needs_text_and_code(working_incident, specialist):
    with pytest.raises(ValidationError) as caught:
        svc.incident_resolve(
            actor=specialist, incident_id=working_incident.pk, resolution="", resolution_code="?"
        )

    assert set(caught.value.message_dict) == {"resolution", "resolution_code"}


def test_resolution_is_refused_while_an_action_is_open(working_incident, specialist):
    action = actions.action_add(
        actor=specialist, incident_id=working_incident.pk, title="Replace the disk"
    )

    with pytest.raises(ValidationError) as caught:
        svc.incident_resolve(
            actor=specialist,
            incident_id=working_incident.pk,
            resolution="x",
            resolution_code="solved",
        )
    assert "actions" in caught.value.message_dict

    actions.action_complete(actor=specialist, action_id=action.pk, result="Replaced")
    incident = svc.incident_resolve(
        actor=specialist, incident_id=working_incident.pk, resolution="x", resolution_code="solved"
    )
    assert incident.status == "resolved"


def test_actions_are_numbered_and_follow_their_workflow(working_incident, specialist):
    first = actions.action_add(actor=specialist, incident_id=working_incident.pk, title="One")
    second = actions.action_add(actor=specialist, incident_id=working_incident.pk, title="Two")
    assert (first.position, second.position) == (1, 2)

    actions.action_update(actor=specialist, action_id=second.pk, data={"status": "cancelled"})
    with pytest.raises(InvalidTransition):
        actions.action_complete(actor=specialist, action_id=second.pk)
    with pytest.raises(ValidationError):
        actions.action_update(actor=specialist, action_id=first.pk, data={"number": "x"})


def test_a_workaround_likely_to_recur_informs_the_problem_coordinator(
    working_incident, specialist, problem_coordinator, notified
):
    incident = svc.incident_resolve(
        actor=specialist,
        incident_id=working_incident.pk,
        resolution="Restarted the service.",
        resolution_code="workaround",
        workaround=True,
    )

    assert incident.problem_coordinator_informed_at is not None
    assert notified(problem_coordinator, incident) == ["incident.recurring"]


def test_without_a_service_problem_coordinator_any_problem_coordinator_is_told(
    working_incident, specialist, provider, notified
):
    from steward.core.tests.factories import make_person

    anyone = make_person("problem_coordinator", organisation=provider, username="pc-global")

    svc.incident_inform_problem_coordinator(
        actor=specialist, incident_id=working_incident.pk, note="Recurs weekly"
    )

    assert notified(anyone, working_incident) == ["incident.recurring"]


def test_informing_nobody_is_refused(working_incident, specialist):
    with pytest.raises(ValidationError):
        svc.incident_inform_problem_coordinator(actor=specialist, incident_id=working_incident.pk)


def test_a_used_solution_is_counted(working_incident, specialist, server_group):
    from steward.core import numbering
    from steward.incidents.models import Solution

    solution = Solution(title="Quota", body="Raise it", status="active", support_group=server_group)
    numbering.assign(solution)
    solution.save()

    incident = svc.incident_resolve(
        actor=specialist,
        incident_id=working_incident.pk,
        resolution="Raised the quota.",
        resolution_code="solved",
        solution=solution.pk,
    )

    solution.refresh_from_db()
    assert (incident.solution, solution.use_count) == (solution, 1)


# --- Proc. 6: closure ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["requester", "analyst"])
def test_the_requester_or_the_desk_accepts_the_solution(resolved_incident, cast, who):
    incident = svc.incident_accept(actor=cast[who], incident_id=resolved_incident.pk)

    assert incident.status == "closed"
    assert incident.closed_at is not None


def test_the_desk_closes_on_the_requesters_behalf(resolved_incident, desk_analyst):
    assert (
        svc.incident_close(actor=desk_analyst, incident_id=resolved_incident.pk).status == "closed"
    )


def test_reopen_assigns_it_again_with_new_resolution_clocks(
    resolved_incident, requester, specialist, server_group, sla, clock_states, notified
):
    incident = svc.incident_reopen(
        actor=requester, incident_id=resolved_incident.pk, reason="Still cannot open it."
    )

    assert (incident.status, incident.reopen_count) == ("assigned", 1)
    assert (incident.support_group, incident.assignee) == (server_group, specialist)
    assert (incident.resolution, incident.resolved_at) == ("", None)
    assert clock_states(incident) == [
        ("sla", "resolution", STOP),
        ("sla", "response", STOP),
        ("sla", "resolution", RUN),
        ("sla", "response", CANCEL),  # the response was measured the first time
    ]
    assert notified(specialist, incident)[-1] == "incident.reopened"
    transition = journal_of(incident, JournalKind.TRANSITION)[-1]
    assert (transition.old_value, transition.new_value) == ("resolved", "assigned")
    assert "Still cannot open it." in transition.body


def test_the_desk_reopens_to_a_group_of_its_choice(
    resolved_incident, desk_analyst, network_group, network_coordinator, notified
):
    incident = svc.incident_reopen(
        actor=desk_analyst,
        incident_id=resolved_incident.pk,
        reason="Network issue after all",
        support_group=network_group,
    )

    assert (incident.support_group, incident.assignee) == (network_group, None)
    assert notified(network_coordinator, incident) == ["incident.reopened"]


def test_reopening_needs_a_reason(resolved_incident, requester):
    with pytest.raises(ValidationError) as caught:
        svc.incident_reopen(actor=requester, incident_id=resolved_incident.pk, reason=" ")

    assert "reason" in caught.value.message_dict


@pytest.mark.parametrize("verb", ["accept", "reopen", "close"])
def test_verification_only_of_resolved_requests(working_incident, cast, verb):
    with pytest.raises(InvalidTransition):
        if verb == "accept":
            svc.incident_accept(actor=cast["requester"], incident_id=working_incident.pk)
        elif verb == "reopen":
            svc.incident_reopen(
                actor=cast["requester"], incident_id=working_incident.pk, reason="x"
            )
        else:
            svc.incident_close(actor=cast["analyst"], incident_id=working_incident.pk)


def test_a_closed_request_cannot_be_reopened(resolved_incident, requester):
    svc.incident_accept(actor=requester, incident_id=resolved_incident.pk)

    with pytest.raises(InvalidTransition):
        svc.incident_reopen(actor=requester, incident_id=resolved_incident.pk, reason="again")


def test_cancel_stops_measuring(make_incident, desk_analyst, sla, clock_states):
    incident = make_incident()

    incident = svc.incident_cancel(actor=desk_analyst, incident_id=incident.pk, reason="Duplicate")

    assert incident.status == "cancelled"
    assert {state for _, _, state in clock_states(incident)} == {CANCEL}


# --- Auto-close ------------------------------------------------------------------------

FRIDAY_NOON = datetime(2024, 3, 8, 11, tzinfo=UTC)  # 12:00 in Amsterdam


def _resolved_at(incident, when):
    IncidentRequest.objects.filter(pk=incident.pk).update(resolved_at=when)


@pytest.mark.parametrize(
    ("calendar", "days_later", "closed"),
    [
        ("office", 4, False),  # Tue: Mon is the only business day since Friday
        ("office", 6, False),  # Thu: 4 business days
        ("office", 7, True),  # next Friday: 5 business days
        ("24x7", 4, False),
        ("24x7", 5, True),
    ],
)
def test_resolved_requests_close_after_the_business_days_of_the_service(
    resolved_incident, service, settings, calendar, days_later, closed
):
    settings.INCIDENT_AUTO_CLOSE_BUSINESS_DAYS = 5
    if calendar == "office":
        service.service_hours = BusinessCalendarFactory(name="Office")
        service.save()
    _resolved_at(resolved_incident, FRIDAY_NOON)

    count = svc.incidents_auto_close(now=FRIDAY_NOON + timedelta(days=days_later))

    resolved_incident.refresh_from_db()
    assert (count, resolved_incident.status) == ((1, "closed") if closed else (0, "resolved"))


def test_holidays_do_not_count_for_auto_close(resolved_incident, service, settings):
    settings.INCIDENT_AUTO_CLOSE_BUSINESS_DAYS = 1
    calendar = BusinessCalendarFactory(name="Office with holiday")
    calendar.holidays.create(date=datetime(2024, 3, 11).date(), name="Holiday Monday")
    service.service_hours = calendar
    service.save()
    _resolved_at(resolved_incident, FRIDAY_NOON)

    assert svc.incidents_auto_close(now=FRIDAY_NOON + timedelta(days=3)) == 0  # Monday
    assert svc.incidents_auto_close(now=FRIDAY_NOON + timedelta(days=4)) == 1  # Tuesday
    assert svc.incidents_auto_close(now=FRIDAY_NOON + timedelta(days=5)) == 0  # idempotent


def test_auto_close_is_journalled_without_an_actor(resolved_incident, settings):
    settings.INCIDENT_AUTO_CLOSE_BUSINESS_DAYS = 5
    _resolved_at(resolved_incident, FRIDAY_NOON)

    svc.incidents_auto_close(now=FRIDAY_NOON + timedelta(days=10))

    last = journal_of(resolved_incident, JournalKind.TRANSITION)[-1]
    assert (last.actor, last.new_value) == (None, "closed")
    assert "automatically" in last.body


def test_the_daily_task_is_registered():
    from steward.core import scheduler
    from steward.incidents import tasks

    job = scheduler._JOBS["incidents.auto_close"]
    assert job.task is tasks.auto_close_resolved


# --- Updates ---------------------------------------------------------------------------


def test_a_new_impact_recomputes_the_priority_and_restarts_the_clocks(
    make_incident, desk_analyst, sla, clock_states
):
    incident = make_incident(impact="3", urgency="3")  # P3
    created = incident.created_at

    incident = svc.incident_update(
        actor=desk_analyst, incident_id=incident.pk, data={"impact": "1", "urgency": "1"}
    )

    assert incident.priority == "1"
    assert clock_states(incident) == [
        ("sla", "resolution", CANCEL),
        ("sla", "response", CANCEL),
        ("sla", "resolution", RUN),
        ("sla", "response", RUN),
    ]
    new = list(clocks.clocks_for(incident).order_by("pk"))[2:]
    assert {c.started_at for c in new} == {created}
    assert {c.target_seconds for c in new} == {15 * 60, 4 * 3600}
    changed = {e.field for e in journal_of(incident, JournalKind.FIELD_CHANGE)}
    assert {"impact", "urgency", "priority"} <= changed


def test_update_refuses_unknown_fields_and_closed_requests(
    make_incident, resolved_incident, desk_analyst
):
    with pytest.raises(ValidationError):
        svc.incident_update(
            actor=desk_analyst, incident_id=make_incident().pk, data={"status": "closed"}
        )
    with pytest.raises(InvalidTransition):
        svc.incident_update(
            actor=desk_analyst, incident_id=resolved_incident.pk, data={"title": "New"}
        )


def test_ola_clocks_follow_the_group(make_incident, desk_analyst, server_group, network_group,
                                      sla, clock_states):  # fmt: skip
    from datetime import date

    from steward.core import numbering
    from steward.service_level.models import Agreement, ServiceLevelTarget

    for group in (server_group, network_group):
        ola = Agreement(
            kind="ola", name=f"OLA {group}", service=sla.service, support_group=group,
            status="active", term_start=date(2020, 1, 1),
        )  # fmt: skip
        numbering.assign(ola, prefix="OLA")
        ola.save()
        ServiceLevelTarget.objects.create(
            agreement=ola, kind="resolution", priority="4", target_seconds=3600
        )
    incident = make_incident(support_group=server_group)
    assert ("ola", "resolution", RUN) in clock_states(incident)

    svc.incident_assign(actor=desk_analyst, incident_id=incident.pk, support_group=network_group)

    olas = [c for c in clocks.clocks_for(incident).order_by("pk") if c.kind == "ola"]
    assert [(c.name.split()[0][:3], c.state) for c in olas] == [("OLA", CANCEL), ("OLA", RUN)]
    assert olas[1].agreement_id != olas[0].agreement_id


def test_office_hours_calendar_is_used_for_auto_close_days(db):
    """The calendar helper counts working days with hours only."""
    calendar = BusinessCalendarFactory(name="Weekdays")
    WorkingPeriod.objects.create(
        calendar=calendar, weekday=5, start_time=time(9), end_time=time(12)
    )
    spec = spec_for(calendar)

    friday = datetime(2024, 3, 8).date()
    assert closure._business_days_after(friday, friday + timedelta(days=3), spec) == 2  # Sat, Mon


# --- Reference data kept in memory between registrations (issue 12) ------------------------


def test_a_new_coordinator_is_told_of_the_next_registration(
    make_incident, server_group, coordinator, notified
):
    from steward.core.tests.factories import group_member

    make_incident(support_group=server_group)  # the coordinators are now kept in memory
    deputy = group_member(server_group, "group_coordinator", scoped=True, username="deputy")
    incident = make_incident(support_group=server_group)

    assert notified(deputy, incident) == ["incident.queued"]
    assert notified(coordinator, incident) == ["incident.queued"]


def test_a_deactivated_coordinator_is_no_longer_told(
    make_incident, server_group, coordinator, notified
):
    make_incident(support_group=server_group)
    coordinator.is_active = False
    coordinator.save()
    incident = make_incident(support_group=server_group)

    assert notified(coordinator, incident) == []


def test_a_login_keeps_the_coordinators_in_memory(make_incident, server_group, coordinator):
    from django.contrib.auth.models import update_last_login

    from steward.core import refcache, roles

    make_incident(support_group=server_group)
    update_last_login(None, coordinator)

    assert roles.COORDINATORS in refcache._values


def test_a_requester_moved_to_another_organisation_registers_for_it(
    make_incident, requester, other_customer_org
):
    from steward.core.models import OrganisationMembership

    assert make_incident().customer.code == "acme"
    requester.memberships.all().delete()
    OrganisationMembership.objects.create(
        person=requester, organisation=other_customer_org, is_primary=True
    )

    assert make_incident().customer == other_customer_org
