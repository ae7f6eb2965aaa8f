"""The event type, CI match rule and correlation rule filter sets, shared by the list
pages and the API."""

import django_filters
from django.db.models import QuerySet

from steward.core.filters import IdFilter, SearchFilterSet
from steward.events.choices import CorrelationKind, EventCategory, MatchOn
from steward.events.models import CiMatchRule, CorrelationRule, EventType

INSTRUCTIONS = [("missing", "Without handling instructions"), ("given", "With instructions")]


class EventTypeFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "handling_instructions")
    category = django_filters.MultipleChoiceFilter(choices=EventCategory.choices)
    is_active = django_filters.BooleanFilter(label="In use")
    instructions = django_filters.ChoiceFilter(
        choices=INSTRUCTIONS, method="filter_instructions", label="Instructions"
    )

    class Meta:
        model = EventType
        fields = ["category", "is_active"]

    def filter_instructions(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "missing":
            return queryset.filter(handling_instructions="")
        if value == "given":
            return queryset.exclude(handling_instructions="")
        return queryset


class CiMatchRuleFilterSet(SearchFilterSet):
    search_fields = ("name", "event_field", "ci_attribute", "source__name")
    match_on = django_filters.ChoiceFilter(choices=MatchOn.choices)
    is_active = django_filters.BooleanFilter(label="In use")
    source = IdFilter(field_name="source_id", label="Source (id)")
    all_sources = django_filters.BooleanFilter(
        field_name="source", lookup_expr="isnull", label="For all sources"
    )

    class Meta:
        model = CiMatchRule
        fields = ["match_on", "is_active"]


class CorrelationRuleFilterSet(SearchFilterSet):
    search_fields = ("name",)
    kind = django_filters.ChoiceFilter(choices=CorrelationKind.choices)
    is_active = django_filters.BooleanFilter(label="Switched on")

    class Meta:
        model = CorrelationRule
        fields = ["kind", "is_active"]
