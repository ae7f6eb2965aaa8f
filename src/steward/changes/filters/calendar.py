"""The planned event filter set, shared by the planned event list page and
/api/v1/planned-events/."""

import django_filters

from steward.changes.choices import PlannedEventKind
from steward.changes.models import PlannedEvent
from steward.core.filters import IdFilter, IsoDateTimeFilter, SearchFilterSet


class PlannedEventFilterSet(SearchFilterSet):
    search_fields = ("number", "title")
    kind = django_filters.ChoiceFilter(choices=PlannedEventKind.choices)
    cancelled = django_filters.BooleanFilter(field_name="is_cancelled", label="Cancelled")
    service = IdFilter(field_name="services", label="Concerns service (id)", distinct=True)
    ci = IdFilter(field_name="cis", label="Concerns CI (id)", distinct=True)
    ends_after = IsoDateTimeFilter(field_name="ends_at", lookup_expr="gt")
    starts_before = IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = PlannedEvent
        fields = ["kind"]
