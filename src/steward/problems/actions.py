"""The action tables of Problem Management (``core.actions``): the buttons of the problem
investigation, known error and candidate pages (seed 003 ch. 9), each with its page URL
and its ``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""

from collections.abc import Mapping
from typing import Any

from steward.core.actions import Action, ActionTable
from steward.problems.choices import ProblemStatus as _P
from steward.problems.forms import problems as _forms
from steward.problems.queries import problems as problem_queries
from steward.problems.services import problems as _problems

_API = "steward.problems.api"

# The problem's rows: each topic's section below adds its own (``PROBLEM_ROWS += [...]``);
# the table is built at the end of the module, in the order the sections add them.
PROBLEM_ROWS: list[Action] = []


# --- problems: registration, linking, assignment (proc. 1) ----------
# (section owned by the problems topic: the foundation)
_BEFORE_ANALYSIS = (_P.REGISTERED, _P.ASSIGNED, _P.ROOT_CAUSE_ANALYSIS)
_OPEN = tuple(s for s in _P.values if s != _P.CLOSED)


def _incident_of_url(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {"incident_id": kwargs["incident_pk"]}


def _has_links(actor: Any, problem: Any) -> bool:
    return problem.incident_links.exists()


# fmt: off
PROBLEM_ROWS += [
    Action("assign", "Assign a specialist", _problems.problem_assign, _problems.COORDINATE,
           _BEFORE_ANALYSIS, _forms.AssignForm, serializer=f"{_API}.problems.ProblemAssignSerializer",
           arguments=_forms.assign_arguments, initial=_forms.assign_initial, style="primary",
           help="The most appropriate specialist: skills, availability and access rights.",
           done=lambda posted: f"Assigned to {posted.result.specialist}.",
           summary="Assign the problem investigation to a specialist (proc. 1)"),
    Action("link-incidents", "Link incident requests", _problems.problem_link_incidents,
           _problems.COORDINATE, _OPEN, _forms.LinkIncidentsForm,
           serializer=f"{_API}.problems.ProblemLinkSerializer",
           arguments=_forms.link_arguments, fragment="#incidents",
           done="Linked.", summary="Link incident requests the problem caused (proc. 1)"),
    Action("unlink-incident", "Unlink", _problems.problem_unlink_incident, _problems.COORDINATE,
           _OPEN, serializer=f"{_API}.problems.ProblemUnlinkSerializer", when=_has_links,
           arguments=lambda data: {"incident_id": data["incident"]},
           page=False, summary="Unlink an incident request linked by mistake"),
    Action("unlink-incident-row", "Unlink", _problems.problem_unlink_incident,
           _problems.COORDINATE, _OPEN, route="incidents/<int:incident_pk>/unlink/",
           url_args=_incident_of_url, when=_has_links, fragment="#incidents",
           done="Unlinked.", api=False),
]
# fmt: on


# --- review: incident request review (proc. 1) -------------------------------------
# (section owned by the review topic)


# --- candidates: problem candidates -------------------------------------------------
# (section owned by the candidates topic)
# A table of its own (the candidate page); after "Register a problem" the page goes to
# the new problem (``record_url`` reads where the candidate went).
from steward.problems.choices import CandidateStatus as _C  # noqa: E402
from steward.problems.forms import candidates as _cforms  # noqa: E402
from steward.problems.queries import candidates as candidate_queries  # noqa: E402
from steward.problems.services import candidates as _candidates  # noqa: E402


def _candidate_url(candidate: Any) -> str:
    from steward.problems.models import ProblemCandidate

    problem_id = ProblemCandidate.objects.filter(pk=candidate.pk).values_list(
        "problem_id", flat=True).first()  # fmt: skip
    if problem_id:
        from django.urls import reverse

        return reverse("problems:problem-detail", args=[problem_id])
    return candidate.get_absolute_url()


# fmt: off
CANDIDATE = ActionTable(
    name="candidate", namespace="problems", prefix="problem-candidates",
    query_one=candidate_queries.candidate_for, record_arg="candidate_id",
    record_url=_candidate_url, actions=[
        Action("register", "Register a problem", _candidates.candidate_register,
               _candidates.COORDINATE, (_C.OPEN,), _cforms.CandidateRegisterForm,
               serializer=f"{_API}.candidates.CandidateRegisterSerializer",
               arguments=_cforms.register_arguments, initial=_cforms.register_initial,
               style="primary", help="A problem investigation with the cluster's incident "
               "requests linked (those linked to a problem meanwhile are left out).",
               done=lambda posted: f"Problem {posted.result.number} registered.",
               summary="Register a problem investigation from the cluster (proc. 1)"),
        Action("dismiss", "Dismiss", _candidates.candidate_dismiss, _candidates.COORDINATE,
               (_C.OPEN,), _cforms.CandidateDismissForm,
               serializer=f"{_API}.candidates.CandidateDismissSerializer",
               help="Not a problem: it is proposed again only if it grows.",
               done="Dismissed.", summary="Dismiss the cluster: it is no problem"),
    ],
)
# fmt: on


# --- analysis: root cause analysis (proc. 2) ----------------------------------------
# (section owned by the analysis topic)
from steward.problems.forms import analysis as _aforms  # noqa: E402
from steward.problems.services import analysis as _analysis  # noqa: E402

_IN_ANALYSIS = (_P.ROOT_CAUSE_ANALYSIS,)
_ASER = f"{_API}.analysis"


def _option_of_url(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {"option_id": kwargs["option_pk"]}


def _option_of_body(data: dict[str, Any]) -> dict[str, Any]:
    return {"option_id": data["option"]}


def _has_options(actor: Any, problem: Any) -> bool:
    return _analysis.is_specialist(actor, problem) and problem.solution_options.exists()


_SPEC = _analysis.is_specialist
_ANALYSE = _problems.ANALYSE

# fmt: off
PROBLEM_ROWS += [
    Action("start-analysis", "Start the analysis", _analysis.problem_start_analysis, _ANALYSE,
           (_P.ASSIGNED,), when=_SPEC, style="primary", done="Root cause analysis started.",
           summary="Start the root cause analysis (proc. 2, the assigned specialist)"),
    Action("record-workaround", "Record the workaround", _analysis.problem_record_workaround,
           _ANALYSE, _IN_ANALYSIS, _aforms.WorkaroundForm,
           serializer=f"{_ASER}.ProblemWorkaroundSerializer", when=_SPEC,
           initial=_aforms.workaround_initial, fragment="#analysis", done="Workaround recorded.",
           help="Incidents were already caused: a temporary workaround, and how to apply it.",
           summary="Record the temporary workaround and how to apply it (proc. 2)"),
    Action("record-root-cause", "Record the root cause", _analysis.problem_record_root_cause,
           _ANALYSE, _IN_ANALYSIS, _aforms.RootCauseForm,
           serializer=f"{_ASER}.ProblemRootCauseSerializer", when=_SPEC,
           initial=_aforms.root_cause_initial, fragment="#analysis", done="Root cause recorded.",
           summary="Record the description of the root cause (proc. 2)"),
    Action("add-option", "Add a structural solution", _analysis.problem_add_option, _ANALYSE,
           _IN_ANALYSIS, _aforms.OptionAddForm, serializer=f"{_ASER}.ProblemOptionAddSerializer",
           when=_SPEC, fragment="#analysis", done="Structural solution added.", creates=True,
           summary="Add a structural solution option (proc. 2)"),
    Action("remove-option", "Remove", _analysis.problem_remove_option, _ANALYSE, _IN_ANALYSIS,
           serializer=f"{_ASER}.ProblemOptionRefSerializer", arguments=_option_of_body,
           when=_has_options, page=False, summary="Remove a structural solution option"),
    Action("recommend-option", "Recommend", _analysis.problem_recommend_option, _ANALYSE,
           _IN_ANALYSIS, serializer=f"{_ASER}.ProblemOptionRefSerializer",
           arguments=_option_of_body, when=_has_options, page=False,
           summary="Recommend a structural solution option (one at a time)"),
    Action("remove-option-row", "Remove", _analysis.problem_remove_option, _ANALYSE,
           _IN_ANALYSIS, route="options/<int:option_pk>/remove/", url_args=_option_of_url,
           when=_has_options, fragment="#analysis", done="Structural solution removed.",
           api=False),
    Action("recommend-option-row", "Recommend", _analysis.problem_recommend_option, _ANALYSE,
           _IN_ANALYSIS, route="options/<int:option_pk>/recommend/", url_args=_option_of_url,
           when=_has_options, fragment="#analysis", done="Recommended.", api=False),
    Action("complete-analysis", "Complete the analysis", _analysis.problem_complete_analysis,
           _ANALYSE, _IN_ANALYSIS, _aforms.CompleteAnalysisForm,
           serializer=f"{_ASER}.ProblemCompleteAnalysisSerializer", when=_SPEC, style="primary",
           done=lambda posted: "Analysis completed: "
                               f"{posted.result.get_analysis_outcome_display()}.",
           help="The outcome follows from what is recorded; the problem coordinator is told.",
           summary="Complete the analysis and inform the problem coordinator (proc. 2)"),
    Action("fix-done", "The solution is implemented", _analysis.problem_fix_done, _ANALYSE,
           (_P.FIX_IN_PROGRESS,), _aforms.FixDoneForm,
           serializer=f"{_ASER}.ProblemFixDoneSerializer", when=_SPEC, style="primary",
           done="Implemented: the problem coordinator is told.",
           summary="Report the structural solution implemented (after the review)"),
]
# fmt: on


# --- known_errors: analysis review and known errors (proc. 3) -----------------------
# (section owned by the known_errors topic)
from steward.problems.forms import known_errors as _ke_forms  # noqa: E402
from steward.problems.services import known_errors as _known_errors  # noqa: E402

_REVIEW_HELP = (
    "Proc. 3: not acceptable, the analysis goes back to the same or another specialist. "
    "Fixed already, or a good analysis without a practical structural solution: on to "
    "closure. A proposed solution: Change Management is only needed when a service becomes "
    "unavailable or degraded in its service hours, its functionality changes or the CMDB "
    "needs an update; if not, a specialist fixes it; if so, a known error goes to the "
    "change coordinator of the service."
)


def _reviewed(posted: Any) -> str:
    problem = posted.result
    return f"Reviewed: {problem.get_review_decision_display()}."


# fmt: off
PROBLEM_ROWS += [
    Action("review", "Review the analysis", _known_errors.problem_review, _problems.COORDINATE,
           (_P.ANALYSIS_REVIEW,), _ke_forms.ProblemReviewForm,
           serializer=f"{_API}.known_errors.ProblemReviewSerializer",
           arguments=_ke_forms.review_arguments, initial=_ke_forms.review_initial,
           style="primary", help=_REVIEW_HELP, done=_reviewed, fragment="#analysis-review",
           summary="Review the specialist's analysis (proc. 3): reanalyse, fix, known error "
                   "or closure"),
]
# fmt: on


# --- closure: problem closure and impasse (proc. 4) ---------------------------------
# (section owned by the closure topic)
from steward.problems.forms import closure as _closure_forms  # noqa: E402
from steward.problems.services import closure as _closure  # noqa: E402

_CLOSING = (_P.KNOWN_ERROR, _P.ANALYSIS_REVIEW)


def _at_closure(actor: Any, problem: Any) -> bool:
    return _closure.at_closure_point(problem)


def _closable(actor: Any, problem: Any) -> bool:
    """An impasse (given up, with a note), or a closure point with a solution to verify."""
    if problem.review_decision == "impasse_candidate" and problem.status == _P.ANALYSIS_REVIEW:
        return False
    return problem.status == _P.IMPASSE or _closure.at_closure_point(problem)


# fmt: off
PROBLEM_ROWS += [
    Action("close", "Close", _closure.problem_close, _problems.COORDINATE,
           (*_CLOSING, _P.IMPASSE), _closure_forms.ProblemCloseForm, when=_closable,
           serializer=f"{_API}.closure.ProblemCloseSerializer", style="primary",
           help="Verify first (the Closure section): incident requests of its kinds since the "
           "change refuse the closure unless you give the reason to close anyway.",
           done="Problem closed.", summary="Close the problem once its solution works (proc. 4)"),
    Action("reassign-solution", "Reassign for another solution",
           _closure.problem_reassign_for_solution, _problems.COORDINATE, _CLOSING,
           _closure_forms.ProblemReassignForm, when=_at_closure,
           serializer=f"{_API}.closure.ProblemReassignSolutionSerializer",
           arguments=_closure_forms.specialist_arguments,
           help="The change was not implemented or did not fix it, and another structural "
           "solution may be possible: a specialist of the group.",
           done=lambda posted: f"Reassigned to {posted.result.specialist}.",
           summary="Reassign the problem for another structural solution (proc. 4)"),
    Action("impasse", "Record an impasse", _closure.problem_record_impasse,
           _problems.COORDINATE, _CLOSING, _closure_forms.ProblemImpasseForm, when=_at_closure,
           serializer=f"{_API}.closure.ProblemImpasseSerializer",
           help="No practical means to work around or remove the root cause for now: you "
           "are reminded on the re-check date.",
           done=lambda posted: f"Impasse: re-check on {posted.result.recheck_on:%Y-%m-%d}.",
           summary="Record an impasse with its re-check date (proc. 4)"),
    Action("recheck", "Set the next re-check", _closure.problem_record_impasse,
           _problems.COORDINATE, (_P.IMPASSE,), _closure_forms.ProblemImpasseForm,
           serializer=f"{_API}.closure.ProblemImpasseSerializer",
           initial=_closure_forms.impasse_initial,
           help="Still no practical solution: when to check for new possibilities again.",
           done=lambda posted: f"Next re-check on {posted.result.recheck_on:%Y-%m-%d}.",
           summary="Set the next re-check of an impasse (proc. 4)"),
    Action("reopen-analysis", "Ask for another analysis", _closure.problem_reopen_analysis,
           _problems.COORDINATE, (_P.IMPASSE,), _closure_forms.ProblemReopenForm,
           serializer=f"{_API}.closure.ProblemReopenAnalysisSerializer",
           arguments=_closure_forms.specialist_arguments,
           help="A new or different approach or technology may now solve it.",
           done=lambda posted: f"Assigned to {posted.result.specialist} for another analysis.",
           summary="Ask for another analysis of an impasse (proc. 4)"),
]
# fmt: on


# --- the problem table, built from the sections' rows --------------------------------
# fmt: off
PROBLEM = ActionTable(
    name="problem", namespace="problems", prefix="problems",
    query_one=problem_queries.problem_for, record_arg="problem_id", actions=PROBLEM_ROWS,
)
# fmt: on
