"""A CAB meeting in a real browser (seed 003 ch. 10 proc. 2): the release coordinator
finalises the list of three requests for change and opens the meeting; the three CAB
members each sign in and vote so that the first request is rejected (3 reject), the
second included (2 include, 1 no opinion) and the third stays in the backlog (1 / 1 / 1);
the coordinator closes the meeting with the next one agreed, and the page shows the
outcomes. Screenshots: var/screenshots/cab-meeting-*.png and /tmp/scratch/shots/cab_*.png
when that folder exists."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.releases.models import CabMeeting
from steward.releases.services import cabs as svc
from steward.releases.tests.test_cabs import waiting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/scratch/shots")
TITLES = ["Forward all mail to a personal address", "Shared mailboxes for teams",
          "Larger mailbox quota"]  # fmt: skip
BALLOTS = [("Reject", "Include", "Reject"), ("Reject", "Include", "Include"),
           ("Reject", "No opinion", "No opinion")]  # fmt: skip
FORMAT = "%Y-%m-%dT%H:%M"


def _shot(page, name: str) -> None:
    path = shot(page, f"cab-meeting-{name}")
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / f"cab_{name}.png")


def test_a_cab_meeting_decides_by_two_thirds_of_its_members(
    browser_page,  # noqa: F811
    cab,
    cab_members,
    release_coordinator,
    make_rfc,
    service,
):
    handlings = [waiting(make_rfc, service, title=title) for title in TITLES]
    rfcs = [h.rfc for h in handlings]
    now = timezone.now()
    meeting = svc.meeting_schedule(actor=release_coordinator, cab_id=cab.pk, place="Room 4",
                                   starts_at=now + dt.timedelta(hours=2),
                                   submission_deadline=now - dt.timedelta(hours=1))  # fmt: skip
    svc.meeting_invite(actor=release_coordinator, meeting_id=meeting.pk)
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. The release coordinator finalises the list and opens the meeting.
    sign_in(page, release_coordinator.username)
    page.goto(meeting.get_absolute_url())
    page.locator("#steps").get_by_role("button", name="Finalise the list").click()
    expect(page.locator("#agenda")).to_contain_text(TITLES[2])
    page.locator("#steps").get_by_role("button", name="Open the meeting").click()
    expect(page.locator("h1")).to_contain_text("In session")
    expect(page.locator("#agenda-threshold")).to_contain_text("2 of 3 members")
    _shot(page, "1_in_session")

    # 2. Each member signs in and votes once on every request.
    for number, (member, ballot) in enumerate(zip(cab_members, BALLOTS, strict=True), start=1):
        sign_in(page, member.username, fresh=True)
        page.goto(meeting.get_absolute_url())
        for rfc, vote in zip(rfcs, ballot, strict=True):
            page.get_by_role("group", name=f"Vote on {rfc.number}").get_by_label(vote).check()
        if number == 1:
            _shot(page, "2_ballot")
        page.get_by_role("button", name="Cast my votes").click()
        expect(page.locator("#agenda")).not_to_contain_text("Cast my votes")
        expect(page.locator(f"#agenda-{rfcs[0].number}")).to_contain_text("Reject")
        if number == 2:
            _shot(page, "3_voted")

    # 3. The coordinator closes the meeting with the next one agreed.
    sign_in(page, release_coordinator.username, fresh=True)
    page.goto(meeting.get_absolute_url())
    expect(page.locator(f"[data-tally='{rfcs[0].number}']")).to_contain_text("Reject 3")
    expect(page.locator(f"[data-tally='{rfcs[2].number}']")).to_contain_text("Not voted 0")
    step = page.locator("#step-close")
    if step.get_attribute("open") is None:
        step.locator("summary").first.click()
    form = step.locator("form").first
    later = timezone.localtime(now + dt.timedelta(days=28))
    form.get_by_label("Next meeting starts at").fill(later.strftime(FORMAT))
    form.get_by_label("Next meeting place").fill("Room 5")
    form.get_by_label("Next submission deadline").fill(
        (later - dt.timedelta(days=3)).strftime(FORMAT)
    )
    form.get_by_role("button", name="Close the meeting").click()
    expect(page.locator("h1")).to_contain_text("Closed")
    outcome = {rfc.number: page.locator(f"#agenda-{rfc.number} .badge") for rfc in rfcs}
    expect(outcome[rfcs[0].number]).to_have_text("Rejected")
    expect(outcome[rfcs[1].number]).to_have_text("Included in the next release")
    expect(outcome[rfcs[2].number]).to_have_text("Back to the backlog")
    _shot(page, "4_closed")
    meeting = CabMeeting.objects.get(pk=meeting.pk)
    assert meeting.next_meeting and meeting.next_meeting.place == "Room 5"
    assert {i.rfc_id: i.outcome for i in meeting.agenda.all()} == {
        rfcs[0].pk: "rejected", rfcs[1].pk: "included", rfcs[2].pk: "backlog"}  # fmt: skip
