"""Change Approval in the browser (proc. 3): a customer representative follows the link
of the approval email, signs in, reads the summary and rejects with a reason; the change
goes back to planning. Screenshots: var/screenshots/change-approval-*.png."""

import pytest
from playwright.sync_api import expect

from steward.changes.choices import ChangeStatus
from steward.changes.models import Change
from steward.changes.services import approvals as svc
from steward.changes.tests import test_approvals as flow
from steward.core.tests.browser.conftest import browser_page, shot  # noqa: F401
from steward.core.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

cast = flow.cast  # the people of procedure 3 (a fixture)


def test_a_representative_rejects_from_the_emailed_link(
    browser_page,  # noqa: F811
    make_change,
    change_coordinator,
    cast,
):
    change = flow.to_approval(
        make_change(title="New webmail interface"), change_coordinator, functionality_changes=True
    )
    svc.change_manager_review(actor=cast["manager"], change_id=change.pk, review="collect")
    link = svc.approval_link(change.approvals.get(approver=cast["acme"]))
    page = browser_page
    page.goto(link)
    # Not signed in: the login page first, then back to the link.
    page.get_by_label("Username").fill(cast["acme"].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="What you are asked to approve")).to_be_visible()
    shot(page, "change-approval-link")
    page.get_by_label("The implementation plan needs adjusting").check()
    page.get_by_label("Explain").fill("Not during our quarter-end closing.")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("You have already rejected it")).to_be_visible()
    shot(page, "change-approval-used")
    assert Change.objects.get(pk=change.pk).status == ChangeStatus.PLANNING
