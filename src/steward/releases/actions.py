"""The action tables of Release Management (``core.actions``): the buttons of the
release, request-for-change handling, CAB meeting and business case pages (seed 003
ch. 10), each with its page URL and its ``POST /api/v1/<records>/{id}/<key>/``. The
services check everything again."""

from collections.abc import Mapping
from typing import Any

from steward.core.actions import Action, ActionTable
from steward.releases.choices import ReleaseStatus as _S
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
from typing import Any as _Any  # noqa: E402

from steward.releases.choices import CabOutcome as _O  # noqa: E402
from steward.releases.choices import MeetingStatus as _M  # noqa: E402
from steward.releases.forms import cabs as _cab_forms  # noqa: E402
from steward.releases.services import cabs as _cabs  # noqa: E402
from steward.releases.services import releases as _rel  # noqa: E402

_CSER = f"{_API}.cabs"
_C = _rel.COORDINATE


def _finalisable(actor: _Any, meeting: _Any) -> bool:
    from django.utils import timezone

    return timezone.now() >= meeting.submission_deadline


def _may_vote(actor: _Any, meeting: _Any) -> bool:
    return _cabs.is_member(actor, meeting) and meeting.agenda.exclude(
        votes__member=actor).exists()  # fmt: skip


def _rejected_to_close(actor: _Any, meeting: _Any) -> bool:
    return meeting.rejected_closed_at is None


def _minutes_to_publish(actor: _Any, meeting: _Any) -> bool:
    return meeting.rejected_closed_at is not None and meeting.minutes_published_at is None


def _release_to_register(actor: _Any, meeting: _Any) -> bool:
    return (meeting.minutes_published_at is not None and meeting.release_id is None
            and meeting.agenda.filter(outcome=_O.INCLUDED).exists())  # fmt: skip


# fmt: off
MEETING = ActionTable(
    name="meeting", namespace="releases", prefix="cab-meetings",
    query_one=release_queries.meeting_for, record_arg="meeting_id", actions=[
        Action("invite", "Send the invitations", _cabs.meeting_invite, _C, (_M.SCHEDULED,),
               style="primary", done="Invitations sent to the CAB members.",
               help="The members get the date, time, place and the submission deadline.",
               summary="Send the invitations with the submission deadline (proc. 2)"),
        Action("finalise", "Finalise the list", _cabs.meeting_finalise, _C, (_M.INVITED,),
               when=_finalisable, style="primary",
               done=lambda posted: f"List finalised: {posted.result.agenda.count()} requests.",
               help="The requests for change waiting in the backlog release; the members get "
               "the list to discuss before the meeting.",
               summary="Finalise the list of requests after the submission deadline (proc. 2)"),
        Action("open", "Open the meeting", _cabs.meeting_open, _C, (_M.AGENDA_FINAL,),
               style="primary", done="The meeting is in session: members vote.",
               summary="Open the meeting: its members are the CAB's members now"),
        Action("vote", "Vote", _cabs.meeting_vote, _rel.VOTE, (_M.IN_SESSION,),
               _cab_forms.MeetingVoteForm, serializer=f"{_CSER}.MeetingVoteSerializer",
               arguments=_cab_forms.vote_arguments, when=_may_vote, in_panel=False,
               fragment="#agenda", done="Your votes are recorded.",
               summary="Cast a member's votes: reject, include or no opinion per request "
                       "(once each, proc. 2)"),
        Action("close", "Close the meeting", _cabs.meeting_close, _C, (_M.IN_SESSION,),
               _cab_forms.MeetingCloseForm, serializer=f"{_CSER}.MeetingCloseSerializer",
               initial=_cab_forms.close_initial, style="primary",
               help="Agree on the next meeting first. A request is rejected or included when "
               "two-thirds of ALL the meeting's members asked for it; else it stays in the "
               "backlog.",
               done=lambda posted: "Meeting closed; next meeting "
                                   f"{posted.result.next_meeting.number} scheduled.",
               summary="Close the meeting with the next one agreed; the outcomes are decided"),
        Action("close-rejected", "Close the rejected requests", _cabs.meeting_close_rejected,
               _C, (_M.CLOSED,), when=_rejected_to_close, style="primary",
               done="Rejected requests closed; their requesters are told.",
               help="Closed in Change Management as rejected by the CAB.",
               summary="Close the rejected requests for change and tell the requesters"),
        Action("publish-minutes", "Publish the minutes", _cabs.meeting_publish_minutes, _C,
               (_M.CLOSED,), _cab_forms.MeetingMinutesForm,
               serializer=f"{_CSER}.MeetingMinutesSerializer", when=_minutes_to_publish,
               initial=_cab_forms.minutes_initial, style="primary",
               done="Minutes published to the members.",
               summary="Publish the minutes of the meeting (after closing the rejected)"),
        Action("register-release", "Register the release", _cabs.meeting_register_release,
               _C, (_M.CLOSED,), _cab_forms.MeetingReleaseForm,
               serializer=f"{_CSER}.MeetingReleaseSerializer", when=_release_to_register,
               style="primary",
               done=lambda posted: f"Release {posted.result.release.number} registered.",
               help="The included requests for change are linked to it.",
               summary="Register the release defined by the meeting, with the included "
                       "requests (after the minutes)"),
        Action("reschedule", "Move the meeting", _cabs.meeting_reschedule, _C,
               (_M.SCHEDULED, _M.INVITED), _cab_forms.MeetingRescheduleForm,
               serializer=f"{_CSER}.MeetingRescheduleSerializer",
               initial=_cab_forms.reschedule_initial, done="Meeting moved.",
               help="Invited members are invited again.",
               summary="Bring the meeting forward or move it (before the list is final)"),
        Action("cancel", "Cancel the meeting", _cabs.meeting_cancel, _C,
               (_M.SCHEDULED, _M.INVITED, _M.AGENDA_FINAL), _cab_forms.MeetingCancelForm,
               serializer=f"{_CSER}.MeetingCancelSerializer", style="danger",
               done="Meeting cancelled.", summary="Cancel a meeting that will not be held"),
    ],
)
# fmt: on


