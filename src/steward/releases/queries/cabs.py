"""Reads of proc. 2 (Release Definition) beyond the records: the meetings a member still
votes in, the meeting page's agenda with its tallies."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from steward.core.models import Person
from steward.releases.choices import MeetingStatus
from steward.releases.models import CabAgendaItem, CabMeeting, CabVote, RfcHandling
from steward.releases.queries.releases import meetings_for


def meetings_to_vote(actor: Person) -> QuerySet[CabMeeting]:
    """Meetings in session where ``actor`` is a member with requests still to vote on."""
    unvoted = CabAgendaItem.objects.filter(meeting=OuterRef("pk")).exclude(
        Exists(CabVote.objects.filter(item=OuterRef("pk"), member_id=actor.pk))
    )
    return (
        meetings_for(actor)
        .filter(status=MeetingStatus.IN_SESSION, members=actor.pk)
        .filter(Exists(unvoted))
    )


def agenda_rows(meeting: CabMeeting) -> list[dict[str, Any]]:
    """The agenda of the meeting page: each request with its handling, its votes by
    member and the counts."""
    items = list(meeting.agenda.select_related("rfc", "rfc__requested_by")
                 .prefetch_related("votes__member"))  # fmt: skip
    handlings = {h.rfc_id: h for h in RfcHandling.objects.filter(
        rfc_id__in=[i.rfc_id for i in items])}  # fmt: skip
    rows = []
    for item in items:
        votes = list(item.votes.all())
        rows.append({"item": item, "rfc": item.rfc, "handling": handlings.get(item.rfc_id),
                     "votes": votes, "by_member": {v.member_id: v for v in votes}})  # fmt: skip
    return rows
