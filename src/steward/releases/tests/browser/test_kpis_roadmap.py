"""The release roadmap and the Release KPIs in a real browser (issue 16): the pages load
under the Content Security Policy (no inline style; the picture is SVG with presentation
attributes), the roadmap's bars link to their releases, and the KPI page's counts to the
releases they count. Screenshots: var/screenshots/release-roadmap.png and
release-kpis.png (look at them)."""

import datetime as dt
import os
import shutil

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from steward.core import numbering
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.releases.choices import MeetingStatus, ReleaseStatus
from steward.releases.models import Cab, CabMeeting, Release, RfcHandling
from steward.releases.services.releases import backlog_release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DAY = dt.timedelta(days=1)


def _release(service, title, **fields):
    release = Release(title=title, service=service, **fields)
    numbering.assign(release)
    release.save()
    return release


def _world(service, other_service):
    now = timezone.now()
    made = [
        _release(service, "Shared mailboxes", planned_start=now - 20 * DAY,
                 planned_end=now - 12 * DAY, target_date=now - 10 * DAY,
                 production_at=now - 12 * DAY, status=ReleaseStatus.CLOSED, closed_at=now - DAY),
        _release(service, "Mail 2027.1", planned_start=now - 3 * DAY, planned_end=now + 9 * DAY,
                 target_date=now + 10 * DAY, status=ReleaseStatus.COORDINATION),
        _release(service, "Archive retention", planned_start=now + 5 * DAY,
                 planned_end=now + 30 * DAY, status=ReleaseStatus.JUSTIFICATION),
        _release(service, "Spam filter upgrade", target_date=now + 60 * DAY),
        _release(other_service, "Payroll 2027", planned_start=now + 25 * DAY,
                 planned_end=now + 50 * DAY, target_date=now + 55 * DAY,
                 status=ReleaseStatus.REVIEW),
        _release(other_service, "Tax tables", planned_start=now - 50 * DAY,
                 planned_end=now - 40 * DAY, production_at=now - 38 * DAY,
                 target_date=now - 41 * DAY, status=ReleaseStatus.CLOSED, closed_at=now - 30 * DAY),
    ]  # fmt: skip
    cab = Cab.objects.create(service=service, name="E-mail CAB")
    for days, status in ((-30, MeetingStatus.CLOSED), (14, MeetingStatus.SCHEDULED)):
        meeting = CabMeeting(cab=cab, starts_at=now + days * DAY, status=status,
                             submission_deadline=now + (days - 2) * DAY)  # fmt: skip
        numbering.assign(meeting)
        meeting.save()
    backlog = backlog_release(service)
    from steward.changes.models import RequestForChange

    for n in range(3):
        rfc = RequestForChange(title=f"Request {n}", source="known_error", service=service)
        numbering.assign(rfc)
        rfc.save()
        RfcHandling.objects.create(rfc=rfc, service=service, release=backlog,
                                   received_at=now)  # fmt: skip
    return made


def _keep(path, name):
    """A copy where the session that asked for the pictures looks."""
    target = os.environ.get("STEWARD_SHOTS_DIR")
    if target:
        os.makedirs(target, exist_ok=True)
        shutil.copy(path, os.path.join(target, name))


def test_the_roadmap_and_the_kpis_in_a_browser(browser_page, service, other_service,  # noqa: F811
                                               release_coordinator):  # fmt: skip
    made = _world(service, other_service)
    page = browser_page
    sign_in(page, release_coordinator.username)
    page.goto("/releases/roadmap/")
    roadmap = page.get_by_test_id("roadmap")
    expect(roadmap).to_be_visible()
    bar = roadmap.locator(f'a[href="/releases/{made[1].pk}/"]')
    expect(bar).to_have_count(1)
    _keep(shot(page, "release-roadmap"), "roadmap.png")
    page.goto("/releases/kpis/")
    expect(page.get_by_test_id("kpis")).to_be_visible()
    _keep(shot(page, "release-kpis"), "kpis.png")
    page.get_by_title("Late: every service").click()
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    expect(page.get_by_text("Tax tables")).to_be_visible()
