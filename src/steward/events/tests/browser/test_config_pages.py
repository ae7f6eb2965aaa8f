"""The configuration pages of Event Management in a real browser (CSP checked by the
shared fixture): the operations manager registers a source and copies its token from
the one page that shows it, reads how to send events, tries a CI match rule and switches
a correlation rule off; axe-core finds no serious or critical WCAG 2.2 AA violation."""

import pytest
from playwright.sync_api import expect

from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.events import tokens
from steward.events.models import CorrelationRule, EventSource
from steward.events.services import rules
from steward.tests.browser.test_accessibility import each_scheme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_operations_manager_configures_sources_and_rules(browser_page, ops_manager, network):  # noqa: F811
    rules.ensure_default_rules()
    rules.event_type_create(actor=ops_manager, code="HostDown", name="Host down",
                            handling_instructions="Ping the host, then call Network.")  # fmt: skip
    page, problems = browser_page, []
    sign_in(page, ops_manager.username)

    page.goto("/events/sources/new/")
    page.get_by_label("Name").fill("Alertmanager DC1")
    page.get_by_label("Format").select_option("alertmanager")
    page.get_by_role("button", name="Register").click()
    token = page.locator("#source-token").inner_text()
    assert EventSource.objects.get(name="Alertmanager DC1").token_hash == tokens.digest(token)
    expect(page.get_by_text("credentials: " + token)).to_be_visible()
    problems += each_scheme(page, "source token")
    shot(page, "events-config-source-token")

    page.get_by_role("link", name="Go to the source").click()
    expect(page.get_by_role("heading", name="Sending events")).to_be_visible()
    assert token not in page.content()
    problems += each_scheme(page, "source page")
    shot(page, "events-config-source-detail")

    rule = match_rule_for_try_it(ops_manager)
    page.goto(rule.get_absolute_url())
    page.get_by_label("Value").fill("web-01.dc1.example.com:9100")
    page.get_by_role("button", name="Show the CIs").click()
    expect(page.get_by_text("This rule gives the event this CI.")).to_be_visible()
    problems += each_scheme(page, "match rule try it")
    shot(page, "events-config-match-rule")

    dependency = CorrelationRule.objects.get(kind="dependency")
    page.goto(f"/events/correlation-rules/{dependency.pk}/edit/")
    page.get_by_label("Switched on").uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Correlation rule saved.")).to_be_visible()
    dependency.refresh_from_db()
    assert dependency.is_active is False

    for url, name in (("/events/sources/", "sources"), ("/events/types/", "types"),
                      ("/events/match-rules/", "match-rules"),
                      ("/events/correlation-rules/", "correlation-rules")):  # fmt: skip
        page.goto(url)
        problems += each_scheme(page, url)
        shot(page, f"events-config-{name}")
    page.goto("/events/types/")
    page.get_by_role("link", name="HostDown").click()
    expect(page.get_by_text("Ping the host, then call Network.")).to_be_visible()
    shot(page, "events-config-type")
    assert not problems, "\n".join(problems)


def match_rule_for_try_it(actor):
    return rules.match_rule_create(actor=actor, name="Host of the resource", strip_port=True,
                                   strip_domain=True)  # fmt: skip
