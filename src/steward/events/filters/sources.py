"""The event source filter set, shared by the list page and the API."""

import django_filters

from steward.core.filters import IdFilter, SearchFilterSet
from steward.events.choices import SourceKind
from steward.events.models import EventSource


class EventSourceFilterSet(SearchFilterSet):
    search_fields = ("name", "description", "token_hint")
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices)
    is_active = django_filters.BooleanFilter(label="Active")
    operator = IdFilter(field_name="operator_id", label="Operator (id)")
    support_group = IdFilter(field_name="support_group_id", label="Support group (id)")

    class Meta:
        model = EventSource
        fields = ["kind", "is_active"]
