"""Event types, CI match rules and correlation rules as the operations manager maintains
them (seed 003 ch. 6 proc. 1, 2): validation, the "try it" of a match rule (every branch
of the comparison), the fixed correlation kinds and the defaults ``steward init`` makes."""

import pytest
from django.urls import reverse

from steward.core.testing.matrix import Case, Create, MatrixTests, Pages, Update, World, unique
from steward.core.tests.api import field_errors
from steward.events import defaults
from steward.events.choices import CorrelationKind
from steward.events.models import CiMatchRule, CorrelationRule, EventType
from steward.events.queries.rules import match_preview
from steward.events.services import rules as svc

# --- The generated access and write matrix ------------------------------------------------


def event_type(world: World) -> EventType:
    return svc.event_type_create(actor=world.admin, code=f"HostDown{unique()}", name="Host down")


def match_rule(world: World) -> CiMatchRule:
    return svc.match_rule_create(actor=world.admin, name=f"Instance label {unique()}",
                                 event_field="labels.instance", strip_port=True)  # fmt: skip


def correlation_rule(world: World) -> CorrelationRule:
    svc.ensure_default_rules()
    return CorrelationRule.objects.get(kind=CorrelationKind.SAME_CAUSE)


STAFF = ("analyst", "operator", "admin")
CUSTOMERS = ("requester", "representative")

EVENT_TYPE = Case(
    "event type",
    EventType,
    event_type,
    api="event-type",
    sees=STAFF,
    refused=CUSTOMERS,
    create=Create({"code": "DiskFull", "name": "Disk full", "category": "capacity"},
                  blank="code", denied="operator"),
    update=Update({"handling_instructions": "Call the storage team."}, denied="operator"),
    pages=Pages("events:type", sees=("analyst",), refused=("requester",), shown_as="name",
                form={"code": "DiskFull", "name": "Disk full", "category": "capacity"}),
)  # fmt: skip
MATCH_RULE = Case(
    "CI match rule",
    CiMatchRule,
    match_rule,
    api="event-match-rule",
    sees=STAFF,
    refused=CUSTOMERS,
    create=Create({"name": "Host label", "event_field": "host", "match_on": "alias"},
                  blank="name", denied="operator"),
    update=Update({"order": 5}, denied="operator"),
    pages=Pages("events:match-rule", sees=("analyst",), refused=("requester",),
                shown_as="name", form={"order": 10, "name": "Host", "event_field": "host",
                                       "match_on": "name"}),
)  # fmt: skip
CORRELATION_RULE = Case(
    "correlation rule",
    CorrelationRule,
    correlation_rule,
    api="event-correlation-rule",
    sees=STAFF,
    refused=CUSTOMERS,
    update=Update({"window_minutes": 120}, denied="operator"),
    pages=Pages("events:correlation-rule", sees=("analyst",), refused=("requester",),
                shown_as="name"),
)  # fmt: skip


class TestRulesMatrix(MatrixTests):
    cases = [EVENT_TYPE, MATCH_RULE, CORRELATION_RULE]


# --- The defaults steward init makes --------------------------------------------------------


def test_init_makes_one_correlation_rule_per_kind_and_the_match_rules_once(db):
    assert svc.ensure_default_rules() == {"correlation rules": 4, "CI match rules": 4}
    assert list(CorrelationRule.objects.values_list("kind", flat=True)) == [
        kind for kind, *_ in defaults.CORRELATION_RULES]  # fmt: skip
    CorrelationRule.objects.filter(kind="dependency").update(window_minutes=5, is_active=False)
    CorrelationRule.objects.filter(kind="planned_event").delete()
    CiMatchRule.objects.filter(order=40).delete()
    assert svc.ensure_default_rules() == {"correlation rules": 1, "CI match rules": 0}
    kept = CorrelationRule.objects.get(kind="dependency")
    assert (kept.window_minutes, kept.is_active) == (5, False)
    assert CiMatchRule.objects.count() == 3  # a removed default is not brought back


def test_steward_init_runs_the_step(db):
    from steward.core import registry

    assert svc.ensure_default_rules in registry.INIT_STEPS


# --- Correlation rules: fixed kinds, edited only ---------------------------------------------


def test_a_correlation_rule_is_switched_off_and_its_window_changed_but_never_made_or_removed(
    api, ops_manager
):
    svc.ensure_default_rules()
    rule = CorrelationRule.objects.get(kind="dependency")
    client = api.as_(ops_manager)
    url = f"/api/v1/event-correlation-rules/{rule.pk}/"
    answer = client.patch(url, {"is_active": False, "window_minutes": 30}, format="json")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["is_active"], answer.json()["window_minutes"]) == (False, 30)
    for payload, field in (({"kind": "same_cause"}, "kind"), ({"fired_count": 9}, "fired_count"),
                           ({"window_minutes": 10**6}, "window_minutes")):  # fmt: skip
        refused = client.patch(url, payload, format="json")
        assert refused.status_code == 400 and field in field_errors(refused)
    assert client.post("/api/v1/event-correlation-rules/", {"name": "x"}).status_code == 405
    assert client.delete(url).status_code == 405
    assert CorrelationRule.objects.count() == 4


def test_the_correlation_rule_list_shows_fired_counts_and_last_fired(client, operator):
    svc.ensure_default_rules()
    CorrelationRule.objects.filter(kind="dependency").update(fired_count=1234)
    client.force_login(operator)
    page = client.get(reverse("events:correlation-rule-list")).content.decode()
    assert "1234" in page and "Never" in page


