"""Which CI an event is about (seed 003 ch. 6 proc. 1): the CI match rules by name,
alias and attribute, the source's own rules before the global ones, the defaults."""

import pytest

from steward.configuration.models import ConfigurationItem
from steward.events.choices import Handling
from steward.events.models import CiMatchRule, EventSource
from steward.events.services.matching import normalised
from steward.events.tests.streams import normalised as event
from steward.events.tests.streams import push

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "strip_port", "strip_domain", "expected"),
    [
        ("  WEB-01 ", False, False, "web-01"),
        ("web-01:9100", True, False, "web-01"),
        ("web-01:9100", False, False, "web-01:9100"),
        ("web-01.dc1.example.com", False, True, "web-01"),
        ("web-01.dc1.example.com:443", True, True, "web-01"),
        ("10.0.0.11:9100", True, True, "10.0.0.11"),  # an address keeps its dots
        ("[fe80::1]:9100", True, False, "fe80::1"),
        ("fe80::1", True, False, "fe80::1"),  # several colons: no port to strip
    ],
)
def test_normalised(value, strip_port, strip_domain, expected):
    assert normalised(value, strip_port=strip_port, strip_domain=strip_domain) == expected


@pytest.mark.parametrize(
    ("resource", "attributes", "ci"),
    [
        ("web-01", {}, "web-01"),  # name
        ("WEB-02", {}, "web-02"),  # case-insensitive
        ("web01.dc1", {}, "web-01"),  # alias
        ("web-02.dc1.example.com:9100", {}, "web-02"),  # host of an FQDN with a port
        ("10.0.0.12:9100", {}, "web-02"),  # IP address attribute
        ("unknown-host", {}, None),
    ],
)
def test_the_default_rules(network, source, resource, attributes, ci):
    [found] = push(source, event(resource, "HostDown", attributes=attributes))
    assert (found.ci.name if found.ci else None) == ci
    assert found.match_rule is None  # the defaults are not rows
    if ci is None:
        assert found.handling == Handling.UNMATCHED


def test_a_sources_own_rules_come_before_the_global_ones(network, source, operator):
    CiMatchRule.objects.create(order=1, name="Global: by instance label",
                               event_field="labels.instance", match_on="name")  # fmt: skip
    own = CiMatchRule.objects.create(order=50, name="Own: by host", source=source,
                                     event_field="host", match_on="name")  # fmt: skip
    [found] = push(
        source,
        event(
            "whatever", "HostDown", attributes={"host": "web-02", "labels": {"instance": "web-01"}}
        ),
    )
    assert (found.ci, found.match_rule) == (network.web2, own)
    other = EventSource.objects.create(name="Zabbix", operator=operator, token_hash="x" * 64)
    [found] = push(
        other,
        event(
            "whatever", "HostDown", attributes={"host": "web-02", "labels": {"instance": "web-01"}}
        ),
    )
    assert found.ci == network.web1  # only the global rule applies to it


def test_a_value_naming_several_cis_tries_the_next_rule(network, source):
    ConfigurationItem.objects.filter(pk=network.web2.pk).update(name="web-01")  # a twin name
    CiMatchRule.objects.create(order=1, name="By name", match_on="name")
    rule = CiMatchRule.objects.create(order=2, name="By ip", match_on="attribute",
                                      event_field="ip", ci_attribute="ip")  # fmt: skip
    [found] = push(source, event("web-01", "HostDown", attributes={"ip": "10.0.0.12"}))
    assert (found.ci, found.match_rule) == (network.web2, rule)


def test_retired_cis_are_not_matched_and_inactive_rules_not_used(network, source):
    ConfigurationItem.objects.filter(pk=network.web2.pk).update(status="retired")
    CiMatchRule.objects.create(order=1, name="Off", match_on="alias", is_active=False)
    CiMatchRule.objects.create(order=2, name="By name", match_on="name")
    [retired] = push(source, event("web-02", "HostDown"))
    [by_alias] = push(source, event("web01.dc1", "HostDown"))  # only the alias rule matches
    assert (retired.ci, by_alias.ci) == (None, None)


def test_nested_attributes_and_alias_lists(network, source):
    ConfigurationItem.objects.filter(pk=network.web2.pk).update(
        attributes={"aliases": ["web02.dc1", "shop-b"], "net": {"mgmt": "192.168.0.12"}}
    )
    CiMatchRule.objects.create(order=1, name="By alias", match_on="alias")
    CiMatchRule.objects.create(order=2, name="By management address", match_on="attribute",
                               ci_attribute="net.mgmt")  # fmt: skip
    found = push(source, event("SHOP-B", "HostDown"), event("192.168.0.12", "Ping"))
    assert [e.ci for e in found] == [network.web2, network.web2]
