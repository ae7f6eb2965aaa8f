"""Reads of the CMDB, restricted to what the actor may see.

Provider people holding ``configuration.ci.view`` see the whole CMDB; customer-side
people see none of it (they meet services through the service catalogue instead).
"""

import json
from typing import Any

from django.db.models import Q, QuerySet

from steward.configuration.models import CIAttributeValue, CIClass, ConfigurationItem, Relationship
from steward.configuration.queries import classes  # noqa: F401 (registers the class tree cache)
from steward.core.models import Person
from steward.core.queries import one, permitted

VIEW = "configuration.ci.view"


VALUE_LENGTH = CIAttributeValue._meta.get_field("value").max_length


def cis_for(actor: Person) -> QuerySet[ConfigurationItem]:
    return permitted(
        actor, VIEW, ConfigurationItem.objects.select_related("ci_class", "owner", "support_group")
    )


def ci_matches(actor: Person, text: str) -> QuerySet[ConfigurationItem]:
    """CIs the actor may see whose number or name contains every word of ``text``, by
    number (a chooser's matches)."""
    condition = Q()
    for word in text.split():
        condition &= Q(number__icontains=word) | Q(name__icontains=word)
    return cis_for(actor).filter(condition).select_related(None).order_by("number", "pk")


def ci_label(ci: ConfigurationItem) -> str:
    """How a chooser shows a CI: "CI000012 Mail server"."""
    return f"{ci.number} {ci.name}"


def ci_for(actor: Person, pk: Any) -> ConfigurationItem:
    return one(cis_for(actor), pk)


def ci_classes_for(actor: Person) -> QuerySet[CIClass]:
    return permitted(actor, VIEW, CIClass.objects.select_related("parent"))


def ci_class_for(actor: Person, pk: Any) -> CIClass:
    return one(ci_classes_for(actor), pk)


def relationships_for(actor: Person, *, current_only: bool = False) -> QuerySet[Relationship]:
    qs = permitted(actor, VIEW, Relationship.objects.select_related("source", "target", "type"))
    if current_only:
        qs = qs.filter(valid_to__isnull=True)
    return qs


def relationships_of(actor: Person, ci: ConfigurationItem) -> QuerySet[Relationship]:
    """Current relationships in which ``ci`` is source or target."""
    return relationships_for(actor, current_only=True).filter(Q(source=ci) | Q(target=ci))


def cis_matching(
    actor: Person,
    *,
    ci_class: CIClass | None = None,
    attribute: str | None = None,
    value: Any = None,
) -> QuerySet[ConfigurationItem]:
    """CIs of ``ci_class`` (and its subclasses) whose ``attribute`` equals ``value``.

    ``attributes__<key>`` is a JSON key lookup that works on SQLite (JSON1) and
    PostgreSQL (jsonb) alike; values are compared as stored (decimals as strings).
    """
    qs = cis_for(actor)
    if ci_class is not None:
        qs = qs.filter(ci_class_id__in=class_and_descendants(ci_class))
    if attribute:
        if not is_attribute_key(attribute):
            return qs.none()
        qs = qs.filter(attribute_equals(attribute, [value]))
    return qs


def attribute_equals(key: str, values: list[Any]) -> Q:
    """CIs whose attribute ``key`` holds one of ``values`` (as stored: decimals as text).

    Answered from the (key, value) index of ``CIAttributeValue`` (the values as JSON text)
    rather than by reading the JSON of every CI; a value longer than the index keeps is
    compared in the JSON itself.
    """
    texts = [json.dumps(value) for value in values]
    short = [t for t in texts if len(t) <= VALUE_LENGTH]
    condition = Q(pk__in=CIAttributeValue.objects.filter(key=key, value__in=short).values("ci_id"))
    for value, text in zip(values, texts, strict=True):
        if len(text) > VALUE_LENGTH:
            condition |= Q(**{f"attributes__{key}": value})
    return condition


def is_attribute_key(key: str) -> bool:
    """Only slug-like keys reach a JSON lookup (the key becomes part of the SQL path)."""
    return bool(key) and key.replace("_", "").replace("-", "").isalnum()


def class_and_descendants(ci_class: CIClass) -> set[int]:
    ids, frontier = {ci_class.pk}, {ci_class.pk}
    while frontier:
        frontier = (
            set(CIClass.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        )
        ids |= frontier
    return ids
