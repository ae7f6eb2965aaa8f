"""Proc. 2, the CAB members' votes: the two-thirds rule through the service for CABs of
1, 3, 4 and 6 members, with abstentions ("no opinion") and members who do not vote
(both count in the denominator and do not agree); who may vote and when, through the
service, the API and the page (nothing stored when refused); once per request."""

import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from steward.core.errors import DomainError
from steward.core.tests.factories import make_person
from steward.releases.models import Cab, CabVote
from steward.releases.services import cabs as svc
from steward.releases.tests.test_cabs import close, in_session, schedule, waiting

pytestmark = pytest.mark.django_db

# (members, [(rejects, includes, no opinions, outcome), ...]); the rest do not vote.
OUTCOMES = [
    (1, [(1, 0, 0, "rejected"), (0, 1, 0, "included"), (0, 0, 1, "backlog"),
         (0, 0, 0, "backlog")]),
    (3, [(3, 0, 0, "rejected"), (2, 0, 1, "rejected"), (2, 1, 0, "rejected"),
         (0, 2, 1, "included"), (1, 2, 0, "included"), (0, 2, 0, "included"),
         (1, 1, 1, "backlog"), (1, 1, 0, "backlog"), (0, 1, 2, "backlog")]),
    (4, [(3, 1, 0, "rejected"), (3, 0, 0, "rejected"), (2, 2, 0, "backlog"),
         (2, 0, 2, "backlog"), (0, 3, 1, "included"), (1, 2, 1, "backlog")]),
    (6, [(4, 2, 0, "rejected"), (4, 0, 0, "rejected"), (3, 3, 0, "backlog"),
         (0, 4, 2, "included"), (0, 4, 0, "included"), (3, 0, 3, "backlog"),
         (2, 3, 1, "backlog")]),
]  # fmt: skip


def _cab_of(size: int, service: Any, provider: Any) -> Cab:
    members = [make_person("cab_member", organisation=provider, scope=service,
                           username=f"m{size}_{i}") for i in range(size)]  # fmt: skip
    board = Cab.objects.create(service=service, name=f"CAB of {size}")
    board.members.set(members)
    return board


@pytest.mark.parametrize("size, cases", OUTCOMES, ids=[f"{n}-members" for n, _ in OUTCOMES])
def test_the_two_thirds_rule_counts_every_member_of_the_meeting(
    size, cases, service, provider, release_coordinator, make_rfc
) -> None:
    board = _cab_of(size, service, provider)
    handlings = [waiting(make_rfc, service) for _ in cases]
    meeting = in_session(release_coordinator, board)
    members = list(meeting.members.order_by("pk"))
    assert len(members) == size
    ballots: dict[int, dict[int, str]] = {m.pk: {} for m in members}
    for handling, (rejects, includes, abstains, _) in zip(handlings, cases, strict=True):
        votes = ["reject"] * rejects + ["include"] * includes + ["no_opinion"] * abstains
        for member, vote in zip(members, votes, strict=False):
            ballots[member.pk][handling.rfc_id] = vote
    for member in members:
        if ballots[member.pk]:
            svc.meeting_vote(actor=member, meeting_id=meeting.pk, votes=ballots[member.pk])
    closed = close(release_coordinator, meeting)
    items = {i.rfc_id: i for i in closed.agenda.all()}
    for handling, (rejects, includes, abstains, outcome) in zip(handlings, cases, strict=True):
        item = items[handling.rfc_id]
        assert (item.reject_votes, item.include_votes, item.no_opinion_votes) == (
            rejects, includes, abstains)  # fmt: skip
        assert item.members_count == size
        assert item.outcome == outcome, (size, rejects, includes, abstains)


# --- Who may vote, and when -----------------------------------------------------------


@pytest.fixture
def session(cab, release_coordinator, make_rfc, service) -> tuple[Any, Any]:
    handling = waiting(make_rfc, service)
    return in_session(release_coordinator, cab), handling


@pytest.fixture
def other_cab_member(provider, other_service) -> Any:
    return make_person("cab_member", organisation=provider, scope=other_service, username="paycab")


def test_only_members_of_the_meeting_vote(
    session, other_cab_member, release_coordinator, provider, service
) -> None:
    meeting, handling = session
    joined_late = make_person("cab_member", organisation=provider, scope=service, username="late")
    meeting.cab.members.add(joined_late)  # after the meeting opened: not one of its members
    for who in (other_cab_member, release_coordinator, joined_late):
        with pytest.raises(PermissionDenied):
            svc.meeting_vote(actor=who, meeting_id=meeting.pk, votes={handling.rfc_id: "reject"})
    assert not CabVote.objects.exists()


