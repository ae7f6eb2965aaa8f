"""The action tables of Release Management (``core.actions``): the buttons of the
release, request-for-change handling, CAB meeting and business case pages (seed 003
ch. 10), each with its page URL and its ``POST /api/v1/<records>/{id}/<key>/``. The
services check everything again."""

from collections.abc import Mapping
from typing import Any

from steward.core.actions import Action, ActionTable
from steward.releases.choices import ReleaseStatus as _S
from steward.releases.queries import releases as release_queries
from steward.releases.services import releases as _releases  # noqa: F401

_API = "steward.releases.api"

# The release's rows: each topic's section below adds its own (``RELEASE_ROWS += [...]``);
# the table is built at the end of the module, in the order the sections add them.
RELEASE_ROWS: list[Action] = []


# --- releases: registration and editing (proc. 2) -------------------------------------
# (section owned by the releases topic: the foundation; editing is the record's edit page)


# --- handling: request for change handling (proc. 1) ----------------------------------
# (section owned by the handling topic: its own table HANDLING)


# --- cabs: CABs, meetings and votes (proc. 2) -------------------------------------------
# (section owned by the cabs topic: its own table MEETING)


# --- justification: business justification (proc. 3) ---------------------------------
# (section owned by the justification topic: RELEASE_ROWS, and its own table BUSINESS_CASE)


# --- coordination: release coordination and review (proc. 4) ---------------------------
# (section owned by the coordination topic: RELEASE_ROWS)
from steward.releases.forms import coordination as _coord_forms  # noqa: E402
from steward.releases.services import coordination as _coord  # noqa: E402

_PLANNING = _coord.PLANNING
_COORDINATING = (_S.COORDINATION,)
_CSER = f"{_API}.coordination"
_COORD = _coord.COORDINATE


