"""Routing rules (seed 003 ch. 8, procedure 2): the data-driven rules that assign a new
incident request to a group when it is saved. Maintained by whoever holds
``incidents.routing.change``; applied by ``services.incidents.route``."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from steward.core import journal, permissions
from steward.core.models import Organisation, Person, SupportGroup
from steward.incidents.choices import ServiceType
from steward.incidents.models import Category, RoutingRule
from steward.incidents.services.incidents import _choice, _instance, _raise, _text
from steward.service_level.models import Service

ROUTING = "incidents.routing.change"
RULE_FIELDS = ("order", "name", "is_active", "service", "ci_class", "category", "customer",
               "service_type", "keywords", "support_group")  # fmt: skip


def _rule_values(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    unknown = sorted(set(data) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    errors: dict[str, list[str]] = {}
    values = dict(data)
    if creating or "name" in values:
        values["name"] = _text(errors, "name", values.get("name"), max_length=150)
    if "keywords" in values:
        values["keywords"] = (values["keywords"] or "").strip()[:300]
    if values.get("service_type"):
        values["service_type"] = _choice(errors, "service_type", values["service_type"],
                                         ServiceType.values)  # fmt: skip
    for name, model in (("service", Service), ("category", Category),
                        ("customer", Organisation), ("support_group", SupportGroup)):  # fmt: skip
        if name in values:
            values[name] = _instance(model, values[name], name)
    if "ci_class" in values:
        from steward.configuration.models import CIClass

        values["ci_class"] = _instance(CIClass, values["ci_class"], "ci_class")
    if (creating or "support_group" in values) and values.get("support_group") is None:
        errors["support_group"] = ["Choose the group the rule assigns."]
    _raise(errors)
    return values


def routing_rule_create(*, actor: Person, **data: Any) -> RoutingRule:
    """Proc. 2: a rule that assigns new requests to a group when all its conditions match."""
    permissions.require(actor, ROUTING)
    values = _rule_values(data, creating=True)
    with transaction.atomic():
        rule = RoutingRule.objects.create(**values)
        journal.created(rule, actor=actor)
    return rule


def routing_rule_update(*, actor: Person, rule_id: int, data: Mapping[str, Any]) -> RoutingRule:
    permissions.require(actor, ROUTING)
    values = _rule_values(data, creating=False)
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().get(pk=rule_id)
        changes = journal.apply_changes(rule, values, list(values))
        if changes:
            rule.save()
            journal.field_changes(rule, actor=actor, changes=changes)
    return rule


def routing_rule_delete(*, actor: Person, rule_id: int) -> None:
    """Requests routed by the rule keep their group; ``routed_by`` is cleared (SET_NULL)."""
    permissions.require(actor, ROUTING)
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().get(pk=rule_id)
        journal.system(rule, text=f"{actor} removed the routing rule “{rule.name}”.")
        rule.delete()