# --- Event types ---------------------------------------------------------------------------


def test_an_event_type_code_is_unique_and_instructions_show_on_its_page(api, client, ops_manager):
    made = svc.event_type_create(actor=ops_manager, code="HostDown", name="Host down",
                                 handling_instructions="Ping it, then call Network.")  # fmt: skip
    twin = api.as_(ops_manager).post("/api/v1/event-types/", {"code": "HostDown", "name": "Again"},
                                     format="json")  # fmt: skip
    assert twin.status_code == 400 and "code" in field_errors(twin)
    client.force_login(ops_manager)
    assert "Ping it, then call Network." in client.get(made.get_absolute_url()).content.decode()


def test_event_types_without_instructions_can_be_listed(api, ops_manager):
    svc.event_type_create(actor=ops_manager, code="A", name="A", handling_instructions="Do it.")
    bare = svc.event_type_create(actor=ops_manager, code="B", name="B")
    answer = api.as_(ops_manager).get("/api/v1/event-types/?instructions=missing")
    assert [row["id"] for row in answer.json()["results"]] == [bare.pk]


# --- CI match rules: validation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "IP", "match_on": "attribute"}, "ci_attribute"),
        ({"name": "IP", "match_on": "attribute", "ci_attribute": "a b"}, "ci_attribute"),
        ({"name": "X", "event_field": "labels..instance"}, "event_field"),
        ({"name": "X", "source": 999_999}, "source"),
        ({"name": "X", "order": -1}, "order"),
        ({"name": "X", "match_on": "regex"}, "match_on"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_match_rule_input_is_a_400_naming_the_field(api, ops_manager, payload, field):
    answer = api.as_(ops_manager).post("/api/v1/event-match-rules/", payload, format="json")
    assert answer.status_code == 400, answer.content
    assert field in field_errors(answer)
    assert not CiMatchRule.objects.exists()


def test_a_match_rule_not_on_an_attribute_keeps_no_attribute(ops_manager, source):
    rule = svc.match_rule_create(actor=ops_manager, name="IP", match_on="attribute",
                                 ci_attribute="ip", source=source.pk)  # fmt: skip
    rule = svc.match_rule_update(actor=ops_manager, rule_id=rule.pk, data={"match_on": "name"})
    assert (rule.match_on, rule.ci_attribute, rule.source) == ("name", "", source)


def test_a_match_rule_is_removed_by_a_manager_only(api, client, ops_manager, operator):
    rule = svc.match_rule_create(actor=ops_manager, name="Host")
    assert api.as_(operator).delete(f"/api/v1/event-match-rules/{rule.pk}/").status_code == 403
    client.force_login(operator)
    assert client.post(reverse("events:match-rule-delete", args=[rule.pk])).status_code == 403
    assert CiMatchRule.objects.filter(pk=rule.pk).exists()
    client.force_login(ops_manager)
    assert client.post(reverse("events:match-rule-delete", args=[rule.pk])).status_code == 302
    assert not CiMatchRule.objects.filter(pk=rule.pk).exists()


# --- "Try it": every branch of the comparison -----------------------------------------------


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ({"match_on": "name"}, "web-01", ["web-01"]),
        ({"match_on": "name"}, "  WEB-01 ", ["web-01"]),  # trimmed, any case
        ({"match_on": "name"}, "web-01:9100", []),  # the port stays without strip_port
        ({"match_on": "name", "strip_port": True}, "web-01:9100", ["web-01"]),
        ({"match_on": "name", "strip_domain": True}, "web-01.dc1.example.com", ["web-01"]),
        ({"match_on": "name", "strip_port": True, "strip_domain": True},
         "web-02.example.com:443", ["web-02"]),
        ({"match_on": "name", "strip_port": True}, "[::1]:9100", []),  # IPv6: no such CI
        ({"match_on": "alias"}, "web01.dc1", ["web-01"]),
        ({"match_on": "alias"}, "WEB01.DC1", ["web-01"]),
        ({"match_on": "alias"}, "web01", []),  # an alias is compared whole
        ({"match_on": "attribute", "ci_attribute": "ip"}, "10.0.0.11", ["web-01"]),
        ({"match_on": "attribute", "ci_attribute": "ip", "strip_port": True,
          "strip_domain": True}, "10.0.0.12:9100", ["web-02"]),  # an IP keeps its dots
        ({"match_on": "attribute", "ci_attribute": "ip"}, "10.0.0.99", []),
        ({"match_on": "attribute", "ci_attribute": "rack"}, "r1", ["web-01", "web-02"]),
        ({"match_on": "name"}, "", []),
    ],
)  # fmt: skip
def test_try_it_shows_the_cis_a_value_names(network, rule, value, expected):
    for ci in (network.web1, network.web2):
        ci.attributes = {**ci.attributes, "rack": "r1"}
        ci.save()
    preview = match_preview(CiMatchRule(name="t", **rule), value)
    assert [ci.name for ci in preview.cis] == expected
    assert preview.decides is (len(expected) == 1)


def test_the_rule_page_tries_a_value(client, ops_manager, network):
    rule = svc.match_rule_create(actor=ops_manager, name="Host", strip_port=True)
    client.force_login(ops_manager)
    page = client.get(rule.get_absolute_url() + "?value=web-01:9100").content.decode()
    assert "This rule gives the event this CI." in page and network.web1.number in page
    page = client.get(rule.get_absolute_url() + "?value=nothing-here").content.decode()
    assert "No CI: the next rule is tried." in page
