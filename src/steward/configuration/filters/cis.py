"""Filter sets of the CMDB, shared by the API (and later the pages). Choice filters offer
only what the requesting person may see, so a filter never reveals a record."""

from typing import Any

import django_filters
from django.db.models import QuerySet

from steward.configuration.choices import CIStatus
from steward.configuration.models import CIClass, ConfigurationItem, Relationship
from steward.configuration.queries import cis as queries
from steward.core.filters import IdFilter, SearchFilterSet, choices_for
from steward.core.models import SupportGroup
from steward.core.queries import groups_for


def _candidates(value: str) -> list[Any]:
    """The JSON values a query-string ``value`` may stand for (text, number, yes/no)."""
    found: list[Any] = [value]
    text = value.strip()
    digits = text.lstrip("+-")
    # ASCII only: int() refuses "²", which isdigit() accepts.
    if digits.isascii() and digits.isdigit() and len(digits) <= 19:
        found.append(int(text))
    if text.lower() in {"true", "false"}:
        found.append(text.lower() == "true")
    return found


class CIFilterSet(SearchFilterSet):
    search_fields = ("name", "number", "serial_number")
    ci_class = django_filters.ModelChoiceFilter(
        field_name="ci_class",
        queryset=choices_for(queries.ci_classes_for, CIClass),
        method="filter_class",
        label="Class (with its subclasses)",
    )
    status = django_filters.ChoiceFilter(choices=CIStatus.choices)
    support_group = django_filters.ModelChoiceFilter(queryset=choices_for(groups_for, SupportGroup))
    attribute = django_filters.CharFilter(method="filter_attribute", label="Attribute key")
    value = django_filters.CharFilter(method="filter_noop", label="Attribute value")

    class Meta:
        model = ConfigurationItem
        fields = ["status", "support_group"]

    def filter_class(self, queryset: QuerySet, name: str, value: CIClass | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(ci_class_id__in=queries.class_and_descendants(value))

    def filter_attribute(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """One JSON key compared with each value the text may stand for, in the query
        itself (no id lists: the class may hold tens of thousands of matches)."""
        if not value:
            return queryset
        if not queries.is_attribute_key(value):
            return queryset.none()
        wanted = self.data.get("value", "")
        return queryset.filter(queries.attribute_equals(value, _candidates(wanted)))

    def filter_noop(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Read together with ``attribute``.
        return queryset


class RelationshipFilterSet(django_filters.FilterSet):
    ci = IdFilter(method="filter_ci", label="Source or target CI id")
    type = django_filters.CharFilter(field_name="type__code", label="Type code")
    current = django_filters.BooleanFilter(
        field_name="valid_to", lookup_expr="isnull", label="Only current relationships"
    )

    class Meta:
        model = Relationship
        fields = ["type", "current"]

    def filter_ci(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(source_id=value) | queryset.filter(target_id=value)
