"""Reads of what routes and prioritises requests (procedures 1 and 2): the routing rules,
the categories and the priority matrix. Provider people who work on requests read the
rules; those who maintain them (``incidents.routing.change``) read everything here."""

from typing import Any

from django.db.models import QuerySet

from steward.core import permissions
from steward.core.models import Person
from steward.core.queries import one
from steward.incidents.models import Category, RoutingRule

ROUTING = "incidents.routing.change"
WORK = "incidents.incident.work"


def may_read_rules(actor: Person) -> bool:
    """Provider people who work on requests read the rules; maintainers change them."""
    return permissions.has(actor, ROUTING) or permissions.has(actor, WORK)


def routing_rules_for(actor: Person) -> QuerySet[RoutingRule]:
    if may_read_rules(actor):
        return RoutingRule.objects.select_related(
            "service", "ci_class", "category", "customer", "support_group"
        )
    return RoutingRule.objects.none()


def routing_rule_for(actor: Person, pk: Any) -> RoutingRule:
    return one(routing_rules_for(actor), pk, "routing rule")


def categories_for(actor: Person) -> QuerySet[Category]:
    """Every category, disabled ones included, for those who maintain them."""
    if not permissions.has(actor, ROUTING):
        return Category.objects.none()
    return Category.objects.select_related("parent")


def category_for(actor: Person, pk: Any) -> Category:
    return one(categories_for(actor), pk, "category")