# --- justification: business justification (proc. 3) ---------------------------------
# (section owned by the justification topic: RELEASE_ROWS, and its own table BUSINESS_CASE)
from steward.releases.choices import BusinessCaseStatus as _B  # noqa: E402
from steward.releases.forms import justification as _jforms  # noqa: E402
from steward.releases.queries import justification as case_queries  # noqa: E402
from steward.releases.services import justification as _justification  # noqa: E402

_JSER = f"{_API}.justification"
_JCOORD = _releases.COORDINATE


def _no_case_yet(actor: Any, release: Any) -> bool:
    return not release.business_cases.exists()


def _may_abandon(actor: Any, release: Any) -> bool:
    case = _justification.latest_case(release)
    return case is None or case.status in (_B.DRAFT, _B.REJECTED)


def _case_in_play(actor: Any, case: Any) -> bool:
    """The last round of a release still waiting for its business justification."""
    return case.release.status == _S.JUSTIFICATION and _justification.is_latest(case)


def _case_url(case: Any) -> str:
    """After a step, the last round of the release (an adjustment made a new one)."""
    latest = _justification.latest_case(case.release)
    return (latest or case).get_absolute_url()


def _justified(posted: Any) -> str:
    release = posted.result
    if release.status == _S.COORDINATION:
        return "No business case needed: the release goes to coordination."
    return "A business case is required: prepare it and request its approval."


# fmt: off
RELEASE_ROWS += [
    Action("justify", "Decide the business justification", _justification.release_justify,
           _JCOORD, (_S.REGISTERED,), _jforms.JustifyForm,
           serializer=f"{_JSER}.ReleaseJustifySerializer", initial=_jforms.justify_initial,
           arguments=_jforms.justify_arguments, style="primary", done=_justified,
           help="Proc. 3: when the service owner's available budget covers the estimated cost "
           "no business case is needed; otherwise one justifies the release.",
           summary="Decide the business justification of a registered release (proc. 3)"),
    Action("prepare-business-case", "Prepare the business case",
           _justification.business_case_prepare, _JCOORD, (_S.JUSTIFICATION,),
           _jforms.BusinessCaseForm, serializer=f"{_JSER}.BusinessCasePrepareSerializer",
           initial=_jforms.prepare_initial, when=_no_case_yet, style="primary", creates=True,
           fragment="#justification",
           done=lambda posted: f"Business case {posted.result.number} prepared: request its "
                               "approval from its page.",
           summary="Prepare the release's business case, a draft (proc. 3)"),
    Action("abandon", "Abandon the release", _justification.release_abandon, _JCOORD,
           (_S.JUSTIFICATION,), _jforms.AbandonForm,
           serializer=f"{_JSER}.ReleaseAbandonSerializer", when=_may_abandon, style="danger",
           help="No business case for it could get the necessary approvals. Requests for "
           "change of a release the CAB defined go back to the backlog release and the CAB "
           "is told; otherwise their requirements end unmet.",
           done="Release abandoned: the requesters are told.",
           summary="Abandon the release: its business case cannot be approved (proc. 3)"),
]

