"""Seed 003 ch. 6 proc. 1 and 2: what the operations manager maintains so that events are
handled by rules: event types with their handling instructions, the CI match rules
("determine which CI has failed") and the automated correlation rules (symptom, planned
change, planned event, same cause), whose kinds are fixed and whose rows ``steward init``
makes once from ``events/defaults.py`` (``ensure_default_rules``). The event review
(proc. 2) reads the rules' fired counts and the event types without instructions.

Who: ``events.source.manage`` (the operations manager, the system administrator)."""

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from steward.core import journal, permissions
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.fields import given
from steward.core.models import Person
from steward.events import defaults, inputs
from steward.events.choices import EventCategory, MatchOn
from steward.events.models import CiMatchRule, CorrelationRule, EventSource, EventType
from steward.events.services.sources import MANAGE, clean_name, pk_of

EVENT_TYPE_FIELDS = ("code", "name", "category", "handling_instructions", "is_active")
MATCH_RULE_FIELDS = ("order", "name", "is_active", "source", "event_field", "match_on",
                     "ci_attribute", "strip_port", "strip_domain")  # fmt: skip
CORRELATION_RULE_FIELDS = ("name", "is_active", "window_minutes")
MAX_ORDER = 1_000_000
MAX_WINDOW = 60 * 24 * 31  # a month: a longer window would correlate unrelated failures
# "resource", or a path into the event's attributes: letters, digits, _ - and dots.
FIELD_PATH = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")


def _whole(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValidationError({field: ["Enter a whole number."]})
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: ["Enter a whole number."]}) from None
    if (isinstance(value, float) and value != number) or not low <= number <= high:
        raise ValidationError({field: [f"Enter a whole number from {low} to {high:,}."]})
    return number


