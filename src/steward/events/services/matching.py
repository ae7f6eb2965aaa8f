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
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Lower

from steward.configuration.choices import CIStatus
from steward.configuration.models import ConfigurationItem
from steward.events.choices import MatchOn
from steward.events.defaults import MATCH_RULES
from steward.events.models import CiMatchRule, Event

# Aliases are a comma or space separated string; a JSON list reads as '["a", "b"]'.
_ALIAS_SPLIT = re.compile(r'[,\s\[\]"]+')
BULK_VALUES = 500  # values per lookup query (SQLite's parameter limit is far above)


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


def _data(event: Event) -> dict[str, Any]:
    return {
        "resource": event.resource,
        "event_type": event.event_type,
        "fingerprint": event.fingerprint,
        "attributes": event.attributes,
    }


def _value(data: dict[str, Any], rule: CiMatchRule) -> str:
    return normalised(
        _field_value(data, rule.event_field),
        strip_port=rule.strip_port,
        strip_domain=rule.strip_domain,
    )


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

    def prepare(self, events: list[Event]) -> None:
        """Look up every value the batch's events will ask about: one query per way of
        matching (and per 500 values), instead of one per value."""
        wanted: dict[tuple[str, str], set[str]] = {}
        for event in events:
            data = _data(event)
            for rule in self.rules_for(event.source_id):
                value = _value(data, rule)
                if value and (rule.match_on, rule.ci_attribute, value) not in self._answers:
                    wanted.setdefault((rule.match_on, rule.ci_attribute), set()).add(value)
        for (match_on, attribute), values in wanted.items():
            ordered = sorted(values)
            for start in range(0, len(ordered), BULK_VALUES):
                chunk = ordered[start : start + BULK_VALUES]
                found = _bulk_candidates(match_on, attribute, chunk)
                for value in chunk:
                    self._answers[(match_on, attribute, value)] = _only(found.get(value, []))

    def match(self, event: Event) -> tuple[int | None, CiMatchRule | None]:
        """The CI id the event is about and the rule that found it (or None, None)."""
        data = _data(event)
        for rule in self.rules_for(event.source_id):
            value = _value(data, rule)
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


def _attribute(path: str) -> KeyTextTransform:
    """The CI attribute ``path`` as text ("ip", or "net.ip" for a nested one)."""
    *outer, last = path.split(".")
    expression: Any = "attributes"
    for part in outer:
        expression = KeyTransform(part, expression)
    return KeyTextTransform(last, expression)


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
        rows = cis.annotate(_value=_attribute(attribute)).filter(Q(_value__iexact=value))
        return list(rows.values_list("pk", flat=True)[:2])
    return []


def _bulk_candidates(match_on: str, attribute: str, values: list[str]) -> dict[str, list[int]]:
    """CI ids per value (lower case) for many values at once."""
    cis = ConfigurationItem.objects.exclude(status=CIStatus.RETIRED)
    found: dict[str, list[int]] = {}
    if match_on == MatchOn.NAME:
        rows = cis.annotate(_key=Lower("name")).filter(_key__in=values)
    elif match_on == MatchOn.ATTRIBUTE and attribute:
        rows = cis.annotate(_key=Lower(_attribute(attribute))).filter(_key__in=values)
    elif match_on == MatchOn.ALIAS:
        any_of = Q()
        for value in values:
            any_of |= Q(_aliases__icontains=value)
        wanted = set(values)
        for pk, aliases in (
            cis.annotate(_aliases=KeyTextTransform("aliases", "attributes"))
            .filter(any_of)
            .values_list("pk", "_aliases")
        ):
            for alias in {a.lower() for a in _ALIAS_SPLIT.split(str(aliases or "")) if a}:
                if alias in wanted:
                    found.setdefault(alias, []).append(pk)
        return found
    else:
        return found
    for pk, key in rows.values_list("pk", "_key"):
        found.setdefault(key, []).append(pk)
    return found


def _only(ids: list[int]) -> int | None:
    return ids[0] if len(set(ids)) == 1 else None
