"""Proc. 2 (Root Cause Analysis) through the services: the outcome per what the specialist
recorded, the refusals, the structural solution options, the denials and the workflow;
one API round and the record page's cards. Choosing the specialist (proc. 1)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from steward.core import journal
from steward.core.errors import DomainError
from steward.core.models import SupportGroupMembership
from steward.core.tests.api import field_errors
from steward.problems.choices import AnalysisOutcome, ProblemStatus
from steward.problems.models import ProblemInvestigation
from steward.problems.queries.analysis import specialist_candidates
from steward.problems.services import analysis as svc

pytestmark = pytest.mark.django_db

Out = AnalysisOutcome


@pytest.fixture
def assigned(make_problem, server_group, specialist):
    """A problem assigned to the specialist of the server team, no incident linked."""

    def make(**fields):
        fields.setdefault("support_group_id", server_group.pk)
        return make_problem(specialist_id=specialist.pk, **fields)

    return make


@pytest.fixture
def analysing(assigned, specialist):
    """A problem in root cause analysis by the specialist."""

    def make(**fields):
        problem = assigned(**fields)
        return svc.problem_start_analysis(actor=specialist, problem_id=problem.pk)

    return make


def test_the_assigned_specialist_starts_the_analysis(assigned, specialist):
    problem = svc.problem_start_analysis(actor=specialist, problem_id=assigned().pk)
    assert problem.status == ProblemStatus.ROOT_CAUSE_ANALYSIS


def _record(problem, specialist, *, root_cause="", option=None):
    if root_cause:
        svc.problem_record_root_cause(
            actor=specialist, problem_id=problem.pk, root_cause=root_cause
        )
    if option is not None:
        svc.problem_add_option(
            actor=specialist, problem_id=problem.pk, description="Patch", recommended=option
        )


# root cause, option (None: none; False: not recommended), CM required, reasons → outcome
@pytest.mark.parametrize(
    ("root_cause", "option", "cm", "reasons", "outcome"),
    [
        ("Disk full", True, False, {}, Out.FIXED),
        ("Disk full", True, True, {}, Out.PROPOSED),
        ("Disk full", None, None, {"no_solution_reason": "Vendor bug"}, Out.NO_SOLUTION),
        ("Disk full", False, None, {"no_solution_reason": "Too costly"}, Out.NO_SOLUTION),
        ("", None, None, {"no_root_cause_reason": "Cannot reproduce"}, Out.NO_ROOT_CAUSE),
        ("", True, True, {"no_root_cause_reason": "Cannot reproduce"}, Out.NO_ROOT_CAUSE),
    ],
)
def test_the_outcome_follows_what_was_recorded(
    analysing, specialist, problem_coordinator, root_cause, option, cm, reasons, outcome
):
    problem = analysing()
    _record(problem, specialist, root_cause=root_cause, option=option)
    done = svc.problem_complete_analysis(
        actor=specialist, problem_id=problem.pk, change_management_required=cm, **reasons
    )
    done.refresh_from_db()
    assert done.status == ProblemStatus.ANALYSIS_REVIEW
    assert done.analysis_outcome == outcome
    assert done.analysis_completed_at is not None
    assert (done.fixed_at is not None) == (outcome == Out.FIXED)
    assert done.no_root_cause_reason == reasons.get("no_root_cause_reason", "")
    assert done.no_solution_reason == reasons.get("no_solution_reason", "")
    assert problem_coordinator.notifications.filter(title__contains="work is completed").exists()


@pytest.mark.parametrize(
    ("root_cause", "option", "cm", "field"),
    [
        ("", None, None, "no_root_cause_reason"),
        ("Disk full", None, None, "no_solution_reason"),
        ("Disk full", False, None, "no_solution_reason"),
        ("Disk full", True, None, "change_management_required"),
    ],
)
def test_completing_refuses_what_is_missing(analysing, specialist, root_cause, option, cm, field):
    problem = analysing()
    _record(problem, specialist, root_cause=root_cause, option=option)
    with pytest.raises(ValidationError) as refused:
        svc.problem_complete_analysis(
            actor=specialist, problem_id=problem.pk, change_management_required=cm
        )
    assert field in refused.value.message_dict
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ROOT_CAUSE_ANALYSIS


# Incidents linked: a workaround is expected (rules.workaround_expected).
@pytest.mark.parametrize(
    ("incidents", "workaround", "reason", "refused"),
    [
        (1, "", "", True),
        (1, "Restart the queue", "", False),
        (1, "", "Nothing helps", False),
        (0, "", "", False),
    ],
)
def test_a_workaround_is_expected_when_incidents_were_caused(
    analysing, specialist, make_incident, incidents, workaround, reason, refused
):
    problem = analysing(incident_ids=[make_incident().pk for _ in range(incidents)])
    _record(problem, specialist, root_cause="Disk full", option=True)
    if workaround:
        svc.problem_record_workaround(
            actor=specialist, problem_id=problem.pk, workaround=workaround,
            workaround_steps="systemctl restart postfix",
        )  # fmt: skip
    call = dict(actor=specialist, problem_id=problem.pk, change_management_required=True,
                no_workaround_reason=reason)  # fmt: skip
    if refused:
        with pytest.raises(ValidationError) as error:
            svc.problem_complete_analysis(**call)
        assert "no_workaround_reason" in error.value.message_dict
        return
    svc.problem_complete_analysis(**call)
    lines = [e.body for e in journal.timeline(problem, actor=specialist)]
    assert any("No workaround found: Nothing helps" in line for line in lines) == bool(reason)


def test_workaround_and_root_cause_are_recorded_and_journaled(analysing, specialist):
    problem = analysing()
    svc.problem_record_workaround(
        actor=specialist, problem_id=problem.pk, workaround="Restart", workaround_steps="How"
    )
    svc.problem_record_root_cause(actor=specialist, problem_id=problem.pk, root_cause="Disk")
    problem.refresh_from_db()
    first = problem.root_cause_found_at
    svc.problem_record_root_cause(actor=specialist, problem_id=problem.pk, root_cause="Disk full")
    problem.refresh_from_db()
    assert (problem.workaround, problem.workaround_steps) == ("Restart", "How")
    assert (problem.root_cause, problem.root_cause_found_at) == ("Disk full", first)
    fields = {e.field for e in journal.timeline(problem, actor=specialist)}
    assert {"workaround", "root_cause"} <= fields
    with pytest.raises(ValidationError) as refused:
        svc.problem_record_root_cause(actor=specialist, problem_id=problem.pk, root_cause=" ")
    assert "root_cause" in refused.value.message_dict


def test_exactly_one_option_is_recommended(analysing, assigned, specialist):
    problem = analysing()
    for text, recommended in (("Patch", True), ("Replace", False), ("Rewrite", True)):
        svc.problem_add_option(actor=specialist, problem_id=problem.pk, description=text,
                               recommended=recommended)  # fmt: skip
    options = list(problem.solution_options.order_by("position"))
    assert [o.is_recommended for o in options] == [False, False, True]
    svc.problem_recommend_option(actor=specialist, problem_id=problem.pk, option_id=options[1].pk)
    assert list(problem.solution_options.filter(is_recommended=True)) == [options[1]]
    svc.problem_remove_option(actor=specialist, problem_id=problem.pk, option_id=options[1].pk)
    assert not problem.solution_options.filter(is_recommended=True).exists()
    elsewhere = analysing(title="Another")
    with pytest.raises(ValidationError) as refused:
        svc.problem_remove_option(
            actor=specialist, problem_id=elsewhere.pk, option_id=options[0].pk
        )
    assert "option" in refused.value.message_dict


@pytest.mark.parametrize(
    "outsider",
    ["other_specialist", "other_coordinator", "problem_coordinator", "requester", "representative"],
)
def test_only_the_assigned_specialist_analyses(request, analysing, assigned, outsider):
    person = request.getfixturevalue(outsider)
    waiting, problem = assigned(title="Waiting"), analysing()
    steps = [
        lambda: svc.problem_start_analysis(actor=person, problem_id=waiting.pk),
        lambda: svc.problem_record_workaround(actor=person, problem_id=problem.pk, workaround="W"),
        lambda: svc.problem_record_root_cause(actor=person, problem_id=problem.pk, root_cause="R"),
        lambda: svc.problem_add_option(actor=person, problem_id=problem.pk, description="D"),
        lambda: svc.problem_complete_analysis(
            actor=person, problem_id=problem.pk, no_root_cause_reason="x"
        ),
    ]
    for step in steps:
        with pytest.raises(PermissionDenied):
            step()
    problem.refresh_from_db()
    assert (problem.status, problem.root_cause) == (ProblemStatus.ROOT_CAUSE_ANALYSIS, "")


def test_steps_in_the_wrong_state_are_refused(assigned, analysing, specialist):
    waiting = assigned()
    for step in (
        lambda: svc.problem_record_root_cause(actor=specialist, problem_id=waiting.pk,
                                              root_cause="R"),
        lambda: svc.problem_complete_analysis(actor=specialist, problem_id=waiting.pk,
                                              no_root_cause_reason="x"),
        lambda: svc.problem_fix_done(actor=specialist, problem_id=waiting.pk),
    ):  # fmt: skip
        with pytest.raises(DomainError):
            step()
    problem = analysing(title="Started")
    with pytest.raises(DomainError):  # InvalidTransition: already started
        svc.problem_start_analysis(actor=specialist, problem_id=problem.pk)
    with pytest.raises(DomainError):
        svc.problem_fix_done(actor=specialist, problem_id=problem.pk)


def test_the_specialist_reports_the_fix_the_review_asked_for(
    analysing, specialist, problem_coordinator
):
    problem = analysing()
    # The review topic's decision (Change Management not needed) moves it to a fix.
    ProblemInvestigation.objects.filter(pk=problem.pk).update(
        status=ProblemStatus.FIX_IN_PROGRESS, analysis_outcome=Out.PROPOSED
    )
    done = svc.problem_fix_done(actor=specialist, problem_id=problem.pk, note="Patched")
    assert (done.status, done.analysis_outcome) == (ProblemStatus.ANALYSIS_REVIEW, Out.FIXED)
    assert done.fixed_at is not None
    assert problem_coordinator.notifications.filter(title__contains="implemented").exists()


def test_choosing_the_specialist_lists_analysts_available_and_least_loaded_first(
    assigned, server_group, specialist, other_specialist, analyst
):
    SupportGroupMembership.objects.create(group=server_group, person=analyst)
    problem = assigned()  # the specialist has one open problem now
    rows = specialist_candidates(problem, server_group)
    assert [r["person"] for r in rows] == [other_specialist, specialist]
    assert (rows[1]["problems"], rows[1]["current"]) == (1, True)
    SupportGroupMembership.objects.filter(person=other_specialist).update(is_available=False)
    rows = specialist_candidates(problem, server_group)
    assert [(r["person"], r["available"]) for r in rows] == [
        (specialist, True),
        (other_specialist, False),
    ]


def test_api_round(api, assigned, specialist, make_incident):
    problem = assigned(incident_ids=[make_incident().pk])
    client = api.as_(specialist)
    base = f"/api/v1/problems/{problem.pk}"
    assert client.post(f"{base}/start-analysis/", {}, format="json").status_code == 200
    assert client.post(f"{base}/start-analysis/", {}, format="json").status_code == 409
    steps = [
        ("record-workaround", {"workaround": "Restart", "workaround_steps": "Run it"}),
        ("record-root-cause", {"root_cause": "Disk full"}),
        ("add-option", {"description": "Bigger disk", "recommended": True}),
    ]
    for key, body in steps:
        answer = client.post(f"{base}/{key}/", body, format="json")
        assert answer.status_code in (200, 201), (key, answer.content)
    missing = client.post(f"{base}/complete-analysis/", {}, format="json")
    assert missing.status_code == 400
    assert "change_management_required" in field_errors(missing)
    done = client.post(
        f"{base}/complete-analysis/", {"change_management_required": True}, format="json"
    )
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["analysis_outcome"]) == (
        "analysis_review",
        "proposed",
    )
    assert [o["is_recommended"] for o in done.json()["solution_options"]] == [True]


def test_pages_show_the_analysis_and_the_specialist_chooser(
    client, analysing, specialist, problem_coordinator, server_group
):
    problem = analysing()
    _record(problem, specialist, root_cause="Disk full on the relay", option=True)
    url = reverse("problems:problem-detail", args=[problem.pk])
    client.force_login(specialist)
    page = client.get(url).content.decode()
    assert "Disk full on the relay" in page and "Recommended" in page
    assert reverse("problems:problem-complete-analysis", args=[problem.pk]) in page
    refused = client.post(reverse("problems:problem-complete-analysis", args=[problem.pk]), {})
    assert refused.status_code == 400
    assert "Say whether Change Management is required" in refused.content.decode()
    client.force_login(problem_coordinator)
    page = client.get(url)
    assert page.status_code == 200
    assert "Choosing the specialist" in page.content.decode()
    chooser = reverse("problems:problem-specialists", args=[problem.pk])
    members = client.get(chooser, {"support_group": server_group.pk})
    assert members.status_code == 200
    assert specialist.display_name in members.content.decode()
    assert client.get(chooser, {"support_group": "x"}).status_code == 200
