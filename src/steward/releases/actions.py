"""The action tables of Release Management (``core.actions``): the buttons of the
release, request-for-change handling, CAB meeting and business case pages (seed 003
ch. 10), each with its page URL and its ``POST /api/v1/<records>/{id}/<key>/``. The
services check everything again."""

from collections.abc import Mapping  # noqa: F401  (for the sections' URL helpers)
from typing import Any

from steward.core.actions import Action, ActionTable
from steward.releases.choices import ReleaseStatus as _S  # noqa: F401
from steward.releases.queries import releases as release_queries
from steward.releases.services import releases as _releases

_API = "steward.releases.api"

# The release's rows: each topic's section below adds its own (``RELEASE_ROWS += [...]``);
# the table is built at the end of the module, in the order the sections add them.
RELEASE_ROWS: list[Action] = []


# --- releases: registration and editing (proc. 2) -------------------------------------
# (section owned by the releases topic: the foundation; editing is the record's edit page)


# --- handling: request for change handling (proc. 1) ----------------------------------
# (section owned by the handling topic: its own table HANDLING)
from steward.releases.choices import HandlingStatus as _H  # noqa: E402
from steward.releases.forms import handling as _hforms  # noqa: E402
from steward.releases.services import handling as _handling  # noqa: E402

_HANDLING_HELP = (
    "Procedure 1: only a non-standard change needs Release Management; a problem fix is "
    "passed back to Change Management when a single change coordinator can coordinate it, "
    "it does not change the functionality of a service and needs no additional funding (a "
    "request from Release or Continuity Management always is). Otherwise the CAB reviews it "
    "(estimate the effort and cost: it goes on the list for the next CAB meeting), except a "
    "problem fix that does not change the functionality: it goes into a release without the "
    "CAB. The decision is pre-selected from the answers; the system checks it."
)


def _reviewed(posted: Any) -> str:
    handling = posted.result
    if handling.status == _H.PASSED_BACK:
        return "Passed back to Change Management: the change coordinators are told."
    if handling.status == _H.CAB_LIST:
        return "On the list for the next CAB meeting. " + _handling.next_meeting_text(
            handling.service
        )
    return f"Put into release {handling.release.number}."


# fmt: off
HANDLING = ActionTable(
    name="handling", namespace="releases", prefix="releases/requests",
    query_one=release_queries.handling_for, record_arg="handling_id", actions=[
        Action("review", "Review", _handling.handling_review, _releases.COORDINATE,
               (_H.RECEIVED,), _hforms.HandlingReviewForm,
               serializer=f"{_API}.handling.HandlingReviewSerializer",
               arguments=_hforms.review_arguments, initial=_hforms.review_initial,
               style="primary", help=_HANDLING_HELP, done=_reviewed,
               summary="Review a request for change (proc. 1): pass it back, onto the next "
                       "CAB meeting's list, or into a release without the CAB"),
    ],
)
# fmt: on


# --- cabs: CABs, meetings and votes (proc. 2) -------------------------------------------
# (section owned by the cabs topic: its own table MEETING)


# --- justification: business justification (proc. 3) ---------------------------------
# (section owned by the justification topic: RELEASE_ROWS, and its own table BUSINESS_CASE)


# --- coordination: release coordination and review (proc. 4) ---------------------------
# (section owned by the coordination topic: RELEASE_ROWS)


# --- deployment: policy, environments, baselines, rollback ------------------------------
# (section owned by the deployment topic: RELEASE_ROWS)


# --- the release table, built from the sections' rows --------------------------------
# fmt: off
RELEASE = ActionTable(
    name="release", namespace="releases", prefix="releases",
    query_one=release_queries.release_for, record_arg="release_id", actions=RELEASE_ROWS,
)
# fmt: on
