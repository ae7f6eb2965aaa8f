"""Proc. 4 (Problem Closure): verifying with the evidence the system shows, closing (and the
override of acceptance 3), reassigning for another structural solution, the impasse with
its re-check reminders, another analysis; the denials. States before proc. 4 are set with
the ORM (the analysis and known error topics build those steps)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from steward.changes.models import Change, RequestForChange
from steward.core import journal, numbering
from steward.core.errors import DomainError
from steward.core.tests.api import field_errors
from steward.core.tests.factories import make_person
from steward.incidents.models import Category, IncidentRequest, Solution
from steward.incidents.tests.test_queue_choosers import make_ci
from steward.problems import registrations, rules
from steward.problems.choices import ClosureDecision, KnownErrorStatus, ProblemStatus
from steward.problems.models import KnownError, ProblemInvestigation
from steward.problems.services import closure as svc

pytestmark = pytest.mark.django_db
P = ProblemStatus
DONE = timezone.now() - dt.timedelta(days=10)  # when the change was implemented


def registered(incident, when):
    IncidentRequest.objects.filter(pk=incident.pk).update(created_at=when)
    incident.refresh_from_db()
    return incident


def make_change(service, status="closed", outcome="successful", end=DONE, closed=None):
    change = Change(title="Patch the mail queue", change_type="normal", category="infrastructure",
                    service=service, status=status, outcome=outcome, actual_end=end,
                    closed_at=closed or end)  # fmt: skip
    numbering.assign(change)
    change.save()
    return change


def with_known_error(problem, change=None, workaround=None):
    rfc = RequestForChange(title="Fix it", source="known_error", service=problem.service,
                           change=change)  # fmt: skip
    numbering.assign(rfc)
    rfc.save()
    error = KnownError(problem=problem, title=problem.title, service=problem.service,
                       root_cause="Queue lock", rfc=rfc, workaround_solution=workaround,
                       status=KnownErrorStatus.CHANGE_REQUESTED)  # fmt: skip
    numbering.assign(error)
    error.save()
    return error


@pytest.fixture
def mail(db):
    return Category.objects.create(name="Mail delivery")


@pytest.fixture
def other_kind(db):
    return Category.objects.create(name="Printing")


@pytest.fixture
def workaround(db, service):
    solution = Solution(title="Restart the queue", body="Restart it.", is_workaround=True,
                        status="active", service=service)  # fmt: skip
    numbering.assign(solution)
    solution.save()
    return solution


@pytest.fixture
def at_change(make_problem, make_incident, mail, specialist, server_group, workaround):
    """A known error whose change was implemented ten days ago; one incident before it."""

    def make(**change):
        first = registered(make_incident(category=mail), DONE - dt.timedelta(days=5))
        problem = make_problem(incident_ids=[first.pk])
        ProblemInvestigation.objects.filter(pk=problem.pk).update(
            status=P.KNOWN_ERROR, specialist=specialist, support_group=server_group
        )
        with_known_error(problem, make_change(problem.service, **change), workaround)
        problem.refresh_from_db()
        return problem

    return make


# --- the rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("solved", "other_possible", "decision"),
    [
        # "If the implementation appears to have solved the problem, [he] closes it."
        (True, False, ClosureDecision.CLOSE),
        (True, True, ClosureDecision.CLOSE),
        # "If this might be possible, [he] reassigns the problem investigation."
        (False, True, ClosureDecision.REASSIGN),
        # "no practical means available ... updates [it] to indicate the impasse."
        (False, False, ClosureDecision.IMPASSE),
    ],
)
def test_closure_decision_as_the_seed_words_it(solved, other_possible, decision):
    assert rules.closure_decision(solved=solved, other_solution_possible=other_possible) == decision


# --- the evidence ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "implemented", "since"),
    [
        ({}, True, DONE),
        ({"end": None, "closed": DONE}, True, DONE),  # no actual end: when it closed
        ({"status": "backed_out", "outcome": "backed_out"}, False, None),
        ({"status": "cancelled", "outcome": "cancelled"}, False, None),
        ({"status": "rejected", "outcome": "rejected"}, False, None),
        ({"status": "implementation", "outcome": "", "end": None}, False, None),
    ],
)
def test_the_solution_takes_effect_when_the_change_is_implemented(
    at_change, change, implemented, since
):
    evidence = svc.recurrence_evidence(at_change(**change))
    assert (evidence["implemented"], evidence["since"]) == (implemented, since)
    expected = ClosureDecision.CLOSE if implemented else ClosureDecision.REASSIGN
    assert evidence["suggested"] == expected


def test_a_fix_takes_effect_when_the_specialist_fixed_it(make_problem):
    problem = make_problem()
    ProblemInvestigation.objects.filter(pk=problem.pk).update(
        status=P.ANALYSIS_REVIEW, review_decision="closure", fixed_at=DONE
    )
    problem.refresh_from_db()
    evidence = svc.recurrence_evidence(problem)
    assert (evidence["implemented"], evidence["since"], evidence["changes"]) == (True, DONE, [])


def _incident(case, make_incident, mail, other_kind, other_service, problem, make_problem):
    later = DONE + dt.timedelta(days=1)
    if case == "same category":
        return registered(make_incident(category=mail), later)
    if case == "other category":
        return registered(make_incident(category=other_kind), later)
    if case == "before the change":
        return registered(make_incident(category=mail), DONE - dt.timedelta(days=1))
    if case == "other service":
        return registered(make_incident(category=mail, service=other_service), later)
    if case == "cancelled":
        incident = registered(make_incident(category=mail), later)
        IncidentRequest.objects.filter(pk=incident.pk).update(status="cancelled")
        return incident
    if case == "linked to this problem":
        incident = registered(make_incident(category=other_kind), later)
        svc.ProblemIncident.objects.create(problem=problem, incident=incident)
        return incident
    if case == "linked to another problem":
        incident = registered(make_incident(category=mail), later)
        make_problem(title="Another", incident_ids=[incident.pk])
        return incident
    ci = make_ci("Mail relay")
    problem.cis.add(ci)
    return registered(make_incident(category=other_kind, cis=[ci]), later)  # "shares a CI"


@pytest.mark.parametrize(
    ("case", "recurs"),
    [
        ("same category", True),
        ("shares a CI", True),
        ("linked to this problem", True),
        ("other category", False),
        ("before the change", False),
        ("other service", False),
        ("cancelled", False),
        ("linked to another problem", False),
    ],
)
def test_incidents_of_the_linked_kinds_since_the_change_recur(
    at_change, make_incident, make_problem, mail, other_kind, other_service, case, recurs
):
    problem = at_change()
    incident = _incident(case, make_incident, mail, other_kind, other_service, problem,
                         make_problem)  # fmt: skip
    evidence = svc.recurrence_evidence(problem)
    assert (incident.number in [i["number"] for i in evidence["incidents"]]) is recurs
    assert evidence["count"] == int(recurs)


# --- closing --------------------------------------------------------------------------


def test_closing_a_solved_problem_resolves_its_known_error(
    at_change, problem_coordinator, specialist, workaround
):
    problem = at_change()
    svc.problem_close(actor=problem_coordinator, problem_id=problem.pk, note="Quiet for a week")
    problem.refresh_from_db()
    assert (problem.status, problem.closure_note) == (P.CLOSED, "Quiet for a week")
    assert problem.closed_at and not problem.closure_override_reason
    error = problem.known_errors.get()
    assert error.status == KnownErrorStatus.RESOLVED and error.resolved_at
    workaround.refresh_from_db()
    assert workaround.status == "retired"
    assert specialist.notifications.filter(title__contains=problem.number).exists()


def test_recurrences_refuse_the_closure_with_the_numbers_unless_overridden(
    at_change, make_incident, mail, problem_coordinator
):
    """Acceptance 3."""
    problem = at_change()
    again = registered(make_incident(category=mail), DONE + dt.timedelta(days=2))
    with pytest.raises(ValidationError) as refused:
        svc.problem_close(actor=problem_coordinator, problem_id=problem.pk)
    assert again.number in refused.value.message_dict["override_reason"][0]
    problem.refresh_from_db()
    assert problem.status == P.KNOWN_ERROR

    svc.problem_close(actor=problem_coordinator, problem_id=problem.pk,
                      override_reason="A different cause: the relay disk")  # fmt: skip
    problem.refresh_from_db()
    assert problem.status == P.CLOSED
    assert problem.closure_override_reason == "A different cause: the relay disk"
    notes = journal.timeline(problem, actor=problem_coordinator).filter(kind="work_note")
    assert any(again.number in n.body and "relay disk" in n.body for n in notes)


@pytest.mark.parametrize("status", ["backed_out", "cancelled", "rejected", "implementation"])
def test_a_change_not_implemented_cannot_close_the_problem(at_change, problem_coordinator, status):
    problem = at_change(status=status, outcome="" if status == "implementation" else status)
    with pytest.raises(DomainError, match="not implemented"):
        svc.problem_close(actor=problem_coordinator, problem_id=problem.pk, override_reason="x")


def test_closing_is_only_for_problems_at_their_closure(make_problem, problem_coordinator):
    problem = make_problem()
    with pytest.raises(DomainError):
        svc.problem_close(actor=problem_coordinator, problem_id=problem.pk)


@pytest.mark.parametrize(
    "outsider", ["other_coordinator", "specialist", "requester", "representative", "analyst"]
)
def test_only_the_problem_coordinator_of_the_service_decides(request, at_change, outsider):
    problem = at_change()
    actor = request.getfixturevalue(outsider)
    steps = [
        lambda: svc.problem_close(actor=actor, problem_id=problem.pk, note="x"),
        lambda: svc.problem_record_impasse(actor=actor, problem_id=problem.pk, reason="x",
                                           recheck_on=timezone.localdate() + dt.timedelta(30)),
        lambda: svc.problem_reassign_for_solution(actor=actor, problem_id=problem.pk,
                                                  specialist_id=actor.pk, note="x"),
    ]  # fmt: skip
    for step in steps:
        with pytest.raises((PermissionDenied, Http404)):
            step()
    problem.refresh_from_db()
    assert problem.status == P.KNOWN_ERROR


# --- reassigning ----------------------------------------------------------------------


def test_reassigning_for_another_solution_goes_to_a_specialist_of_the_group(
    at_change, problem_coordinator, other_specialist, provider
):
    problem = at_change(status="backed_out", outcome="backed_out")
    loner = make_person("specialist", organisation=provider, username="loner")
    with pytest.raises(ValidationError) as refused:
        svc.problem_reassign_for_solution(actor=problem_coordinator, problem_id=problem.pk,
                                          specialist_id=loner.pk, note="Try a new MTA")  # fmt: skip
    assert "specialist" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        svc.problem_reassign_for_solution(actor=problem_coordinator, problem_id=problem.pk,
                                          specialist_id=other_specialist.pk, note=" ")  # fmt: skip
    assert "note" in refused.value.message_dict
    svc.problem_reassign_for_solution(actor=problem_coordinator, problem_id=problem.pk,
                                      specialist_id=other_specialist.pk, note="Try a new MTA")  # fmt: skip
    problem.refresh_from_db()
    assert (problem.status, problem.specialist) == (P.ASSIGNED, other_specialist)
    assert other_specialist.notifications.filter(title__contains=problem.number).exists()


# --- the impasse ----------------------------------------------------------------------


# Days from today (computed when the test runs, not when it is collected: a run that
# crosses midnight must not see yesterday as today), or a value as typed.
@pytest.mark.parametrize(
    ("recheck_on", "ok"),
    [
        (1, True),
        ("90 iso", True),
        (svc.MAX_RECHECK_DAYS, True),
        (svc.MAX_RECHECK_DAYS + 1, False),  # beyond two years
        (0, False),
        (-1, False),
        (None, False),
        ("", False),
        ("next spring", False),
    ],
)
def test_an_impasse_needs_a_future_recheck_date(at_change, problem_coordinator, recheck_on, ok):
    today = timezone.localdate()
    if isinstance(recheck_on, int):
        recheck_on = today + dt.timedelta(days=recheck_on)
    elif recheck_on == "90 iso":
        recheck_on = (today + dt.timedelta(days=90)).isoformat()
    problem = at_change(status="rejected", outcome="rejected")
    record = lambda: svc.problem_record_impasse(  # noqa: E731
        actor=problem_coordinator,
        problem_id=problem.pk,
        reason="No vendor fix",
        recheck_on=recheck_on,
    )
    if not ok:
        with pytest.raises(ValidationError) as refused:
            record()
        assert "recheck_on" in refused.value.message_dict
        return
    record()
    problem.refresh_from_db()
    assert (problem.status, problem.impasse_reason) == (P.IMPASSE, "No vendor fix")
    assert problem.known_errors.get().status == KnownErrorStatus.CHANGE_REQUESTED  # stays open


def test_an_impasse_needs_a_reason(at_change, problem_coordinator):
    problem = at_change(status="rejected", outcome="rejected")
    with pytest.raises(ValidationError) as refused:
        svc.problem_record_impasse(actor=problem_coordinator, problem_id=problem.pk, reason="",
                                   recheck_on=timezone.localdate() + dt.timedelta(days=30))  # fmt: skip
    assert "reason" in refused.value.message_dict


@pytest.fixture
def impasse(at_change, problem_coordinator):
    problem = at_change(status="rejected", outcome="rejected")
    svc.problem_record_impasse(actor=problem_coordinator, problem_id=problem.pk,
                               reason="No vendor fix", recheck_on=timezone.localdate() + dt.timedelta(days=30))  # fmt: skip
    problem.refresh_from_db()
    return problem


def test_the_coordinators_are_reminded_once_on_the_recheck_date(impasse, problem_coordinator):
    due = impasse.recheck_on
    reminders = problem_coordinator.notifications.filter(title__contains="re-check")
    assert svc.impasse_rechecks(today=due - dt.timedelta(days=1)) == 0
    assert svc.impasse_rechecks(today=due) == 1
    assert svc.impasse_rechecks(today=due) == 0
    assert svc.impasse_rechecks(today=due + dt.timedelta(days=3)) == 0
    assert reminders.count() == 1
    # The next re-check date reminds again on that date.
    svc.problem_record_impasse(actor=problem_coordinator, problem_id=impasse.pk,
                               reason="Still none", recheck_on=due + dt.timedelta(days=60))  # fmt: skip
    assert svc.impasse_rechecks(today=due + dt.timedelta(days=60)) == 1
    assert reminders.count() == 2
    assert not [s for s in registrations.closure_work(problem_coordinator) if s.rows]
    ProblemInvestigation.objects.filter(pk=impasse.pk).update(recheck_on=timezone.localdate())
    sections = {s.title: s for s in registrations.closure_work(problem_coordinator)}
    assert [r["number"] for r in sections["Impasses to re-check"].rows] == [impasse.number]


def test_another_analysis_reopens_an_impasse(impasse, problem_coordinator, specialist):
    svc.problem_reopen_analysis(actor=problem_coordinator, problem_id=impasse.pk,
                                specialist_id=specialist.pk, note="A new MTA is out")  # fmt: skip
    impasse.refresh_from_db()
    assert (impasse.status, impasse.specialist, impasse.recheck_on) == (
        P.ASSIGNED,
        specialist,
        None,
    )
    with pytest.raises(DomainError):
        svc.problem_reopen_analysis(actor=problem_coordinator, problem_id=impasse.pk,
                                    specialist_id=specialist.pk, note="again")  # fmt: skip


def test_closing_an_impasse_needs_a_note_and_retires_its_known_error(impasse, problem_coordinator):
    with pytest.raises(ValidationError) as refused:
        svc.problem_close(actor=problem_coordinator, problem_id=impasse.pk)
    assert "note" in refused.value.message_dict
    svc.problem_close(actor=problem_coordinator, problem_id=impasse.pk, note="Service retired")
    impasse.refresh_from_db()
    assert impasse.status == P.CLOSED
    assert impasse.known_errors.get().status == KnownErrorStatus.RETIRED


# --- my work, the API and the page ----------------------------------------------------


def test_problems_to_verify(at_change, problem_coordinator, other_coordinator):
    implemented, waiting = at_change(), at_change(status="implementation", outcome="", end=None)
    sections = {s.title: s for s in registrations.closure_work(problem_coordinator)}
    numbers = [row["number"] for row in sections["Problems to verify"].rows]
    assert implemented.number in numbers and waiting.number not in numbers
    assert not [s for s in registrations.closure_work(other_coordinator) if s.rows]


def test_api_refuses_the_closure_with_the_evidence(api, at_change, make_incident, mail,
                                                   problem_coordinator):  # fmt: skip
    problem = at_change()
    again = registered(make_incident(category=mail), DONE + dt.timedelta(days=1))
    client = api.as_(problem_coordinator)
    url = f"/api/v1/problems/{problem.pk}/close/"
    refused = client.post(url, {"note": "Looks fine"}, format="json")
    assert refused.status_code == 400, refused.content
    assert again.number in field_errors(refused)["override_reason"][0]
    closed = client.post(url, {"override_reason": "Another cause"}, format="json")
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    bad = client.post(f"/api/v1/problems/{problem.pk}/impasse/", {"reason": "x"}, format="json")
    assert bad.status_code in (400, 409)


def test_the_page_shows_the_evidence_before_deciding(client, at_change, make_incident, mail,
                                                     problem_coordinator):  # fmt: skip
    problem = at_change()
    again = registered(make_incident(category=mail), DONE + dt.timedelta(days=1))
    change = problem.known_errors.get().change
    client.force_login(problem_coordinator)
    page = client.get(reverse("problems:problem-detail", args=[problem.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="closure"' in html and change.number in html and again.number in html
    assert "Reassign for another solution" in html and "Record an impasse" in html
    posted = client.post(reverse("problems:problem-close", args=[problem.pk]), {"note": "ok"})
    assert posted.status_code == 400  # the form comes back with the refusal
    assert again.number in posted.content.decode()
    problem.refresh_from_db()
    assert problem.status == P.KNOWN_ERROR
    svc.problem_close(actor=problem_coordinator, problem_id=problem.pk, override_reason="Relay")
    closed = client.get(reverse("problems:problem-detail", args=[problem.pk]))
    assert closed.status_code == 200 and "Closed despite recurrences" in closed.content.decode()


def test_the_steps_are_offered_on_the_record_page(client, impasse, at_change, problem_coordinator):
    closing = at_change()
    client.force_login(problem_coordinator)
    for problem, labels, absent in (
        (closing, ("Reassign for another solution", "Record an impasse"), "Ask for another"),
        (impasse, ("Set the next re-check", "Ask for another analysis"), "Reassign for another"),
    ):
        page = client.get(reverse("problems:problem-detail", args=[problem.pk]))
        assert page.status_code == 200
        html = page.content.decode()
        assert all(label in html for label in labels) and absent not in html
        assert reverse("problems:problem-close", args=[problem.pk]) in html


def test_a_fix_the_review_sent_to_closure_is_closed(make_problem, problem_coordinator):
    """From proc. 3 (the real review) to proc. 4."""
    from steward.problems.services import known_errors

    problem = make_problem()
    ProblemInvestigation.objects.filter(pk=problem.pk).update(
        status=P.ANALYSIS_REVIEW, analysis_outcome="fixed", fixed_at=DONE, root_cause="A lock"
    )
    known_errors.problem_review(actor=problem_coordinator, problem_id=problem.pk,
                                analysis_acceptable=True)  # fmt: skip
    problem.refresh_from_db()
    assert svc.at_closure_point(problem)
    svc.problem_close(actor=problem_coordinator, problem_id=problem.pk, note="Fixed")
    problem.refresh_from_db()
    assert problem.status == P.CLOSED