BUSINESS_CASE = ActionTable(
    name="business_case", namespace="releases", prefix="business-cases",
    query_one=case_queries.business_case_for, record_arg="case_id", record_url=_case_url,
    actions=[
        Action("submit", "Request approval", _justification.business_case_submit, _JCOORD,
               (_B.DRAFT,), when=_case_in_play, style="primary",
               done="Approval requested: the approvers are told.",
               summary="Request the approval of a draft business case (proc. 3)"),
        Action("approve", "Approve", _justification.business_case_decide,
               _justification.APPROVE, (_B.SUBMITTED,), _jforms.ApproveForm,
               serializer=f"{_JSER}.BusinessCaseApproveSerializer",
               when=_justification.may_decide, style="primary",
               arguments=lambda data: {**data, "approve": True},
               done="Approved: the release goes to coordination.",
               summary="Approve the business case: its budget will be made available"),
        Action("reject", "Reject", _justification.business_case_decide,
               _justification.APPROVE, (_B.SUBMITTED,), _jforms.RejectForm,
               serializer=f"{_JSER}.BusinessCaseRejectSerializer",
               when=_justification.may_decide, style="danger",
               arguments=lambda data: {**data, "approve": False},
               done="Rejected: the release coordinator is told.",
               summary="Reject the business case, saying why"),
        Action("adjust", "Adjust the business case", _justification.business_case_adjust,
               _JCOORD, (_B.REJECTED,), _jforms.AdjustForm,
               serializer=f"{_JSER}.BusinessCaseAdjustSerializer", when=_case_in_play,
               initial=_jforms.case_initial, arguments=_jforms.adjust_arguments,
               style="primary", creates=True,
               help="An adjusted business case could still get the necessary approvals: a new "
               "round, a draft with these figures; then request its approval again.",
               done=lambda posted: f"Adjusted: {posted.result.number}, round "
                                   f"{posted.result.round}. Request its approval.",
               summary="Adjust a rejected business case: a new round (proc. 3)"),
        Action("abandon", "Abandon the release", _justification.business_case_abandon, _JCOORD,
               (_B.DRAFT, _B.REJECTED), _jforms.AbandonForm,
               serializer=f"{_JSER}.ReleaseAbandonSerializer", when=_case_in_play,
               style="danger",
               help="No adjusted business case could get the necessary approvals.",
               done="Release abandoned: the requesters are told.",
               summary="Abandon the release of this business case (proc. 3)"),
    ],
)
# fmt: on


# --- coordination: release coordination and review (proc. 4) ---------------------------
# (section owned by the coordination topic: RELEASE_ROWS)
from steward.releases.forms import coordination as _coord_forms  # noqa: E402
from steward.releases.services import coordination as _coord  # noqa: E402
from steward.releases.services import review as _review  # noqa: E402

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
    return _review.complete_possible(release)


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
    Action("complete-release", "Complete the release", _review.release_complete, _COORD,
           _COORDINATING, _coord_forms.ReleaseCompleteForm,
           serializer=f"{_CSER}.ReleaseCompleteSerializer",
           arguments=_coord_forms.release_complete_arguments, when=_completable,
           style="primary", done="Completed: the requesters are told; on to the review.",
           help="Proc. 4, after the last change: the requesters are told whether their "
           "requirements were met; unmet requests of a CAB-defined release go back to the "
           "backlog; the CAB members and the business case's approvers are told.",
           summary="Complete the release after its last change (proc. 4)"),
    Action("record-review", "Record the post-implementation review", _review.release_review,
           _COORD, (_S.REVIEW,), _coord_forms.ReleaseReviewForm,
           serializer=f"{_CSER}.ReleaseReviewSerializer", arguments=_coord_forms.review_arguments,
           initial=_coord_forms.review_initial, when=_review_open, fragment="#review",
           style="primary", done="Review recorded.",
           help="Proc. 4: the release's lifecycle reviewed with the service owner and the "
           "change coordinators of its changes; a service owner must attend.",
           summary="Record the post-implementation meeting (proc. 4)"),
    Action("publish-review", "Publish the review", _review.release_publish_review, _COORD,
           (_S.REVIEW,), when=_review_recorded, style="primary", fragment="#review",
           done="Review published.",
           summary="Publish the review's improvement suggestions and decisions (proc. 4)"),
    Action("close", "Close the release", _review.release_close, _COORD, (_S.REVIEW,),
           when=_review_published, style="primary", done="Release closed.",
           summary="Close the release once its review is published (proc. 4)"),
]
# fmt: on