def test_votes_only_while_in_session(
    cab, cab_members, release_coordinator, make_rfc, service
) -> None:
    handling = waiting(make_rfc, service)
    scheduled = schedule(release_coordinator, cab)
    with pytest.raises(DomainError):
        svc.meeting_vote(actor=cab_members[0], meeting_id=scheduled.pk,
                         votes={handling.rfc_id: "reject"})  # fmt: skip
    meeting = in_session(release_coordinator, cab)
    close(release_coordinator, meeting)
    with pytest.raises(DomainError):
        svc.meeting_vote(actor=cab_members[0], meeting_id=meeting.pk,
                         votes={handling.rfc_id: "reject"})  # fmt: skip
    assert not CabVote.objects.exists()


def test_a_vote_is_cast_once_and_a_ballot_is_all_or_nothing(
    session, cab_members, make_rfc, service, release_coordinator, cab
) -> None:
    meeting, first = session
    svc.meeting_vote(actor=cab_members[0], meeting_id=meeting.pk, votes={first.rfc_id: "include"})
    with pytest.raises(DomainError) as twice:
        svc.meeting_vote(actor=cab_members[0], meeting_id=meeting.pk,
                         votes={first.rfc_id: "reject"})  # fmt: skip
    assert first.rfc.number in str(twice.value)
    assert CabVote.objects.get().vote == "include"


@pytest.mark.parametrize(
    "votes", [{}, {"x": "reject"}, {"RFC": "reject"}, {0: "maybe"}, {999999: "reject"}, "reject"]
)
def test_bad_ballots_are_refused_on_votes(session, cab_members, votes) -> None:
    meeting, handling = session
    if votes == {0: "maybe"}:
        votes = {handling.rfc_id: "maybe"}
    with pytest.raises(ValidationError) as refused:
        svc.meeting_vote(actor=cab_members[0], meeting_id=meeting.pk, votes=votes)
    assert "votes" in refused.value.message_dict
    assert not CabVote.objects.exists()


def _api_vote(client: Any, meeting: Any, handling: Any, vote: str = "reject") -> Any:
    return client.post(f"/api/v1/cab-meetings/{meeting.pk}/vote/",
                       {"votes": {str(handling.rfc_id): vote}},
                       content_type="application/json")  # fmt: skip


def _page_vote(client: Any, meeting: Any, handling: Any, vote: str = "reject") -> Any:
    return client.post(f"/releases/meetings/{meeting.pk}/vote/", {f"vote_{handling.rfc_id}": vote})


@pytest.mark.parametrize("post", [_api_vote, _page_vote], ids=["api", "page"])
def test_denials_through_the_api_and_the_page(
    post, client, session, cab_members, other_cab_member, release_coordinator
) -> None:
    meeting, handling = session
    for who in (other_cab_member, release_coordinator):
        client.force_login(who)
        assert post(client, meeting, handling).status_code in (403, 404)
    client.force_login(cab_members[0])
    assert post(client, meeting, handling).status_code in (200, 302)
    assert post(client, meeting, handling, "include").status_code == 409
    assert list(CabVote.objects.values_list("vote", flat=True)) == ["reject"]
    close(release_coordinator, meeting)
    client.force_login(cab_members[1])
    assert post(client, meeting, handling).status_code == 409
    assert CabVote.objects.count() == 1


@pytest.mark.parametrize("post", [_api_vote, _page_vote], ids=["api", "page"])
def test_not_in_session_through_the_api_and_the_page(
    post, client, cab, cab_members, release_coordinator, make_rfc, service
) -> None:
    handling = waiting(make_rfc, service)
    meeting = schedule(release_coordinator, cab)
    client.force_login(cab_members[0])
    assert post(client, meeting, handling).status_code in (403, 409)
    assert not CabVote.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_threads_voting_the_same_request_store_one_vote(
    cab, cab_members, release_coordinator, make_rfc, service
) -> None:
    handling = waiting(make_rfc, service)
    meeting = in_session(release_coordinator, cab)
    barrier, outcomes = threading.Barrier(2), []

    def vote(choice: str) -> None:
        try:
            barrier.wait()
            svc.meeting_vote(actor=cab_members[0], meeting_id=meeting.pk,
                             votes={handling.rfc_id: choice})  # fmt: skip
            outcomes.append("ok")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(c,)) for c in ("reject", "include")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["ok", "refused"]
    assert CabVote.objects.filter(member=cab_members[0]).count() == 1