def _flag(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ValidationError({field: ["Enter true or false."]})


def _choice(value: Any, field: str, choices: type) -> str:
    if value not in choices.values:
        raise ValidationError({field: [f"Choose one of: {', '.join(choices.values)}."]})
    return value


def _saved(record: Any, field: str, message: str) -> None:
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ValidationError({field: [message]}) from None


# --- Event types ----------------------------------------------------------------------


def _code(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({"code": ["Give the code monitors send (the alert name)."]})
    if len(text) > 100:
        raise ValidationError({"code": ["Use at most 100 characters."]})
    return text


def _type_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "code" in data:
        values["code"] = _code(data["code"])
    if "name" in data:
        values["name"] = clean_name(data["name"], limit=200, what="the event type")
    if "category" in data:
        values["category"] = _choice(data["category"], "category", EventCategory)
    if "handling_instructions" in data:
        values["handling_instructions"] = (data["handling_instructions"] or "").strip()
    if "is_active" in data:
        values["is_active"] = _flag(data["is_active"], "is_active")
    return values


def _unique_code(code: str, pk: int | None = None) -> None:
    if EventType.objects.filter(code=code).exclude(pk=pk).exists():
        raise ValidationError({"code": ["Another event type has this code."]})


def event_type_create(
    *,
    actor: Person,
    code: str,
    name: str,
    category: str = EventCategory.OUTAGE,
    handling_instructions: str = "",
    is_active: bool = True,
) -> EventType:
    """Proc. 1 ("the operator follows the handling instructions of the event type") and
    proc. 2 (event types without instructions): register an event type."""
    with transaction.atomic():
        permissions.require(actor, MANAGE)
        inputs.EVENT_TYPE_CREATE.check(actor, given(
            code=code, name=name, category=category,
            handling_instructions=handling_instructions))  # fmt: skip
        values = _type_values({"code": code, "name": name, "category": category or
                               EventCategory.OUTAGE, "is_active": is_active,
                               "handling_instructions": handling_instructions})  # fmt: skip
        _unique_code(values["code"])
        event_type = EventType(**values)
        event_type.full_clean()
        _saved(event_type, "code", "Another event type has this code.")
        journal.created(event_type, actor=actor)
    return event_type


def event_type_update(
    *,
    actor: Person,
    event_type_id: Any,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> EventType:
    """Proc. 1, 2: change an event type's code, name, category, handling instructions or
    whether it is in use."""
    reject_unknown(data, EVENT_TYPE_FIELDS)
    with transaction.atomic():
        event_type = lock_to_edit(actor, MANAGE, EventType, event_type_id, expected_version)
        inputs.EVENT_TYPE_UPDATE.check(actor, data, event_type)
        values = _type_values(data)
        if "code" in values:
            _unique_code(values["code"], event_type.pk)
        changes = journal.apply_changes(event_type, values, list(values))
        if changes:
            event_type.full_clean()
            _saved(event_type, "code", "Another event type has this code.")
            journal.field_changes(event_type, actor=actor, changes=changes)
    return event_type


# --- CI match rules -------------------------------------------------------------------


def _source(value: Any) -> EventSource | None:
    if value in (None, ""):
        return None
    try:
        found = EventSource.objects.filter(pk=int(pk_of(value))).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise ValidationError({"source": ["No event source with this id."]})
    return found


def _event_field(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        return "resource"
    if len(text) > 100 or not FIELD_PATH.match(text):
        raise ValidationError({"event_field": [
            'Give "resource" or an attribute path such as "labels.instance" or "host".']})  # fmt: skip
    return text


def _match_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "order" in data:
        values["order"] = _whole(data["order"], "order", 0, MAX_ORDER)
    if "name" in data:
        values["name"] = clean_name(data["name"], limit=150, what="the rule")
    for flag in ("is_active", "strip_port", "strip_domain"):
        if flag in data:
            values[flag] = _flag(data[flag], flag)
    if "source" in data:
        values["source"] = _source(data["source"])
    if "event_field" in data:
        values["event_field"] = _event_field(data["event_field"])
    if "match_on" in data:
        values["match_on"] = _choice(data["match_on"], "match_on", MatchOn)
    if "ci_attribute" in data:
        values["ci_attribute"] = str(data["ci_attribute"] or "").strip()
    return values


def _check_attribute(rule: CiMatchRule) -> None:
    """A match on a CI attribute names the attribute; the others have none."""
    if rule.match_on != MatchOn.ATTRIBUTE:
        rule.ci_attribute = ""
        return
    if not rule.ci_attribute:
        raise ValidationError(
            {"ci_attribute": ['Name the CI attribute compared (for example "ip").']}
        )
    if len(rule.ci_attribute) > 60 or not FIELD_PATH.match(rule.ci_attribute):
        raise ValidationError({"ci_attribute": ["Use at most 60 letters, digits, _ - and dots."]})


def match_rule_create(
    *,
    actor: Person,
    name: str,
    order: Any = 100,
    is_active: bool = True,
    source: Any = None,
    event_field: str = "resource",
    match_on: str = MatchOn.NAME,
    ci_attribute: str = "",
    strip_port: bool = False,
    strip_domain: bool = False,
) -> CiMatchRule:
    """Proc. 1 ("determine which CI has failed"): a rule telling how an event's value names
    its CI, for one source or all; tried in ``order``."""
    data = {"name": name, "order": order, "is_active": is_active, "source": source,
            "event_field": event_field, "match_on": match_on or MatchOn.NAME,
            "ci_attribute": ci_attribute, "strip_port": strip_port,
            "strip_domain": strip_domain}  # fmt: skip
    with transaction.atomic():
        permissions.require(actor, MANAGE)
        inputs.MATCH_RULE_CREATE.check(actor, given(**{**data, "source": pk_of(source)}))
        rule = CiMatchRule(**_match_values(data))
        _check_attribute(rule)
        rule.full_clean()
        rule.save()
        journal.created(rule, actor=actor)
    return rule


def match_rule_update(
    *,
    actor: Person,
    rule_id: Any,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> CiMatchRule:
    """Proc. 1: change how a CI match rule compares, its order, source or whether it is
    in use."""
    reject_unknown(data, MATCH_RULE_FIELDS)
    with transaction.atomic():
        rule = lock_to_edit(actor, MANAGE, CiMatchRule, rule_id, expected_version)
        inputs.MATCH_RULE_UPDATE.check(actor, data, rule)
        values = _match_values(data)
        before = rule.ci_attribute
        changes = journal.apply_changes(rule, values, list(values))
        _check_attribute(rule)
        if rule.ci_attribute != before:
            changes["ci_attribute"] = (before, rule.ci_attribute)
        if changes:
            rule.full_clean()
            rule.save()
            journal.field_changes(rule, actor=actor, changes=changes)
    return rule


def match_rule_delete(*, actor: Person, rule_id: Any, expected_version: int | None = None) -> None:
    """Proc. 1: remove a CI match rule. Events it matched keep their CI (``match_rule``
    is cleared); with no rule left, processing falls back to ``events/defaults.py``."""
    with transaction.atomic():
        rule = lock_to_edit(actor, MANAGE, CiMatchRule, rule_id, expected_version)
        journal.system(rule, text=f"{actor} removed the CI match rule “{rule.name}”.")
        rule.delete()


# --- Correlation rules ----------------------------------------------------------------


def correlation_rule_update(
    *,
    actor: Person,
    rule_id: Any,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> CorrelationRule:
    """Proc. 1 (the automated correlation rules) and proc. 2 (rules never firing): rename
    a rule, switch it on or off, or change how far back it looks. Its kind is fixed."""
    reject_unknown(data, CORRELATION_RULE_FIELDS)
    with transaction.atomic():
        rule = lock_to_edit(actor, MANAGE, CorrelationRule, rule_id, expected_version)
        inputs.CORRELATION_RULE_UPDATE.check(actor, data, rule)
        values: dict[str, Any] = {}
        if "name" in data:
            values["name"] = clean_name(data["name"], limit=150, what="the rule")
        if "is_active" in data:
            values["is_active"] = _flag(data["is_active"], "is_active")
        if "window_minutes" in data:
            values["window_minutes"] = _whole(data["window_minutes"], "window_minutes", 0,
                                              MAX_WINDOW)  # fmt: skip
        changes = journal.apply_changes(rule, values, list(values))
        if changes:
            rule.full_clean()
            rule.save()
            journal.field_changes(rule, actor=actor, changes=changes)
    return rule


# --- What every installation starts with ----------------------------------------------


@transaction.atomic
def ensure_default_rules() -> dict[str, int]:
    """``steward init``: one correlation rule per kind (a missing kind is added; existing
    rows keep their edits), and the default CI match rules when there are no match rules
    at all (so rules someone removed are not brought back one by one)."""
    added = 0
    for kind, order, name, window in defaults.CORRELATION_RULES:
        _, created = CorrelationRule.objects.get_or_create(
            kind=kind, defaults={"order": order, "name": name, "window_minutes": window}
        )
        added += int(created)
    matches = 0
    if not CiMatchRule.objects.exists():
        CiMatchRule.objects.bulk_create(CiMatchRule(**row) for row in defaults.MATCH_RULES)
        matches = len(defaults.MATCH_RULES)
    return {"correlation rules": added, "CI match rules": matches}