# --- deployment: policy, environments, baselines, rollback ------------------------------
# (section owned by the deployment topic: RELEASE_ROWS)
from steward.releases.forms import deployment as _dforms  # noqa: E402
from steward.releases.services import deployment as _deployment  # noqa: E402

_DSER = f"{_API}.deployment"
_PLANNABLE = (_S.REGISTERED, _S.JUSTIFICATION, _S.COORDINATION, _S.REVIEW)


def _not_in_production(actor: Any, release: Any) -> bool:
    return release.production_at is None and not release.is_backlog


def _in_acceptance(actor: Any, release: Any) -> bool:
    return release.production_at is None and release.stages.filter(
        environment="acceptance", transferred_at__isnull=False).exists()  # fmt: skip


def _in_production(actor: Any, release: Any) -> bool:
    return release.production_at is not None


def _can_roll_back(actor: Any, release: Any) -> bool:
    return release.production_at is not None and _deployment.before_baseline(release) is not None


# fmt: off
RELEASE_ROWS += [
    Action("plan-deployment", "Plan the deployment", _deployment.deployment_plan,
           _releases.COORDINATE, _PLANNABLE, _dforms.DeploymentPlanForm,
           serializer=f"{_DSER}.DeploymentPlanSerializer", arguments=_dforms.plan_arguments,
           when=lambda actor, release: not release.is_backlog, fragment="#deployment",
           help="When the release goes into each environment of the policy's path and what "
           "is delivered there; the environments not reached yet are replaced.",
           done="Deployment planned.",
           summary="Plan the deployment through the environments (seed 004)"),
    Action("transfer", "Transfer to the next environment", _deployment.release_transfer,
           _releases.TRANSFER, (_S.COORDINATION,), _dforms.TransferForm,
           serializer=f"{_DSER}.ReleaseTransferSerializer", arguments=_dforms.transfer_arguments,
           initial=_dforms.transfer_initial, when=_not_in_production, style="primary",
           fragment="#deployment",
           help="Only the next environment of the path; production after a passed acceptance "
           "test, with a CMDB baseline taken first when the policy requires one.",
           done=lambda posted: f"Transferred to {posted.result.get_environment_display().lower()}.",
           summary="Transfer the release into its next environment (seed 004)"),
    Action("accept", "Record the acceptance test", _deployment.release_accept,
           _releases.TRANSFER, (_S.COORDINATION,), _dforms.AcceptForm,
           serializer=f"{_DSER}.ReleaseAcceptSerializer", arguments=_dforms.accept_arguments,
           when=_in_acceptance, fragment="#deployment", done="Acceptance test recorded.",
           summary="Record the result of the acceptance test (seed 004)"),
    Action("take-after-baseline", "Take the after-deployment baseline",
           _deployment.release_baseline_after, _releases.TRANSFER, _deployment.ROLLBACK_STATUSES,
           when=_can_roll_back, fragment="#deployment",
           done="Baseline taken: the comparison shows what the release changed in the CMDB.",
           summary="Freeze the CMDB after the deployment (compared with the one before)"),
    Action("rollback", "Roll back", _deployment.release_rollback, _releases.TRANSFER,
           _deployment.ROLLBACK_STATUSES, _dforms.RollbackForm,
           serializer=f"{_DSER}.ReleaseRollbackSerializer", when=_can_roll_back,
           style="danger", ask="Restore the CMDB to the baseline taken before production?",
           fragment="#deployment",
           help="Restores every CI and relation of the baseline taken before the production "
           "transfer; the release leaves production.",
           done=lambda posted: f"Rolled back to {posted.result.baseline.number}.",
           summary="Roll the release back to the CMDB baseline before production (seed 004)"),
]
# fmt: on


# --- the release table, built from the sections' rows --------------------------------
# fmt: off
RELEASE = ActionTable(
    name="release", namespace="releases", prefix="releases",
    query_one=release_queries.release_for, record_arg="release_id", actions=RELEASE_ROWS,
)
# fmt: on
