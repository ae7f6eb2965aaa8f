"""Proc. 3 (Analysis Review): the problem coordinator's review, every branch as the seed
words it, and its refusals; the known error and its request for change."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.changes.choices import RfcSource, RfcStatus
from steward.changes.queries.rfcs import rfcs_to_review
from steward.core.errors import DomainError
from steward.problems.choices import KnownErrorStatus, ProblemStatus, ReviewDecision
from steward.problems.models import KnownError, ProblemInvestigation, SolutionOption
from steward.problems.services.known_errors import problem_review

pytestmark = pytest.mark.django_db

NO = (False, False, False)


@pytest.fixture
def analysed(make_problem, specialist):
    """A problem whose analysis waits for review, set as the analysis topic leaves it."""

    def make(outcome: str = "proposed", workaround: str = "Restart the mail queue") -> Any:
        problem = make_problem(specialist_id=specialist.pk)
        ProblemInvestigation.objects.filter(pk=problem.pk).update(
            status=ProblemStatus.ANALYSIS_REVIEW, analysis_outcome=outcome,
            root_cause="The queue daemon leaks file handles.", workaround=workaround,
            workaround_steps="systemctl restart mailq", change_management_required=True,
        )  # fmt: skip
        SolutionOption.objects.create(problem=problem, position=1, description="Tune limits")
        SolutionOption.objects.create(
            problem=problem, position=2, description="Upgrade the daemon", is_recommended=True
        )
        problem.refresh_from_db()
        return problem

    return make


def _answers(values: tuple) -> dict:
    keys = ("unavailable_in_service_hours", "functionality_changes", "cmdb_update")
    return dict(zip(keys, values, strict=True))


@pytest.mark.parametrize(
    ("acceptable", "outcome", "answers", "decision", "status"),
    [
        # Not acceptable: reassigned for a better analysis, whatever it says.
        (False, "proposed", (None, None, None), ReviewDecision.REANALYSE, ProblemStatus.ASSIGNED),
        (False, "fixed", (None, None, None), ReviewDecision.REANALYSE, ProblemStatus.ASSIGNED),
        (False, "no_root_cause", (None, None, None), ReviewDecision.REANALYSE, "assigned"),
        # Already fixed (no Change Management): to closure.
        (True, "fixed", (None, None, None), ReviewDecision.CLOSURE, "analysis_review"),
        # A good analysis, no practical structural solution: to closure as well.
        (True, "no_root_cause", (None, None, None), ReviewDecision.IMPASSE_CANDIDATE,
         "analysis_review"),
        (True, "no_solution", (None, None, None), ReviewDecision.IMPASSE_CANDIDATE,
         "analysis_review"),
        # Proposed, Change Management not really needed: a specialist fixes it.
        (True, "proposed", NO, ReviewDecision.FIX, ProblemStatus.FIX_IN_PROGRESS),
        # Proposed, Change Management really needed (any one condition): a known error.
        (True, "proposed", (True, False, False), ReviewDecision.KNOWN_ERROR, "known_error"),
        (True, "proposed", (False, True, False), ReviewDecision.KNOWN_ERROR, "known_error"),
        (True, "proposed", (False, False, True), ReviewDecision.KNOWN_ERROR, "known_error"),
    ],
)  # fmt: skip
def test_every_branch_of_the_review(
    analysed, problem_coordinator, other_specialist, acceptable, outcome, answers, decision, status
):
    problem = analysed(outcome)
    reviewed = problem_review(
        actor=problem_coordinator, problem_id=problem.pk, analysis_acceptable=acceptable,
        specialist_id=other_specialist.pk, **_answers(answers),
    )  # fmt: skip
    reviewed.refresh_from_db()
    assert (reviewed.review_decision, reviewed.status) == (decision, status)
    assert reviewed.reviewed_at is not None
    raised = KnownError.objects.filter(problem=problem).exists()
    assert raised == (decision == ReviewDecision.KNOWN_ERROR)
    if decision in (ReviewDecision.REANALYSE, ReviewDecision.FIX):
        assert reviewed.specialist == other_specialist
        assert other_specialist.notifications.filter(title__contains=problem.number).exists()


def test_the_answers_are_stored_and_no_stays_no(analysed, problem_coordinator, specialist):
    problem = analysed()
    problem_review(actor=problem_coordinator, problem_id=problem.pk, analysis_acceptable=True,
                   specialist_id=specialist.pk, **_answers(NO))  # fmt: skip
    problem.refresh_from_db()
    assert (problem.unavailable_in_service_hours, problem.functionality_changes,
            problem.cmdb_update) == NO  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "unanswered"),
    [
        ((None, None, None), {"unavailable_in_service_hours", "functionality_changes",
                              "cmdb_update"}),
        ((None, False, None), {"unavailable_in_service_hours", "cmdb_update"}),
        ((True, True, None), {"cmdb_update"}),
    ],
)  # fmt: skip
def test_a_proposed_solution_needs_every_question_answered(
    analysed, problem_coordinator, answers, unanswered
):
    problem = analysed()
    with pytest.raises(ValidationError) as refused:
        problem_review(actor=problem_coordinator, problem_id=problem.pk,
                       analysis_acceptable=True, **_answers(answers))  # fmt: skip
    assert set(refused.value.message_dict) == unanswered
    problem.refresh_from_db()
    assert (problem.status, problem.review_decision) == (ProblemStatus.ANALYSIS_REVIEW, "")


@pytest.mark.parametrize(("acceptable", "answers"), [(False, (None, None, None)), (True, NO)])
def test_reanalysis_and_fix_need_a_specialist(analysed, problem_coordinator, acceptable, answers):
    problem = analysed()
    with pytest.raises(ValidationError) as refused:
        problem_review(actor=problem_coordinator, problem_id=problem.pk,
                       analysis_acceptable=acceptable, **_answers(answers))  # fmt: skip
    assert "specialist" in refused.value.message_dict


def test_acceptable_must_be_said(analysed, problem_coordinator):
    problem = analysed()
    with pytest.raises(ValidationError) as refused:
        problem_review(actor=problem_coordinator, problem_id=problem.pk, analysis_acceptable=None)
    assert "analysis_acceptable" in refused.value.message_dict


def test_only_a_completed_analysis_is_reviewed(make_problem, problem_coordinator):
    problem = make_problem()
    with pytest.raises(DomainError):
        problem_review(actor=problem_coordinator, problem_id=problem.pk, analysis_acceptable=True)


def test_only_the_coordinator_of_the_service_reviews(
    analysed, other_coordinator, specialist, requester, representative, change_coordinator
):
    problem = analysed("fixed")
    for outsider in (other_coordinator, specialist, requester, representative,
                     change_coordinator):  # fmt: skip
        with pytest.raises(PermissionDenied):
            problem_review(actor=outsider, problem_id=problem.pk, analysis_acceptable=True)
    problem.refresh_from_db()
    assert problem.review_decision == ""


def test_a_known_error_goes_to_the_change_coordinator(
    analysed, problem_coordinator, change_coordinator
):
    problem = analysed()
    problem_review(actor=problem_coordinator, problem_id=problem.pk, analysis_acceptable=True,
                   **_answers((False, True, False)))  # fmt: skip
    known_error = KnownError.objects.get(problem=problem)
    assert known_error.number.startswith("KE")
    assert known_error.status == KnownErrorStatus.CHANGE_REQUESTED
    assert known_error.root_cause == "The queue daemon leaks file handles."
    assert known_error.solution == "Upgrade the daemon"
    assert (known_error.service, known_error.title) == (problem.service, problem.title)
    rfc = known_error.rfc
    assert (rfc.source, rfc.origin_reference, rfc.status) == (
        RfcSource.KNOWN_ERROR, known_error.number, RfcStatus.SUBMITTED,
    )  # fmt: skip
    assert rfc.problem_fix is True and rfc.functionality_changes is True
    assert "Upgrade the daemon" in rfc.description and "leaks file handles" in rfc.description
    assert rfc in rfcs_to_review(change_coordinator)
    assert change_coordinator.notifications.filter(title__contains=rfc.number).exists()
    assert known_error.change is None


def test_an_unknown_suggested_change_is_refused(analysed, problem_coordinator):
    problem = analysed()
    with pytest.raises(ValidationError) as refused:
        problem_review(actor=problem_coordinator, problem_id=problem.pk,
                       analysis_acceptable=True, change_id=10**9,
                       **_answers((True, False, False)))  # fmt: skip
    assert "change" in refused.value.message_dict
    assert not KnownError.objects.exists()


def test_a_suggested_change_is_named_and_the_change_coordinator_links_it(
    analysed, problem_coordinator, change_coordinator, service, client
):
    from steward.changes.services.changes import change_register
    from steward.changes.services.rfcs import rfc_review

    change = change_register(actor=change_coordinator, title="Upgrade mail", service_id=service.pk)
    problem = analysed()
    problem_review(actor=problem_coordinator, problem_id=problem.pk, analysis_acceptable=True,
                   change_id=change.pk, **_answers((True, True, False)))  # fmt: skip
    known_error = KnownError.objects.get(problem=problem)
    assert change.number in known_error.rfc.description
    assert known_error.change is None  # the change coordinator decides
    rfc_review(actor=change_coordinator, rfc_id=known_error.rfc.pk, decision="link",
               change_id=change.pk)  # fmt: skip
    known_error.refresh_from_db()
    assert known_error.change == change
    client.force_login(problem_coordinator)
    assert change.number in client.get(known_error.get_absolute_url()).content.decode()
