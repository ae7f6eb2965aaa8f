"""Which CI has failed (seed 003 ch. 6 proc. 1, the operator's first question), by the CI
match rules: the source's own rules first, then the global ones, else the defaults of
``events/defaults.py``. The first rule whose value names exactly one CI (not retired)
wins; a value naming several CIs is ambiguous and the next rule is tried.

A ``Matcher`` lives for one batch and remembers what it looked up: a noisy host sends
many new fingerprints for the same resource."""

import ipaddress
import re
from typing import Any

from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform

from steward.configuration.choices import CIStatus
from steward.configuration.models import ConfigurationItem
from steward.events.choices import MatchOn
from steward.events.defaults import MATCH_RULES
from steward.events.models import CiMatchRule, Event

_ALIAS_SPLIT = re.compile(r"[,\s]+")


def _field_value(data: dict[str, Any], path: str) -> str:
    """``resource`` or another field of the normalised event, else a dotted path into its
    attributes ("labels.instance", "host")."""
    if path in data and not isinstance(data[path], (dict, list)):
        return str(data[path] or "")
    value: Any = data.get("attributes") or {}
    for part in path.split("."):
        if not isinstance(value, dict):
            return ""
        value = value.get(part)
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def normalised(value: str, *, strip_port: bool, strip_domain: bool) -> str:
    """The compared form of an event's value: trimmed, lower case, without the port of
    "host:port" ("[v6]:port") and the domain of "host.example.com" when the rule says so
    (an IP address keeps its dots)."""
    value = value.strip().lower()
    if strip_port:
        if value.startswith("[") and "]" in value:
            value = value[1 : value.index("]")]
        elif value.count(":") == 1:
            value = value.split(":", 1)[0]
    if strip_domain and "." in value and not _is_ip(value):
        value = value.split(".", 1)[0]
    return value


class Matcher:
    """CI matching for one batch: rules read once per source, answers remembered."""

    def __init__(self) -> None:
        self._rules: dict[int, list[CiMatchRule]] = {}
        self._global: list[CiMatchRule] | None = None
        self._answers: dict[tuple[str, str, str], int | None] = {}

    def rules_for(self, source_id: int) -> list[CiMatchRule]:
        if self._global is None:
            self._global = list(
                CiMatchRule.objects.filter(is_active=True, source__isnull=True).order_by(
                    "order", "pk"
                )
            )
        if source_id not in self._rules:
            own = list(
                CiMatchRule.objects.filter(is_active=True, source_id=source_id).order_by(
                    "order", "pk"
                )
            )
            rules = own + self._global
            # Unsaved rules: an event they match keeps no ``match_rule``.
            self._rules[source_id] = rules or [CiMatchRule(**row) for row in MATCH_RULES]
        return self._rules[source_id]

    def match(self, event: Event) -> tuple[int | None, CiMatchRule | None]:
        """The CI id the event is about and the rule that found it (or None, None)."""
        data = {
            "resource": event.resource,
            "event_type": event.event_type,
            "fingerprint": event.fingerprint,
            "attributes": event.attributes,
        }
        for rule in self.rules_for(event.source_id):
            value = normalised(
                _field_value(data, rule.event_field),
                strip_port=rule.strip_port,
                strip_domain=rule.strip_domain,
            )
            if not value:
                continue
            ci_id = self._lookup(rule.match_on, rule.ci_attribute, value)
            if ci_id is not None:
                return ci_id, (rule if rule.pk else None)
        return None, None

    def _lookup(self, match_on: str, attribute: str, value: str) -> int | None:
        key = (match_on, attribute, value)
        if key not in self._answers:
            self._answers[key] = _only(_candidates(match_on, attribute, value))
        return self._answers[key]


def _candidates(match_on: str, attribute: str, value: str) -> list[int]:
    cis = ConfigurationItem.objects.exclude(status=CIStatus.RETIRED)
    if match_on == MatchOn.NAME:
        return list(cis.filter(name__iexact=value).values_list("pk", flat=True)[:2])
    if match_on == MatchOn.ALIAS:
        rows = (
            cis.annotate(_aliases=KeyTextTransform("aliases", "attributes"))
            .filter(_aliases__icontains=value)
            .values_list("pk", "_aliases")[:50]
        )
        return [
            pk
            for pk, aliases in rows
            if value in {a.lower() for a in _ALIAS_SPLIT.split(str(aliases or "")) if a}
        ]
    if match_on == MatchOn.ATTRIBUTE and attribute:
        rows = cis.annotate(_value=KeyTextTransform(attribute, "attributes")).filter(
            Q(_value__iexact=value)
        )
        return list(rows.values_list("pk", flat=True)[:2])
    return []


def _only(ids: list[int]) -> int | None:
    return ids[0] if len(set(ids)) == 1 else None
