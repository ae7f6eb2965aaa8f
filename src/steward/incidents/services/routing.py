"""Priority and routing (seed 003 ch. 8, procedures 1 and 2): the impact x urgency matrix
(``priority_for``), the categories and the data-driven rules that assign a new incident
request to a group when it is registered (``route``), maintained by whoever holds
``incidents.routing.change`` (``routing_rule_*``, ``category_*``, ``priority_matrix_set``). The matrix and the rules are read on every registration
and kept in memory between changes (``core.refcache``)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from steward.configuration.models import CIClass, ConfigurationItem
from steward.configuration.queries import classes
from steward.core import journal, permissions, refcache, versioning
from steward.core.choices import Priority
from steward.core.models import Organisation, Person, SupportGroup
from steward.incidents.choices import Impact, ServiceType, Urgency
from steward.incidents.models import Category, IncidentRequest, PriorityMatrixEntry, RoutingRule
from steward.incidents.services.validation import (
    as_instance,
    checked_choice,
    checked_text,
    raise_errors,
)
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
        values["name"] = checked_text(errors, "name", values.get("name"), max_length=150)
    if "keywords" in values:
        values["keywords"] = (values["keywords"] or "").strip()[:300]
    if values.get("service_type"):
        values["service_type"] = checked_choice(errors, "service_type", values["service_type"],
                                         ServiceType.values)  # fmt: skip
    for name, model in (("service", Service), ("category", Category),
                        ("customer", Organisation), ("support_group", SupportGroup)):  # fmt: skip
        if name in values:
            values[name] = as_instance(model, values[name], name)
    if "ci_class" in values:
        from steward.configuration.models import CIClass

        values["ci_class"] = as_instance(CIClass, values["ci_class"], "ci_class")
    if (creating or "support_group" in values) and values.get("support_group") is None:
        errors["support_group"] = ["Choose the group the rule assigns."]
    raise_errors(errors)
    return values


def routing_rule_create(*, actor: Person, **data: Any) -> RoutingRule:
    """Proc. 2: a rule that assigns new requests to a group when all its conditions match."""
    permissions.require(actor, ROUTING)
    values = _rule_values(data, creating=True)
    with transaction.atomic():
        rule = RoutingRule.objects.create(**values)
        journal.created(rule, actor=actor)
    return rule


def routing_rule_update(
    *, actor: Person, rule_id: int, data: Mapping[str, Any], expected_version: int | None = None
) -> RoutingRule:
    permissions.require(actor, ROUTING)
    values = _rule_values(data, creating=False)
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().get(pk=rule_id)
        versioning.check(rule, expected_version)
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


def routing_rule_set_active(*, actor: Person, rule_id: int, active: bool) -> RoutingRule:
    """Disable a rule (kept, with the requests it routed) or enable it again."""
    return routing_rule_update(actor=actor, rule_id=rule_id, data={"is_active": active})


# --- Categories ------------------------------------------------------------------------------


def _category_values(data: Mapping[str, Any], category: Category | None) -> dict[str, Any]:
    unknown = sorted(set(data) - {"name", "parent", "is_active"})
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    errors: dict[str, list[str]] = {}
    values = dict(data)
    if category is None or "name" in values:
        values["name"] = checked_text(errors, "name", values.get("name"), max_length=100)
    if "parent" in values:
        parent = as_instance(Category, values["parent"], "parent")
        if parent is not None and parent.parent_id is not None:
            errors["parent"] = ["Categories have two levels: choose a top-level category."]
        elif parent is not None and category is not None and parent.pk == category.pk:
            errors["parent"] = ["A category cannot be its own parent."]
        elif parent is not None and category is not None and category.children.exists():
            errors["parent"] = ["This category has subcategories: it stays at the top level."]
        values["parent"] = parent
    if "is_active" in values:
        values["is_active"] = bool(values["is_active"])
    name, parent = (
        values.get("name", category and category.name),
        values.get("parent", category and category.parent),
    )
    twins = Category.objects.filter(name__iexact=name, parent=parent)
    if name and twins.exclude(pk=category.pk if category else None).exists():
        errors["name"] = ["There is already a category with this name here."]
    raise_errors(errors)
    return values


def category_create(*, actor: Person, **data: Any) -> Category:
    """Proc. 1: a category requests are classified by (and routing rules match on)."""
    permissions.require(actor, ROUTING)
    values = _category_values(data, None)
    with transaction.atomic():
        category = Category.objects.create(**values)
        journal.created(category, actor=actor)
    return category


def category_update(
    *, actor: Person, category_id: int, data: Mapping[str, Any], expected_version: int | None = None
) -> Category:
    """Rename, move or disable (``is_active``: no longer offered at registration; requests
    and rules that name it keep it)."""
    permissions.require(actor, ROUTING)
    with transaction.atomic():
        category = Category.objects.select_for_update().order_by().get(pk=category_id)
        versioning.check(category, expected_version)
        values = _category_values(data, category)
        changes = journal.apply_changes(category, values, list(values))
        if changes:
            category.save()
            journal.field_changes(category, actor=actor, changes=changes)
    return category


# --- The priority matrix ---------------------------------------------------------------------


def priority_matrix() -> dict[tuple[str, str], str]:
    """Every impact x urgency cell: the configured priority, else the default one."""
    configured = _matrix()
    return {
        (impact, urgency): configured.get((impact, urgency))
        or DEFAULT_PRIORITY_MATRIX[(impact, urgency)]
        for impact in Impact.values
        for urgency in Urgency.values
    }


def priority_matrix_set(
    *, actor: Person, cells: Mapping[tuple[str, str], str]
) -> dict[tuple[str, str], str]:
    """Proc. 1: change cells of the matrix ((impact, urgency) -> priority). Requests
    registered from now on get the new priority; those registered keep theirs. Each
    changed cell is journalled on its row; the cache is renewed in the same transaction."""
    permissions.require(actor, ROUTING)
    errors: dict[str, list[str]] = {}
    for (impact, urgency), priority in cells.items():
        name = f"cell_{impact}_{urgency}"
        if impact not in Impact.values or urgency not in Urgency.values:
            errors[name] = ["Unknown impact or urgency."]
        elif str(priority) not in Priority.values:
            errors[name] = ["Select a valid choice."]
    raise_errors(errors)
    with transaction.atomic():
        rows = {
            (row.impact, row.urgency): row
            for row in PriorityMatrixEntry.objects.select_for_update()
        }
        for (impact, urgency), priority in sorted(cells.items()):
            priority = str(priority)
            row = rows.get((impact, urgency))
            if row is None:
                row = PriorityMatrixEntry.objects.create(
                    impact=impact, urgency=urgency, priority=priority
                )
                journal.created(row, actor=actor)
            elif row.priority != priority:
                changes = {"priority": (row.priority, priority)}
                row.priority = priority
                row.save(update_fields=["priority"])
                journal.field_changes(row, actor=actor, changes=changes)
    return priority_matrix()


# Used when the configurable matrix (PriorityMatrixEntry) has no cell for a combination:
# the usual ITIL matrix, impact (rows, 1 = extensive) x urgency (columns, 1 = critical).
DEFAULT_PRIORITY_MATRIX: dict[tuple[str, str], str] = {
    ("1", "1"): "1", ("1", "2"): "1", ("1", "3"): "2", ("1", "4"): "3",
    ("2", "1"): "1", ("2", "2"): "2", ("2", "3"): "3", ("2", "4"): "3",
    ("3", "1"): "2", ("3", "2"): "3", ("3", "3"): "3", ("3", "4"): "4",
    ("4", "1"): "3", ("4", "2"): "3", ("4", "3"): "4", ("4", "4"): "4",
}  # fmt: skip


PRIORITY_MATRIX = "incidents.priority_matrix"
ROUTING_RULES = "incidents.routing_rules"
# Read on every registration, edited a few times a year: kept in memory (core.refcache).
refcache.register(PRIORITY_MATRIX, PriorityMatrixEntry)
refcache.register(ROUTING_RULES, RoutingRule, SupportGroup, Category, CIClass)


def _matrix() -> dict[tuple[str, str], str]:
    return {
        (impact, urgency): priority
        for impact, urgency, priority in PriorityMatrixEntry.objects.values_list(
            "impact", "urgency", "priority"
        )
    }


def priority_for(impact: str, urgency: str) -> str:
    """Priority of impact x urgency: the configured matrix cell, else the default matrix."""
    impact, urgency = str(impact), str(urgency)
    cell = refcache.cached(PRIORITY_MATRIX, _matrix).get((impact, urgency))
    if cell:
        return cell
    try:
        return DEFAULT_PRIORITY_MATRIX[(impact, urgency)]
    except KeyError:
        raise ValidationError({"impact": ["Unknown impact or urgency."]}) from None


def _ancestors(parents: Mapping[int, int | None], start_ids: Iterable[int | None]) -> set[int]:
    """The ids given and those of all their parents (classes, categories)."""
    found: set[int] = set()
    frontier = [pk for pk in start_ids if pk is not None]
    while frontier:
        pk = frontier.pop()
        if pk not in found:
            found.add(pk)
            parent = parents.get(pk)
            if parent is not None:
                frontier.append(parent)
    return found


class _Routing:
    """The active rules in order, with what matching them needs, loaded together."""

    def __init__(self) -> None:
        self.rules = [
            (rule, _keywords(rule))
            for rule in RoutingRule.objects.filter(is_active=True, support_group__is_active=True)
            .select_related("support_group")
            .order_by("order", "pk")
        ]
        self.category_parents = dict(Category.objects.values_list("pk", "parent_id"))
        self.class_parents = classes.class_parents()
        name = getattr(settings, "INCIDENT_DEFAULT_GROUP", "") or ""
        self.default_group = (
            SupportGroup.objects.filter(name=name, is_active=True).first() if name else None
        )


def _routing() -> _Routing:
    return refcache.cached(ROUTING_RULES, _Routing, key=settings.INCIDENT_DEFAULT_GROUP)


def _keywords(rule: RoutingRule) -> list[str]:
    return [word.strip().lower() for word in rule.keywords.split(",") if word.strip()]


def route(
    incident: IncidentRequest, cis: Iterable[ConfigurationItem] | None = None
) -> RoutingRule | None:
    """Proc. 2: the first active rule (by order) whose every set condition matches.

    Conditions: service; the class of any of the request's CIs (a rule on a parent class
    matches its subclasses); category (a rule on a parent category matches its children);
    customer; service type; keywords (any comma-separated keyword found, ignoring case, in
    the title or description). Rules whose group is inactive are skipped. ``cis``: the CIs
    of a request not saved yet (a saved one's are read from the database).
    """
    routing = _routing()
    ci_classes: set[int] | None = None
    categories = _ancestors(routing.category_parents, [incident.category_id])
    text = f"{incident.title}\n{incident.description}".lower()
    for rule, words in routing.rules:
        if rule.service_id and rule.service_id != incident.service_id:
            continue
        if rule.customer_id and rule.customer_id != incident.customer_id:
            continue
        if rule.service_type and rule.service_type != incident.service_type:
            continue
        if rule.category_id and rule.category_id not in categories:
            continue
        if rule.ci_class_id:
            if ci_classes is None:
                if cis is not None:
                    direct = [ci.ci_class_id for ci in cis]
                elif incident.pk:
                    direct = list(incident.cis.values_list("ci_class_id", flat=True))
                else:
                    direct = []
                ci_classes = classes.classes_with_ancestors(direct, parents=routing.class_parents)
            if rule.ci_class_id not in ci_classes:
                continue
        if words and not any(word in text for word in words):
            continue
        return rule
    return None


def default_group() -> SupportGroup | None:
    """The group named by ``settings.INCIDENT_DEFAULT_GROUP`` (the service desk), if active."""
    return _routing().default_group


def reopen_group(incident: IncidentRequest) -> SupportGroup | None:
    """Proc. 6 (and 2): the group a reopened request without one goes to, so that it lands
    in a queue someone works (a request resolved at first contact has no group): the
    routing rules as for a new request, else the default group, else a group of the
    person who resolved it (the service desk analyst's: the desk picks the group then,
    proc. 1). None only when none of these gives an active group."""
    rule = route(incident)
    if rule is not None:
        return rule.support_group
    group = default_group()
    if group is not None or not incident.resolved_by_id:
        return group
    return (
        SupportGroup.objects.filter(is_active=True, memberships__person_id=incident.resolved_by_id)
        .order_by("name", "pk")
        .first()
    )
