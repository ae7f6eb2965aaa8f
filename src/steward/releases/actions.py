"""The action tables of Release Management (``core.actions``): the buttons of the
release, request-for-change handling, CAB meeting and business case pages (seed 003
ch. 10), each with its page URL and its ``POST /api/v1/<records>/{id}/<key>/``. The
services check everything again."""

from collections.abc import Mapping  # noqa: F401  (for the sections' URL helpers)
from typing import Any  # noqa: F401

from steward.core.actions import Action, ActionTable
from steward.releases.choices import ReleaseStatus as _S  # noqa: F401
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
