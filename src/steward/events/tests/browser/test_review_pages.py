"""The event review and the outage review in a real browser: the pages load under the
Content Security Policy, a finding's "Raise an improvement" leads through the prefilled
form back to the review showing the request's number, and an outage's finding is recorded
from its form. Screenshots: var/screenshots/event-review*.png, outage-review*.png (look
at them)."""

import pytest
from playwright.sync_api import expect

from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.events.models import CorrelationRule, EventSource, EventType, OutageReview
from steward.events.tests.review_records import ago, make_event, outage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world(network, source, operator):
    source.support_group = network.group
    source.save()
    zabbix = EventSource.objects.create(name="Zabbix DC2", kind="zabbix", token_hash="c" * 64)
    for count in (40, 3, 1):
        make_event(source, event_type="cpu_high", count=count, handling="informational",
                   summary="CPU above 80 %")  # fmt: skip
    make_event(zabbix, event_type="ping_lost", resource="10.9.9.9", handling="unmatched")
    EventType.objects.create(code="cpu_high", name="CPU high")
    EventType.objects.create(code="node_down", name="Node down",
                             handling_instructions="Check the switch, then call Network.")  # fmt: skip
    CorrelationRule.objects.create(kind="planned_change", name="In a change window", order=20)
    incident = outage(operator, registered=ago(hours=3), resolved=ago(hours=1),
                      service=network.service, title="Online Store checkout fails")  # fmt: skip
    make_event(source, ci=network.web2, handling="for_operator", status="acknowledged",
               first_seen=ago(hours=3, minutes=5), acknowledged_at=ago(hours=2, minutes=20),
               summary="web-02 unreachable")  # fmt: skip
    quiet = outage(operator, registered=ago(hours=8), resolved=ago(hours=6), impact="2",
                   service=network.service, title="Store search down")  # fmt: skip
    make_event(source, ci=network.web1, handling="symptom", first_seen=ago(hours=8))
    return incident, quiet


def test_the_reviews_in_a_browser(browser_page, network, source, operator, ops_manager):  # noqa: F811
    incident, _ = _world(network, source, operator)
    page = browser_page
    sign_in(page, ops_manager.username)

    page.goto("/events/review/")
    expect(page.get_by_role("heading", name="Event review")).to_be_visible()
    shot(page, "event-review")
    page.get_by_role("link", name="Raise an improvement").first.click()
    expect(page.get_by_label("About")).to_have_value("Prometheus DC1: cpu_high")
    shot(page, "event-review-raise")
    page.get_by_role("button", name="Register the incident request").click()
    expect(page.get_by_text("Registered INC")).to_be_visible()
    expect(page.locator("h2#noisy-heading + * , section").first).to_be_visible()
    shot(page, "event-review-raised")

    page.goto("/events/outage-review/")
    expect(page.get_by_role("heading", name="Instructions possibly not followed")).to_be_visible()
    expect(page.get_by_text("acknowledged 45 minutes after it arrived")).to_be_visible()
    shot(page, "outage-review")
    page.goto(f"/events/outage-review/{incident.pk}/record/")
    shot(page, "outage-review-record")
    page.get_by_label("Instructions not followed: review with the operators").check()
    page.get_by_label("Note").fill("Acknowledge within 15 minutes: review with Oscar.")
    page.get_by_role("button", name="Record the finding").click()
    expect(page.get_by_text(f"Recorded for {incident.number}")).to_be_visible()
    assert OutageReview.objects.get().finding == "instructions_not_followed"
    shot(page, "outage-review-reviewed")
