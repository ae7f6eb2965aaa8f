"""A normal change from registration to closure in a real browser (issue 14, acceptance 5):
the change coordinator registers it on a CI another change already works on in an
overlapping window, records the risk and impact analysis, plans it and sees the conflict
on the change page; the change manager reviews it (the conflict shown beside the review)
and collects the approvals; the service owner approves; the tasks are completed, the
production test recorded, the update tasks done and the change closed.
Screenshots: var/screenshots/normal-change-*.png."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from steward.changes.choices import ChangeOutcome, ChangeStatus, TaskStatus
from steward.changes.models import Change
from steward.changes.services import changes as change_svc
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _saturday(hour: int) -> dt.datetime:
    """Next Saturday at ``hour`` (outside E-mail's office hours)."""
    today = timezone.localdate()
    ahead = (5 - today.weekday()) % 7 or 7
    day = today + dt.timedelta(days=ahead)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _step(page, label: str, *, submit: bool = True) -> None:
    """Take a step of the change page's "Next steps": a button posts at once; a step
    with a form opens it (under "More" when it is not the main one) and, with
    ``submit``, posts it as it is."""
    steps = page.locator("#steps")
    summary = steps.locator("summary", has_text=label)
    if not summary.count():
        steps.get_by_role("button", name=label).first.click()
        page.wait_for_load_state()
        return
    if not summary.first.is_visible():
        steps.locator("summary", has_text="More").first.click()
    summary.first.click()
    if submit:
        details = steps.locator("details", has=summary.first)
        details.locator("form button[type=submit]").last.click()


def test_plan_a_conflicting_change_approve_implement_and_close(
    browser_page,  # noqa: F811
    service,
    service_owner,
    change_coordinator,
    change_manager,
    cmdb_world,
    make_change,
):
    server = cmdb_world["server"]
    start = _saturday(10)
    # Another change already holds the server on Saturday 09:00-11:00.
    other = make_change(title="Replace the disks of mail-01", ci_ids=[server.pk])
    change_svc.change_update(
        actor=change_coordinator, change_id=other.pk,
        data={"planned_start": start - dt.timedelta(hours=1), "planned_end": start + dt.timedelta(hours=1)},
    )  # fmt: skip
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())  # the steps that ask first

    # The change coordinator registers the change on the same server.
    sign_in(page, change_coordinator.username)
    page.goto("/changes/new/")
    page.get_by_label("Title", exact=True).fill("Upgrade the mail server's operating system")
    page.get_by_label("Service", exact=True).select_option(str(service.pk))
    page.get_by_label("Configuration items").fill(server.number)
    page.get_by_role("button", name="Register").click()
    change = Change.objects.get(title="Upgrade the mail server's operating system")
    expect(page).to_have_url(f"/changes/{change.pk}/")

    # Proc. 2: analysis, the window and the plans.
    _step(page, "Start the risk and impact analysis")
    expect(page.locator(".badge", has_text="Risk and impact analysis").first).to_be_visible()
    page.goto(f"/changes/{change.pk}/edit/")
    page.get_by_label("Implementation starts").fill(_local(start))
    page.get_by_label("Implementation ends").fill(_local(start + dt.timedelta(hours=2)))
    page.get_by_label("Implementation plan").fill("Snapshot, upgrade, reboot, smoke test.")
    page.get_by_label("Backout plan").fill("Restore the snapshot.")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"/changes/{change.pk}/")
    _step(page, "Record the risk and impact analysis", submit=False)
    form = page.locator("#step-analyse")
    for question in ("causes_outage", "functionality_changes", "infrastructure_changes"):
        form.locator(f"input[name={question}][value=no]").check()
    for question in ("cmdb_update", "tested", "backout_tested"):
        form.locator(f"input[name={question}][value=yes]").check()
    form.locator("input[name=users_affected][value=some]").check()
    form.get_by_role("button", name="Record the risk and impact analysis").click()
    # The conflict with the other change on the same CI is on the page while planning.
    conflicts = page.locator("#conflicts")
    expect(conflicts).to_contain_text(other.number)
    expect(conflicts).to_contain_text("mail-01")
    shot(page, "normal-change-conflict")
    _step(page, "Go on to planning")
    _step(page, "Submit the plan")
    expect(page.locator(".badge", has_text="Approval").first).to_be_visible()
    assert Change.objects.get(pk=change.pk).status == ChangeStatus.APPROVAL

    # Proc. 3: the change manager sees the conflict beside the review and collects.
    sign_in(page, change_manager.username, fresh=True)
    page.goto(f"/changes/{change.pk}/")
    expect(page.locator("#approvals")).to_contain_text(other.number)
    review = page.locator(
        "#approvals form", has=page.locator("select[name=review], input[name=review]")
    )
    if review.locator("select[name=review]").count():
        review.locator("select[name=review]").select_option("collect")
    else:
        review.locator("input[name=review][value=collect]").check()
    review.get_by_role("button").first.click()
    expect(page.locator("#approvals")).to_contain_text(service_owner.display_name)

    # The service owner approves (no outage in service hours, no new functionality).
    sign_in(page, service_owner.username, fresh=True)
    page.goto(f"/changes/{change.pk}/")
    shot(page, "normal-change-approval")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator(".badge", has_text="Implementation").first).to_be_visible()
    change.refresh_from_db()
    assert change.status == ChangeStatus.IMPLEMENTATION and change.approved_at

    # Proc. 4: the coordinator completes the preparation and implementation tasks.
    sign_in(page, change_coordinator.username, fresh=True)
    for _ in range(4):
        page.goto(f"/changes/{change.pk}/")
        task = change.tasks.filter(status=TaskStatus.OPEN).exclude(kind="production_test").first()
        if task is None:
            break
        row = page.locator("#tasks tr", has_text=task.title)
        row.locator("summary", has_text="Complete").click()
        row.locator("textarea[id$=-complete-result]").fill("Done as planned.")
        row.get_by_role("button", name="Complete").last.click()
        expect(page.locator("#tasks")).to_be_visible()
    change.refresh_from_db()
    assert change.status == ChangeStatus.PRODUCTION_TEST

    # Proc. 6: the production test finds every requirement met; the updates are done.
    page.goto(f"/changes/{change.pk}/")
    _step(page, "Record the production test", submit=False)
    test_form = page.locator("#step-production-test")
    test_form.get_by_label("All requirements of the change are met").check()
    test_form.get_by_role("button", name="Record the production test").click()
    for _ in range(4):
        task = change.tasks.filter(status=TaskStatus.OPEN).first()
        if task is None:
            break
        page.goto(f"/changes/{change.pk}/")
        row = page.locator("#tasks tr", has_text=task.title)
        row.locator("summary", has_text="Complete").click()
        row.locator("textarea[id$=-complete-result]").fill("Updated.")
        row.get_by_role("button", name="Complete").last.click()
        expect(page.locator("#tasks")).to_be_visible()
    page.goto(f"/changes/{change.pk}/")
    _step(page, "Close")
    expect(page.locator(".badge", has_text="Closed").first).to_be_visible()
    shot(page, "normal-change-closed")
    change.refresh_from_db()
    assert (change.status, change.outcome) == (ChangeStatus.CLOSED, ChangeOutcome.SUCCESSFUL)