def _item_of_url(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {"item_id": kwargs["item_pk"]}


def _real(actor: Any, release: Any) -> bool:
    return not release.is_backlog


def _has_planned(actor: Any, release: Any) -> bool:
    return release.plan_items.filter(status="planned").exists()


def _has_requested(actor: Any, release: Any) -> bool:
    return release.plan_items.filter(status="requested").exists()


def _completable(actor: Any, release: Any) -> bool:
    return _coord.complete_possible(release)


def _review_open(actor: Any, release: Any) -> bool:
    return release.review_published_at is None


def _review_recorded(actor: Any, release: Any) -> bool:
    return release.review_held_at is not None and release.review_published_at is None


def _review_published(actor: Any, release: Any) -> bool:
    return release.review_published_at is not None


def _sent(posted: Any) -> str:
    items = posted.result or []
    return f"Requirements sent: {len(items)} request{'s' if len(items) != 1 else ''} for change."


# fmt: off
RELEASE_ROWS += [
    Action("add-plan-item", "Add a change to the plan", _coord.plan_item_add, _COORD, _PLANNING,
           _coord_forms.PlanItemAddForm, serializer=f"{_CSER}.PlanItemAddSerializer",
           arguments=_coord_forms.plan_item_arguments, when=_real, fragment="#plan",
           creates=True, done=lambda posted: f"“{posted.result.title}” added to the plan.",
           help="Proc. 2: with the change coordinators of the service and its supporting "
           "services, divide the requirements: who takes which, how long, after what.",
           summary="Add a change to the release's high-level plan (proc. 2)"),
    Action("remove-plan-item", "Remove", _coord.plan_item_remove, _COORD, _PLANNING,
           serializer=f"{_CSER}.PlanItemRefSerializer", arguments=_coord_forms.item_arguments,
           when=_has_planned, page=False,
           summary="Remove a planned change from the plan (not once its requirements are sent)"),
    Action("remove-plan-item-row", "Remove", _coord.plan_item_remove, _COORD, _PLANNING,
           route="plan/<int:item_pk>/remove/", url_args=_item_of_url, when=_has_planned,
           fragment="#plan", done="Removed from the plan.", api=False),
    Action("send-requirements", "Send all requirements", _coord.plan_send_all, _COORD,
           _COORDINATING, when=_has_planned, style="primary", fragment="#plan", done=_sent,
           help="Proc. 4: each planned change's requirement document goes to its change "
           "coordinator as a request for change, which Change Management registers.",
           summary="Send the requirement document of every planned change (proc. 4)"),
    Action("send-item", "Send the requirements", _coord.plan_item_send, _COORD, _COORDINATING,
           serializer=f"{_CSER}.PlanItemRefSerializer", arguments=_coord_forms.item_arguments,
           when=_has_planned, page=False,
           summary="Send one planned change's requirement document to Change Management"),
    Action("send-item-row", "Send", _coord.plan_item_send, _COORD, _COORDINATING,
           route="plan/<int:item_pk>/send/", url_args=_item_of_url, when=_has_planned,
           fragment="#plan", done="Requirements sent.", api=False),
    Action("complete-change", "Record a completed change", _coord.plan_item_complete, _COORD,
           _COORDINATING, serializer=f"{_CSER}.CompleteChangeSerializer",
           arguments=_coord_forms.complete_arguments, when=_has_requested, page=False,
           summary="Record that a change of the release is completed, partly or failed, "
                   "with the short update and any additional change (proc. 4)"),
    Action("complete-change-row", "Record", _coord.plan_item_complete, _COORD, _COORDINATING,
           _coord_forms.CompleteChangeForm, route="plan/<int:item_pk>/complete/",
           url_args=_item_of_url, arguments=_coord_forms.complete_arguments,
           when=_has_requested, fragment="#coordination", in_panel=False, api=False,
           done=lambda posted: f"“{posted.result.title}”: "
                               f"{posted.result.get_status_display().lower()}."),
    Action("complete-release", "Complete the release", _coord.release_complete, _COORD,
           _COORDINATING, _coord_forms.ReleaseCompleteForm,
           serializer=f"{_CSER}.ReleaseCompleteSerializer",
           arguments=_coord_forms.release_complete_arguments, when=_completable,
           style="primary", done="Completed: the requesters are told; on to the review.",
           help="Proc. 4, after the last change: the requesters are told whether their "
           "requirements were met; unmet requests of a CAB-defined release go back to the "
           "backlog; the CAB members and the business case's approvers are told.",
           summary="Complete the release after its last change (proc. 4)"),
    Action("record-review", "Record the post-implementation review", _coord.release_review,
           _COORD, (_S.REVIEW,), _coord_forms.ReleaseReviewForm,
           serializer=f"{_CSER}.ReleaseReviewSerializer", arguments=_coord_forms.review_arguments,
           initial=_coord_forms.review_initial, when=_review_open, fragment="#review",
           style="primary", done="Review recorded.",
           help="Proc. 4: the release's lifecycle reviewed with the service owner and the "
           "change coordinators of its changes; a service owner must attend.",
           summary="Record the post-implementation meeting (proc. 4)"),
    Action("publish-review", "Publish the review", _coord.release_publish_review, _COORD,
           (_S.REVIEW,), when=_review_recorded, style="primary", fragment="#review",
           done="Review published.",
           summary="Publish the review's improvement suggestions and decisions (proc. 4)"),
    Action("close", "Close the release", _coord.release_close, _COORD, (_S.REVIEW,),
           when=_review_published, style="primary", done="Release closed.",
           summary="Close the release once its review is published (proc. 4)"),
]
# fmt: on


# --- deployment: policy, environments, baselines, rollback ------------------------------
# (section owned by the deployment topic: RELEASE_ROWS)


# --- the release table, built from the sections' rows --------------------------------
# fmt: off
RELEASE = ActionTable(
    name="release", namespace="releases", prefix="releases",
    query_one=release_queries.release_for, record_arg="release_id", actions=RELEASE_ROWS,
)
# fmt: on
