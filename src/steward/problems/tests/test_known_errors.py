"""Known errors (proc. 3): the workaround offered while registering incidents with its use
count, the workaround edit and retirement, the pages and the API."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from steward.core.errors import DomainError
from steward.core.tests.api import field_errors
from steward.incidents import search
from steward.incidents.choices import SolutionStatus
from steward.incidents.services.solutions import solution_use
from steward.problems.choices import KnownErrorStatus, ProblemStatus
from steward.problems.models import KnownError, ProblemInvestigation
from steward.problems.queries.known_errors import known_errors_for, known_errors_without_change
from steward.problems.services import known_errors as svc

pytestmark = pytest.mark.django_db
NEEDED = {"unavailable_in_service_hours": True, "functionality_changes": False,
          "cmdb_update": False}  # fmt: skip


@pytest.fixture
def in_review(make_problem, specialist):
    problem = make_problem(title="Mail queue stalls every Monday", specialist_id=specialist.pk)
    ProblemInvestigation.objects.filter(pk=problem.pk).update(
        status=ProblemStatus.ANALYSIS_REVIEW, analysis_outcome="proposed",
        root_cause="The queue daemon leaks file handles.",
        workaround="Restart the mail queue daemon", workaround_steps="systemctl restart mailq",
    )  # fmt: skip
    return problem


@pytest.fixture
def known_error(in_review, problem_coordinator):
    svc.problem_review(actor=problem_coordinator, problem_id=in_review.pk,
                       analysis_acceptable=True, **NEEDED)  # fmt: skip
    return KnownError.objects.get(problem=in_review)


def _suggested(actor, service, text="mail queue stalls"):
    return search.suggest_solutions(actor=actor, text=text, service=service)


def test_the_workaround_is_suggested_while_registering_with_its_use_count(
    known_error, analyst, service, make_incident
):
    solution = known_error.workaround_solution
    assert solution.is_workaround and solution.status == SolutionStatus.ACTIVE
    assert solution.title == f"Workaround: {known_error.title}"
    assert "systemctl restart mailq" in solution.body
    found = _suggested(analyst, service)
    assert solution in found
    incident = make_incident(title="Mail queue stalls again")
    solution_use(actor=analyst, solution_id=solution.pk, incident_id=incident.pk)
    again = next(s for s in _suggested(analyst, service) if s.pk == solution.pk)
    assert again.use_count == 1


def test_the_suggestion_names_the_known_error(known_error, client, analyst, service):
    client.force_login(analyst)
    page = client.get(
        reverse("incidents:solution-suggest"), {"text": "mail queue", "service": service.pk}
    )
    assert page.status_code == 200
    assert f"known error {known_error.number}" in page.content.decode()
    portal = client.get(reverse("incidents:solution-suggest"), {"text": "mail queue",
                                                                "portal": "1"})  # fmt: skip
    assert known_error.number not in portal.content.decode()


def test_no_workaround_no_suggestion(make_problem, problem_coordinator, analyst, service):
    problem = make_problem(title="Calendar sync drops events")
    ProblemInvestigation.objects.filter(pk=problem.pk).update(
        status=ProblemStatus.ANALYSIS_REVIEW, analysis_outcome="proposed", root_cause="Bug."
    )
    svc.problem_review(actor=problem_coordinator, problem_id=problem.pk,
                       analysis_acceptable=True, **NEEDED)  # fmt: skip
    known_error = KnownError.objects.get(problem=problem)
    assert known_error.workaround_solution is None
    assert _suggested(analyst, service, "calendar sync") == []


def test_editing_the_workaround_updates_what_is_suggested(
    known_error, problem_coordinator, analyst, service
):
    svc.known_error_update(actor=problem_coordinator, known_error_id=known_error.pk,
                           data={"workaround": "Flush the queue"},
                           expected_version=known_error.lock_version)  # fmt: skip
    known_error.refresh_from_db()
    assert known_error.workaround_solution.body.startswith("Flush the queue")
    svc.known_error_update(actor=problem_coordinator, known_error_id=known_error.pk,
                           data={"workaround": ""})  # fmt: skip
    known_error.refresh_from_db()
    assert known_error.workaround_solution.status == SolutionStatus.RETIRED
    assert _suggested(analyst, service) == []
    svc.known_error_update(actor=problem_coordinator, known_error_id=known_error.pk,
                           data={"workaround": "Reboot the relay"})  # fmt: skip
    known_error.refresh_from_db()
    assert known_error.workaround_solution.status == SolutionStatus.ACTIVE
    assert known_error.workaround_solution in _suggested(analyst, service, "reboot relay")


def test_the_edit_is_refused_to_others_and_once_resolved(
    known_error, other_coordinator, specialist, problem_coordinator
):
    for outsider in (other_coordinator, specialist):
        with pytest.raises(PermissionDenied):
            svc.known_error_update(actor=outsider, known_error_id=known_error.pk,
                                   data={"workaround": "x"})  # fmt: skip
    KnownError.objects.filter(pk=known_error.pk).update(status=KnownErrorStatus.RESOLVED)
    with pytest.raises(DomainError):
        svc.known_error_update(actor=problem_coordinator, known_error_id=known_error.pk,
                               data={"workaround": "x"})  # fmt: skip


def test_retiring_the_workaround_takes_it_out_of_suggestions(
    known_error, problem_coordinator, analyst, service
):
    svc.known_error_retire_workaround(known_error, actor=problem_coordinator)
    known_error.workaround_solution.refresh_from_db()
    assert known_error.workaround_solution.status == SolutionStatus.RETIRED
    assert _suggested(analyst, service) == []
    svc.known_error_retire_workaround(known_error, actor=problem_coordinator)  # idempotent


def test_known_errors_are_for_staff(known_error, analyst, requester, representative):
    assert list(known_errors_for(analyst)) == [known_error]
    assert list(known_errors_without_change(known_errors_for(analyst))) == [known_error]
    for outsider in (requester, representative):
        assert not known_errors_for(outsider).exists()


def test_pages(client, known_error, problem_coordinator):
    client.force_login(problem_coordinator)
    listing = client.get(reverse("problems:known-error-list"))
    assert listing.status_code == 200 and known_error.number in listing.content.decode()
    detail = client.get(known_error.get_absolute_url())
    text = detail.content.decode()
    assert detail.status_code == 200
    assert known_error.rfc.number in text and known_error.problem.number in text
    assert "leaks file handles" in text
    problem = client.get(known_error.problem.get_absolute_url())
    assert "Analysis review" in problem.content.decode()
    assert known_error.number in problem.content.decode()
    edit_url = reverse("problems:known-error-edit", args=[known_error.pk])
    assert client.get(edit_url).status_code == 200
    saved = client.post(edit_url, {"workaround": "Flush it", "workaround_steps": "",
                                   "lock_version": known_error.lock_version})  # fmt: skip
    assert saved.status_code == 302
    known_error.refresh_from_db()
    assert known_error.workaround == "Flush it"


def test_the_review_form_on_the_problem_page(client, in_review, problem_coordinator):
    client.force_login(problem_coordinator)
    page = client.get(in_review.get_absolute_url())
    text = page.content.decode()
    assert page.status_code == 200
    assert "Review the analysis" in text and "Will the CMDB require an update?" in text
    url = reverse("problems:problem-review", args=[in_review.pk])
    refused = client.post(url, {"analysis_acceptable": "true"})
    assert refused.status_code in (200, 400)
    assert "not answered is not no" in refused.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == ProblemStatus.ANALYSIS_REVIEW


def test_api(api, known_error, in_review, problem_coordinator, specialist, requester):
    client = api.as_(problem_coordinator)
    listing = client.get("/api/v1/known-errors/")
    assert listing.status_code == 200, listing.content
    assert known_error.number in listing.content.decode()
    one = client.get(f"/api/v1/known-errors/{known_error.pk}/").json()
    assert (one["rfc_number"], one["problem"]) == (known_error.rfc.number, in_review.pk)
    patched = client.patch(f"/api/v1/known-errors/{known_error.pk}/",
                           {"workaround_steps": "Restart twice"}, format="json")  # fmt: skip
    assert patched.status_code == 200, patched.content
    assert patched.json()["workaround_steps"] == "Restart twice"
    assert api.as_(specialist).patch(f"/api/v1/known-errors/{known_error.pk}/",
                                     {"workaround": "x"}, format="json").status_code == 403  # fmt: skip
    assert api.as_(requester).get(f"/api/v1/known-errors/{known_error.pk}/").status_code in (
        403, 404)  # fmt: skip


def test_api_review(api, make_problem, specialist, problem_coordinator):
    problem = make_problem(specialist_id=specialist.pk)
    ProblemInvestigation.objects.filter(pk=problem.pk).update(
        status=ProblemStatus.ANALYSIS_REVIEW, analysis_outcome="proposed", root_cause="Leak."
    )
    url = f"/api/v1/problems/{problem.pk}/review/"
    denied = api.as_(specialist).post(url, {"analysis_acceptable": True}, format="json")
    assert denied.status_code == 403
    client = api.as_(problem_coordinator)
    bad = client.post(url, {"analysis_acceptable": True, "cmdb_update": False}, format="json")
    assert bad.status_code == 400
    assert set(field_errors(bad)) == {"unavailable_in_service_hours", "functionality_changes"}
    fixed = client.post(url, {"analysis_acceptable": True, "cmdb_update": False,
                              "functionality_changes": False,
                              "unavailable_in_service_hours": False,
                              "specialist": specialist.pk}, format="json")  # fmt: skip
    assert fixed.status_code == 200, fixed.content
    assert (fixed.json()["status"], fixed.json()["review_decision"]) == ("fix_in_progress", "fix")
    again = client.post(url, {"analysis_acceptable": False, "specialist": specialist.pk},
                        format="json")  # fmt: skip
    assert again.status_code == 409
