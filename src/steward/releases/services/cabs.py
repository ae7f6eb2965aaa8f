"""Seed 003 ch. 10 proc. 2, Release Definition: the CAB of a service and its members
(``cab_create``, ``cab_update``), its meetings (scheduled, invitations with the submission
deadline, the list of requests for change finalised after the deadline, opened, closed
with the next meeting agreed), the members' votes (``meeting_vote``: once per request per
meeting, never changed), the two-thirds outcome (``rules.cab_outcome`` over ALL the
meeting's members), and the release coordinator's steps after the meeting, in the seed's
order: close the rejected requests (and tell their requesters), publish the minutes,
register the new release with the included requests linked.

Who: ``releases.cab.manage`` on the service for the CAB, ``releases.release.coordinate``
on the service for the meetings, ``releases.cab.vote`` on the service AND membership of
the meeting (its ``members``, fixed when it opens) for a vote."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from steward.changes import workflows as change_workflows
from steward.changes.choices import RfcRejection, RfcStatus
from steward.changes.models import RequestForChange
from steward.core import journal, notify, numbering, permissions, roles, transitions
from steward.core.choices import Role
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.errors import DomainError
from steward.core.fields import given
from steward.core.models import JournalEntry, Person
from steward.releases import inputs, rules, workflows
from steward.releases.choices import CabOutcome, HandlingStatus, MeetingStatus, Vote
from steward.releases.models import Cab, CabAgendaItem, CabMeeting, CabVote, RfcHandling
from steward.releases.services import releases as svc
from steward.releases.services.releases import COORDINATE, MANAGE_CAB, VOTE, one, tell
from steward.service_level.models import Service

M = MeetingStatus
NOT_YET_HELD = (M.SCHEDULED, M.INVITED)
CAB_UPDATE_FIELDS = ("name", "usual_place", "members")
REMINDER = "submission_deadline_passed"


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


# --- CABs -----------------------------------------------------------------------------


def _name(value: Any) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({"name": ["Name the CAB."]})
    return text[:120]


def _members(service: Service, member_ids: Iterable[Any] | None) -> list[Person]:
    """The people ``member_ids`` names, each holding the CAB member role for ``service``
    or everywhere (400 naming who does not)."""
    ids = []
    for value in member_ids or []:
        try:
            ids.append(int(svc.pk_of(value)))
        except (TypeError, ValueError):
            raise ValidationError({"members": ["Give the members as ids of people."]}) from None
    people = list(Person.objects.filter(pk__in=ids, is_active=True).order_by("pk"))
    missing = set(ids) - {p.pk for p in people}
    if missing:
        listed = ", ".join(str(i) for i in sorted(missing))
        raise ValidationError({"members": [f"No active person with id {listed}."]})
    without = [
        p for p in people if not roles.holds(p, Role.CAB_MEMBER, service, or_everywhere=True)
    ]
    if without:
        names = ", ".join(p.display_name for p in without)
        raise ValidationError({"members": [
            f"Not a CAB member of {service.name}: {names}. Give them the CAB member role "
            "(for the service or everywhere) first."]})  # fmt: skip
    return people


def cab_create(
    *,
    actor: Person,
    service_id: Any,
    name: str,
    member_ids: Iterable[Any] | None = None,
    usual_place: str = "",
) -> Cab:
    """Proc. 2: the change advisory board of a service, one per service, and its members
    (each holds the CAB member role for the service or everywhere)."""
    with transaction.atomic():
        service = one(Service, service_id, "service")
        if service is None:
            raise ValidationError({"service": ["This field is required."]})
        permissions.require(actor, MANAGE_CAB, service)
        inputs.CAB_CREATE.check(actor, given(service=service.pk, name=name,
                                             members=member_ids, usual_place=usual_place))  # fmt: skip
        if Cab.objects.filter(service=service).exists():
            raise ValidationError({"service": [f"{service.name} has a CAB already: edit it."]})
        people = _members(service, member_ids)
        cab = Cab(service=service, name=_name(name), usual_place=(usual_place or "").strip()[:200])
        cab.full_clean()
        try:
            with transaction.atomic():
                cab.save()
        except IntegrityError:
            raise ValidationError({"service": [f"{service.name} has a CAB already."]}) from None
        cab.members.set(people)
        journal.created(cab, actor=actor)
        journal.system(cab, text="Members: " + (", ".join(p.display_name for p in people) or "none"),
                       data={"members": [p.pk for p in people]})  # fmt: skip
    return cab


def cab_update(
    *,
    actor: Person,
    cab_id: Any,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Cab:
    """Proc. 2: the CAB's name, usual meeting place and members. A meeting in session
    keeps the members it opened with."""
    reject_unknown(data, CAB_UPDATE_FIELDS)
    with transaction.atomic():
        cab = lock_to_edit(actor, MANAGE_CAB, Cab, cab_id, expected_version, related=["service"])
        inputs.CAB_UPDATE.check(actor, data, cab)
        values: dict[str, Any] = {}
        if "name" in data:
            values["name"] = _name(data["name"])
        if "usual_place" in data:
            values["usual_place"] = (data["usual_place"] or "").strip()[:200]
        changes = journal.apply_changes(cab, values, list(values))
        members_changed = False
        if "members" in data:
            people = _members(cab.service, data["members"])
            before = set(cab.members.values_list("pk", flat=True))
            if before != {p.pk for p in people}:
                cab.members.set(people)
                members_changed = True
                journal.system(cab, text="Members: " + (", ".join(p.display_name for p in people)
                               or "none"), data={"members": [p.pk for p in people]})  # fmt: skip
        if changes or members_changed:
            cab.full_clean()
            cab.save()
        if changes:
            journal.field_changes(cab, actor=actor, changes=changes)
    return cab


# --- Meetings -------------------------------------------------------------------------


def _dates(starts_at: Any, deadline: Any, *, start_field: str = "starts_at",
           deadline_field: str = "submission_deadline") -> None:  # fmt: skip
    errors: dict[str, list[str]] = {}
    if not isinstance(starts_at, dt.datetime):
        errors[start_field] = ["Give the date and time of the meeting."]
    if not isinstance(deadline, dt.datetime):
        errors[deadline_field] = ["Give the submission deadline."]
    if errors:
        raise ValidationError(errors)
    if starts_at <= timezone.now():
        errors[start_field] = ["The meeting starts in the future."]
    if deadline >= starts_at:
        errors[deadline_field] = ["The submission deadline comes before the meeting."]
    if errors:
        raise ValidationError(errors)


def _lock_meeting(actor: Person, meeting_id: Any, expected_version: int | None = None,
                  permission: str = COORDINATE) -> CabMeeting:  # fmt: skip
    return lock_to_edit(actor, permission, CabMeeting, meeting_id, expected_version,
                        related=["cab", "cab__service"])  # fmt: skip


def _move(meeting: CabMeeting, to: str, actor: Person | None, *also: str,
          reason: str = "") -> None:  # fmt: skip
    transitions.transition(
        meeting, to, actor=actor, workflow=workflows.MEETING, reason=reason,
        event=f"releases.cab_meeting.{to}", also=also,
    )  # fmt: skip


def _new_meeting(actor: Person, cab: Cab, starts_at: Any, place: str, deadline: Any) -> CabMeeting:
    meeting = CabMeeting(cab=cab, starts_at=starts_at, submission_deadline=deadline,
                         place=(place or cab.usual_place or "").strip()[:200], coordinator=actor)  # fmt: skip
    numbering.assign(meeting)
    meeting.full_clean()
    meeting.save()
    journal.created(meeting, actor=actor)
    notify.record_event(record=meeting, event="releases.cab_meeting.created", actor=actor)
    return meeting


def meeting_schedule(
    *,
    actor: Person,
    cab_id: Any,
    starts_at: Any,
    submission_deadline: Any,
    place: str = "",
) -> CabMeeting:
    """Proc. 2: the release coordinator plans the next meeting of the service's CAB: when,
    where (the CAB's usual place unless said), and the deadline for requests for change."""
    _dates(starts_at, submission_deadline)
    with transaction.atomic():
        cab = one(Cab, cab_id, "cab")
        if cab is None:
            raise ValidationError({"cab": ["This field is required."]})
        permissions.require(actor, COORDINATE, cab)
        inputs.MEETING_SCHEDULE.check(actor, given(cab=cab.pk, starts_at=starts_at, place=place,
                                      submission_deadline=submission_deadline))  # fmt: skip
        return _new_meeting(actor, cab, starts_at, place, submission_deadline)


def _invitation(meeting: CabMeeting) -> str:
    return (f"The CAB {meeting.cab.name} meets on {_when(meeting.starts_at)}"
            f"{' in ' + meeting.place if meeting.place else ''}. Requests for change are "
            f"submitted for review until {_when(meeting.submission_deadline)}.")  # fmt: skip


def meeting_invite(
    *, actor: Person, meeting_id: Any, expected_version: int | None = None
) -> CabMeeting:
    """Proc. 2: the release coordinator sends the invitations to the CAB members, with
    the date, time and place and the deadline for requests for change."""
    with transaction.atomic():
        meeting = _lock_meeting(actor, meeting_id, expected_version)
        meeting.invited_at = timezone.now()
        _move(meeting, M.INVITED, actor, "invited_at")
        tell(svc.cab_members(meeting.cab.service), meeting, "cab_meeting.invitation",
             f"invitation to the CAB meeting of {_when(meeting.starts_at)}", _invitation(meeting),
             actor=actor)  # fmt: skip
    return meeting


def agenda_candidates(meeting: CabMeeting) -> list[RfcHandling]:
    """The requests for change waiting for the CAB now: on the list of the service's
    backlog release, less those a closed meeting decided whose step after the meeting is
    still to come (rejected, not yet closed; included, the release not yet registered)."""
    service = meeting.cab.service
    backlog = svc.backlog_release(service)
    pending = CabAgendaItem.objects.filter(meeting__cab__service=service).filter(
        meeting__status=M.CLOSED
    )
    waiting = set(pending.filter(outcome=CabOutcome.REJECTED, meeting__rejected_closed_at__isnull=True)
                  .values_list("rfc_id", flat=True)) | set(
        pending.filter(outcome=CabOutcome.INCLUDED, meeting__release__isnull=True)
        .values_list("rfc_id", flat=True))  # fmt: skip
    qs = RfcHandling.objects.filter(service=service, status=HandlingStatus.CAB_LIST,
                                    release=backlog).select_related("rfc")  # fmt: skip
    return [h for h in qs.order_by("rfc__number", "pk") if h.rfc_id not in waiting]


def meeting_finalise(
    *, actor: Person, meeting_id: Any, expected_version: int | None = None
) -> CabMeeting:
    """Proc. 2: after the submission deadline the release coordinator finalises the list
    of requests for change (those waiting in the service's backlog release, in number
    order) and sends it to the CAB members to discuss internally before the meeting."""
    with transaction.atomic():
        meeting = _lock_meeting(actor, meeting_id, expected_version)
        workflows.MEETING.check(meeting.status, M.AGENDA_FINAL)
        if timezone.now() < meeting.submission_deadline:
            raise DomainError(f"The submission deadline of {meeting.number} is "
                              f"{_when(meeting.submission_deadline)}: finalise the list after it.")  # fmt: skip
        handlings = agenda_candidates(meeting)
        CabAgendaItem.objects.bulk_create([
            CabAgendaItem(meeting=meeting, rfc=h.rfc, position=i)
            for i, h in enumerate(handlings, start=1)
        ])  # fmt: skip
        meeting.agenda_finalised_at = timezone.now()
        _move(meeting, M.AGENDA_FINAL, actor, "agenda_finalised_at")
        lines = "\n".join(f"{h.rfc.number} {h.rfc.title}" for h in handlings) or "No requests."
        journal.system(meeting, text=f"List finalised: {len(handlings)} requests for change.",
                       data={"rfcs": [h.rfc_id for h in handlings]})  # fmt: skip
        tell(svc.cab_members(meeting.cab.service), meeting, "cab_meeting.agenda",
             f"the requests for change for the meeting of {_when(meeting.starts_at)}",
             f"{lines}\n\nDiscuss them before the meeting.", actor=actor)  # fmt: skip
    return meeting


def meeting_reschedule(
    *,
    actor: Person,
    meeting_id: Any,
    starts_at: Any,
    submission_deadline: Any,
    place: str = "",
    expected_version: int | None = None,
) -> CabMeeting:
    """Bring a meeting forward or move it (before its list is finalised); invited members
    are invited again with the new date, place and deadline."""
    _dates(starts_at, submission_deadline)
    with transaction.atomic():
        meeting = _lock_meeting(actor, meeting_id, expected_version)
        inputs.MEETING_RESCHEDULE.check(actor, given(starts_at=starts_at, place=place,
                                        submission_deadline=submission_deadline), meeting)  # fmt: skip
        if meeting.status not in NOT_YET_HELD:
            raise DomainError(f"{meeting.number} is {meeting.get_status_display().lower()}: "
                              "only a meeting whose list is not finalised moves.")  # fmt: skip
        values = {"starts_at": starts_at, "submission_deadline": submission_deadline,
                  "place": (place or meeting.place or "").strip()[:200]}  # fmt: skip
        changes = journal.apply_changes(meeting, values, list(values))
        if changes:
            meeting.full_clean()
            meeting.save()
            journal.field_changes(meeting, actor=actor, changes=changes)
            if meeting.status == M.INVITED:
                tell(svc.cab_members(meeting.cab.service), meeting, "cab_meeting.invitation",
                     f"the CAB meeting moved to {_when(meeting.starts_at)}", _invitation(meeting),
                     actor=actor)  # fmt: skip
    return meeting


def meeting_cancel(*, actor: Person, meeting_id: Any, reason: str = "",
                   expected_version: int | None = None) -> CabMeeting:  # fmt: skip
    """A meeting that will not be held is cancelled (its requests stay in the backlog);
    invited members are told."""
    reason = (reason or "").strip()
    with transaction.atomic():
        meeting = _lock_meeting(actor, meeting_id, expected_version)
        inputs.MEETING_CANCEL.check(actor, given(reason=reason), meeting)
        was = meeting.status
        _move(meeting, M.CANCELLED, actor, reason=reason)
        if was != M.SCHEDULED:
            tell(svc.cab_members(meeting.cab.service), meeting, "cab_meeting.cancelled",
                 f"the CAB meeting of {_when(meeting.starts_at)} is cancelled",
                 reason or "The meeting is cancelled.", actor=actor)  # fmt: skip
    return meeting


def meeting_open(
    *, actor: Person, meeting_id: Any, expected_version: int | None = None
) -> CabMeeting:
    """Proc. 2: the meeting starts; its members are the CAB's members now (the two-thirds
    are of them, whoever votes)."""
    with transaction.atomic():
        meeting = _lock_meeting(actor, meeting_id, expected_version)
        workflows.MEETING.check(meeting.status, M.IN_SESSION)
        members = svc.cab_members(meeting.cab.service)
        if not members:
            raise DomainError(f"{meeting.cab.name} has no members: add them before the meeting.")
        meeting.opened_at = timezone.now()
        _move(meeting, M.IN_SESSION, actor, "opened_at")
        meeting.members.set(members)
        journal.system(meeting, text="Members: " + ", ".join(p.display_name for p in members),
                       data={"members": [p.pk for p in members]})  # fmt: skip
    return meeting


# --- Votes ----------------------------------------------------------------------------


def _ballot(votes: Any) -> dict[int, str]:
    if not isinstance(votes, Mapping) or not votes:
        raise ValidationError({"votes": ["Give at least one vote: {request id: reject, include "
                                         "or no_opinion}."]})  # fmt: skip
    ballot: dict[int, str] = {}
    for key, value in votes.items():
        try:
            rfc_id = int(svc.pk_of(key))
        except (TypeError, ValueError):
            raise ValidationError(
                {"votes": [f"{key!r} is not the id of a request for change."]}
            ) from None
        if value not in Vote.values:
            raise ValidationError({"votes": [f"Vote {', '.join(Vote.values)}, not {value!r}."]})
        ballot[rfc_id] = value
    return ballot


def is_member(actor: Any, meeting: CabMeeting) -> bool:
    return bool(getattr(actor, "pk", None)) and meeting.members.filter(pk=actor.pk).exists()


def meeting_vote(*, actor: Person, meeting_id: Any, votes: Mapping[Any, str]) -> list[CabVote]:
    """Proc. 2: after the requests were reviewed each CAB member says which should be
    rejected and which included in the next release (or has no opinion). One ballot
    covers any of the meeting's requests; a request is voted on once per member and meeting
    and the vote is never changed; only while the meeting is in session."""
    ballot = _ballot(votes)
    with transaction.atomic():
        meeting = _lock_meeting(actor, meeting_id, permission=VOTE)
        inputs.MEETING_VOTE.check(actor, {"votes": ballot}, meeting)
        if meeting.status != M.IN_SESSION:
            raise DomainError(f"{meeting.number} is {meeting.get_status_display().lower()}: "
                              "votes are cast while it is in session.")  # fmt: skip
        if not is_member(actor, meeting):
            raise PermissionDenied(
                f"You are not a member of {meeting.number}: only its members vote."
            )
        items = {i.rfc_id: i for i in meeting.agenda.select_related("rfc")}
        unknown = sorted(set(ballot) - set(items))
        if unknown:
            raise ValidationError({"votes": [
                f"Not on the list of {meeting.number}: request ids {', '.join(map(str, unknown))}."]})  # fmt: skip
        voted = CabVote.objects.filter(item__meeting=meeting, member=actor,
                                       item__rfc_id__in=list(ballot)).select_related("item__rfc")  # fmt: skip
        already = sorted(v.item.rfc.number for v in voted)
        if already:
            raise DomainError(f"You voted on {', '.join(already)} already: a vote is not changed.")
        cast_at = timezone.now()
        rows = [CabVote(item=items[rfc_id], member=actor, vote=value, cast_at=cast_at)
                for rfc_id, value in sorted(ballot.items(), key=lambda kv: items[kv[0]].position)]  # fmt: skip
        try:
            with transaction.atomic():
                CabVote.objects.bulk_create(rows)
        except IntegrityError:
            raise DomainError(
                "You voted on these requests already: a vote is not changed."
            ) from None
        journal.system(meeting, text=f"{actor.display_name} voted on "
                       f"{', '.join(items[r].rfc.number for r in ballot)}.",
                       data={"member": actor.pk, "votes": {str(k): v for k, v in ballot.items()}})  # fmt: skip
    return rows


def tally(item: CabAgendaItem, members: int) -> dict[str, int]:
    """The counts of one request's votes (``members``: all the meeting's members)."""
    counts = {"reject": 0, "include": 0, "no_opinion": 0}
    for vote in item.votes.all():
        counts[vote.vote] += 1
    counts["not_voted"] = max(members - sum(counts.values()), 0)
    return counts


def threshold(members: int) -> int:
    """The votes two-thirds of ``members`` needs (the smallest n with 3n >= 2N)."""
    return -(-2 * members // 3)


# --- Close and after the meeting ------------------------------------------------------


def meeting_close(
    *,
    actor: Person,
    meeting_id: Any,
    next_starts_at: Any = None,
    next_place: str = "",
    next_deadline: Any = None,
    minutes: str = "",
    expected_version: int | None = None,
) -> CabMeeting:
    """Proc. 2: "before closing the CAB meeting, the CAB members agree on the date, time
    and location of the next CAB meeting" (scheduled now: all three required). Each
    request's outcome: rejected when at least two-thirds of the meeting's members asked
    for it, included when two-thirds or more asked for that, otherwise it stays in the
    backlog release for the next meeting. Nothing of the meeting changes afterwards."""
    errors: dict[str, list[str]] = {}
    if not isinstance(next_starts_at, dt.datetime):
        errors["next_starts_at"] = ["Agree on the date and time of the next meeting."]
    if not (next_place or "").strip():
        errors["next_place"] = ["Agree on the place of the next meeting."]
    if not isinstance(next_deadline, dt.datetime):
        errors["next_deadline"] = ["Give the submission deadline of the next meeting."]
    if errors:
        raise ValidationError(errors)
    _dates(next_starts_at, next_deadline, start_field="next_starts_at",
           deadline_field="next_deadline")  # fmt: skip
    with transaction.atomic():
        meeting = _lock_meeting(actor, meeting_id, expected_version)
        inputs.MEETING_CLOSE.check(actor, given(next_starts_at=next_starts_at, next_place=next_place,
                                   next_deadline=next_deadline, minutes=minutes), meeting)  # fmt: skip
        workflows.MEETING.check(meeting.status, M.CLOSED)
        members = meeting.members.count()
        now = timezone.now()
        outcomes = []
        for item in meeting.agenda.prefetch_related("votes").select_related("rfc"):
            counts = tally(item, members)
            item.members_count = members
            item.reject_votes, item.include_votes = counts["reject"], counts["include"]
            item.no_opinion_votes = counts["no_opinion"]
            item.outcome = rules.cab_outcome(members=members, rejects=counts["reject"],
                                             includes=counts["include"])  # fmt: skip
            item.decided_at = now
            item.save()
            outcomes.append(f"{item.rfc.number}: {item.get_outcome_display()}")
        following = _new_meeting(actor, meeting.cab, next_starts_at, next_place, next_deadline)
        meeting.next_meeting = following
        meeting.closed_at = now
        meeting.minutes = (minutes or "").strip() or meeting.minutes
        also = ["next_meeting", "closed_at", "minutes"]
        if not meeting.agenda.filter(outcome=CabOutcome.REJECTED).exists():
            meeting.rejected_closed_at = now  # nothing to close
            also.append("rejected_closed_at")
        _move(meeting, M.CLOSED, actor, *also)
        journal.system(meeting, text="Outcome: " + ("; ".join(outcomes) or "no requests") +
                       f". Next meeting {following.number} on {_when(next_starts_at)}.")  # fmt: skip
    return meeting


def _closed(meeting: CabMeeting) -> None:
    if meeting.status != M.CLOSED:
        raise DomainError(f"{meeting.number} is {meeting.get_status_display().lower()}: this "
                          "comes after the meeting is closed.")  # fmt: skip


def meeting_close_rejected(*, actor: Person, meeting_id: Any,
                           expected_version: int | None = None) -> CabMeeting:  # fmt: skip
    """Proc. 2: after the meeting the release coordinator closes the rejected requests
    for change (rejected in Release Management and closed in Change Management, "rejected
    by the CAB") and ensures that their requesters are informed."""
    with transaction.atomic():
        meeting = _lock_meeting(actor, meeting_id, expected_version)
        _closed(meeting)
        if meeting.rejected_closed_at:
            raise DomainError(f"The rejected requests of {meeting.number} are closed already.")
        now = timezone.now()
        closed = []
        for item in meeting.agenda.filter(outcome=CabOutcome.REJECTED).order_by("position"):
            handling = transitions.lock(RfcHandling, RfcHandling.objects.get(rfc_id=item.rfc_id).pk)
            if handling.status != HandlingStatus.CAB_LIST:
                continue
            handling.outcome_note = f"Rejected by the CAB at {meeting.number}."
            handling.decided_at = now
            transitions.transition(
                handling, HandlingStatus.REJECTED, actor=actor, workflow=workflows.HANDLING,
                reason=handling.outcome_note, event="releases.rfc_handling.rejected",
                also=("outcome_note", "decided_at"),
            )  # fmt: skip
            rfc = transitions.lock(RequestForChange, item.rfc_id)
            if rfc.status == RfcStatus.TO_RELEASE:
                rfc.rejection, rfc.decided_at = RfcRejection.CAB, now
                rfc.decision_note = (f"Rejected by the CAB at {meeting.number}: at least "
                                     f"two-thirds of its {item.members_count} members asked for it.")  # fmt: skip
                transitions.transition(
                    rfc, RfcStatus.REJECTED, actor=actor, workflow=change_workflows.RFC,
                    reason=rfc.decision_note, event="changes.request_for_change.rejected",
                    data={"rejection": RfcRejection.CAB, "cab_meeting": meeting.number},
                    also=("rejection", "decided_at", "decision_note"),
                )  # fmt: skip
            tell([rfc.requested_by], rfc, "request_for_change.rejected_by_cab",
                 f"your request for change was rejected by the CAB ({meeting.number})",
                 f"{rfc.title}\n\n{rfc.decision_note}", actor=actor)  # fmt: skip
            closed.append(rfc.number)
        meeting.rejected_closed_at = now
        meeting.save(update_fields=["rejected_closed_at", "updated_at"])
        journal.system(meeting, text="Rejected requests closed: " + (", ".join(closed) or "none")
                       + "; their requesters were told.")  # fmt: skip
    return meeting


def meeting_publish_minutes(*, actor: Person, meeting_id: Any, minutes: str,
                            expected_version: int | None = None) -> CabMeeting:  # fmt: skip
    """Proc. 2: having closed the rejected requests, the release coordinator publishes
    the minutes of the meeting (its members are told)."""
    text = (minutes or "").strip()
    if not text:
        raise ValidationError({"minutes": ["Write the minutes."]})
    with transaction.atomic():
        meeting = _lock_meeting(actor, meeting_id, expected_version)
        inputs.MEETING_MINUTES.check(actor, given(minutes=text), meeting)
        _closed(meeting)
        if not meeting.rejected_closed_at:
            raise DomainError("Close the rejected requests for change first (proc. 2).")
        if meeting.minutes_published_at:
            raise DomainError(f"The minutes of {meeting.number} are published already.")
        meeting.minutes, meeting.minutes_published_at = text, timezone.now()
        meeting.save(update_fields=["minutes", "minutes_published_at", "updated_at"])
        journal.system(meeting, text="Minutes published.")
        tell(list(meeting.members.all()), meeting, "cab_meeting.minutes",
             "the minutes of the CAB meeting", text, actor=actor)  # fmt: skip
    return meeting


def meeting_register_release(
    *,
    actor: Person,
    meeting_id: Any,
    title: str,
    release_type: str = "",
    description: str = "",
    planned_start: Any = None,
    planned_end: Any = None,
    target_date: Any = None,
    estimated_cost: Any = None,
    expected_version: int | None = None,
) -> CabMeeting:
    """Proc. 2: with the minutes published, the release coordinator registers the new
    release (defined by the CAB) and links to it the requests for change the meeting
    included."""
    with transaction.atomic():
        meeting = _lock_meeting(actor, meeting_id, expected_version)
        _closed(meeting)
        if not meeting.minutes_published_at:
            raise DomainError("Publish the minutes first (proc. 2).")
        if meeting.release_id:
            raise DomainError(f"{meeting.number} registered {meeting.release.number} already.")
        included = list(meeting.agenda.filter(outcome=CabOutcome.INCLUDED).order_by("position"))
        if not included:
            raise DomainError(f"{meeting.number} included no request for change.")
        release = svc.release_register(
            actor=actor, title=title, service_id=meeting.cab.service_id,
            release_type=release_type or "minor", description=description,
            planned_start=planned_start, planned_end=planned_end, target_date=target_date,
            estimated_cost=estimated_cost, cab_meeting=meeting,
        )  # fmt: skip
        moved = []
        for item in included:
            handling = transitions.lock(RfcHandling, RfcHandling.objects.get(rfc_id=item.rfc_id).pk)
            if handling.status != HandlingStatus.CAB_LIST:
                continue
            svc.put_in_release(handling, release, actor=actor, by_cab=True)
            moved.append(handling.rfc.number)
        meeting.release = release
        meeting.save(update_fields=["release", "updated_at"])
        journal.system(meeting, text=f"Release {release.number} registered with "
                       f"{', '.join(moved) or 'no requests'}.", data={"release": release.pk})  # fmt: skip
    return meeting


# --- The periodic reminder ------------------------------------------------------------


def meeting_reminders(now: Any = None) -> int:
    """Proc. 2, the scheduler's part: tell the release coordinators of the service (and
    the meeting's) about meetings whose submission deadline passed and whose list is not
    finalised yet. Once per meeting (a journal entry marks it)."""
    now = now or timezone.now()
    ct = ContentType.objects.get_for_model(CabMeeting)
    done = set(JournalEntry.objects.filter(record_type=ct, data__reminder=REMINDER)
               .values_list("record_id", flat=True))  # fmt: skip
    due = CabMeeting.objects.filter(status__in=NOT_YET_HELD, submission_deadline__lte=now)
    count = 0
    for pk in (
        due.exclude(pk__in=done).order_by("submission_deadline", "pk").values_list("pk", flat=True)
    ):
        with transaction.atomic():
            meeting = transitions.lock(CabMeeting, pk, related=["cab", "cab__service"])
            if (
                meeting.status not in NOT_YET_HELD
                or JournalEntry.objects.filter(
                    record_type=ct, record_id=pk, data__reminder=REMINDER
                ).exists()
            ):
                continue
            people = [meeting.coordinator, *svc.release_coordinators(meeting.cab.service)]
            tell(people, meeting, "cab_meeting.deadline_passed",
                 "the submission deadline passed: finalise the list",
                 f"The deadline was {_when(meeting.submission_deadline)}; the meeting is on "
                 f"{_when(meeting.starts_at)}.")  # fmt: skip
            journal.system(meeting, text="The release coordinators were reminded to finalise "
                           "the list.", data={"reminder": REMINDER})  # fmt: skip
            count += 1
    return count
