"""Reads of event types, CI match rules and correlation rules (seed 003 ch. 6 proc. 1, 2),
restricted to the actor as the sources are, and the "try it" of a CI match rule."""

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from steward.configuration.models import ConfigurationItem
from steward.core import queries
from steward.core.models import Person
from steward.events.choices import MatchOn
from steward.events.models import CiMatchRule, CorrelationRule, EventType
from steward.events.queries.sources import staff_viewer

PREVIEW_LIMIT = 10
ALIAS_SPLIT = re.compile(r"[\s,]+")


def event_types_for(actor: Person) -> QuerySet[EventType]:
    qs = EventType.objects.all()
    return qs if staff_viewer(actor) else qs.none()


def event_type_for(actor: Person, pk: Any) -> EventType:
    return queries.one(event_types_for(actor), pk, "event type")


def match_rules_for(actor: Person) -> QuerySet[CiMatchRule]:
    qs = CiMatchRule.objects.select_related("source")
    return qs if staff_viewer(actor) else qs.none()


def match_rule_for(actor: Person, pk: Any) -> CiMatchRule:
    return queries.one(match_rules_for(actor), pk, "CI match rule")


def correlation_rules_for(actor: Person) -> QuerySet[CorrelationRule]:
    qs = CorrelationRule.objects.all()
    return qs if staff_viewer(actor) else qs.none()


def correlation_rule_for(actor: Person, pk: Any) -> CorrelationRule:
    return queries.one(correlation_rules_for(actor), pk, "correlation rule")


# --- "Try it": which CI a value names under a rule --------------------------------------


@dataclass
class MatchPreview:
    """What a CI match rule makes of one value: the value it compares and the CIs it names
    (the rule decides only when it names exactly one; else the next rule is tried)."""

    value: str
    compared: str
    cis: list[ConfigurationItem] = field(default_factory=list)
    more: bool = False  # more CIs than listed

    @property
    def decides(self) -> bool:
        return len(self.cis) == 1 and not self.more


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def compared_value(rule: CiMatchRule, value: str) -> str:
    """``value`` as the rule compares it: trimmed, then without its port (``host:8080``,
    ``[::1]:8080``) and its domain (``web-01.dc1.example.com``) when the rule says so. An
    IP address keeps its dots, and an IPv6 address its colons."""
    text = (value or "").strip()
    if rule.strip_port:
        if text.startswith("[") and "]" in text:
            text = text[1 : text.index("]")]
        elif text.count(":") == 1:
            text = text.split(":", 1)[0]
    if rule.strip_domain and not _is_ip(text) and "." in text:
        text = text.split(".", 1)[0]
    return text


def aliases_of(ci: ConfigurationItem) -> set[str]:
    """The CI's aliases in lower case (a comma or space separated string, or a list)."""
    raw = (ci.attributes or {}).get("aliases", "")
    text = " ".join(str(a) for a in raw) if isinstance(raw, list) else str(raw or "")
    return {a for a in ALIAS_SPLIT.split(text.lower()) if a}


def _candidates(rule: CiMatchRule, text: str) -> QuerySet[ConfigurationItem]:
    qs = ConfigurationItem.objects.select_related("ci_class").order_by("name", "pk")
    if rule.match_on == MatchOn.NAME:
        return qs.filter(name__iexact=text)
    if rule.match_on == MatchOn.ALIAS:
        return qs.filter(attributes__aliases__icontains=text)
    key = "__".join(rule.ci_attribute.split("."))
    return qs.filter(**{f"attributes__{key}__iexact": text})


def match_preview(rule: CiMatchRule, value: str) -> MatchPreview:
    """The CIs ``rule`` finds for ``value`` (the rule page's "try it"). Aliases are the
    CI's "aliases" attribute, a comma or space separated list, compared whole and without
    regard to case. Written for the preview; processing's matcher
    (``services/matching.py``) follows the same rules."""
    text = compared_value(rule, value)
    preview = MatchPreview(value=value, compared=text)
    if not text or (rule.match_on == MatchOn.ATTRIBUTE and not rule.ci_attribute):
        return preview
    found = []
    for ci in _candidates(rule, text).iterator(chunk_size=100):
        if rule.match_on == MatchOn.ALIAS and text.lower() not in aliases_of(ci):
            continue
        found.append(ci)
        if len(found) > PREVIEW_LIMIT:
            break
    preview.cis, preview.more = found[:PREVIEW_LIMIT], len(found) > PREVIEW_LIMIT
    return preview
