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


# --- known_errors: analysis review and known errors (proc. 3) -----------------------
# (section owned by the known_errors topic)


# --- closure: problem closure and impasse (proc. 4) ---------------------------------
# (section owned by the closure topic)


# --- the problem table, built from the sections' rows --------------------------------
# fmt: off
PROBLEM = ActionTable(
    name="problem", namespace="problems", prefix="problems",
    query_one=problem_queries.problem_for, record_arg="problem_id", actions=PROBLEM_ROWS,
)
# fmt: on
