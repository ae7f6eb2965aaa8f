"""The event filter sets: ``EventFilterSet`` is shared by the list of all events, its CSV
and /api/v1/events/; ``ConsoleFilterSet`` narrows the operator console."""

import django_filters
from django.db.models import Q, QuerySet

from steward.core.filters import IdFilter, IsoDateTimeFilter, SearchFilterSet
from steward.events.choices import EventCategory, EventStatus, Handling, Severity
from steward.events.models import Event
from steward.events.queries.events import pk_of_number


class EventFilterSet(SearchFilterSet):
    search_fields = ("fingerprint", "resource", "summary", "event_type", "ci__name")
    status = django_filters.MultipleChoiceFilter(choices=EventStatus.choices)
    active = django_filters.BooleanFilter(label="Still firing")
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    category = django_filters.ChoiceFilter(choices=EventCategory.choices)
    handling = django_filters.ChoiceFilter(choices=Handling.choices)
    source = IdFilter(field_name="source_id", label="Source (id)")
    ci = IdFilter(field_name="ci_id", label="CI (id)")
    incident = IdFilter(field_name="incident_id", label="Incident request (id)")
    first_seen_after = IsoDateTimeFilter(
        field_name="first_seen_at", lookup_expr="gte", label="First seen from"
    )
    first_seen_before = IsoDateTimeFilter(
        field_name="first_seen_at", lookup_expr="lt", label="First seen before"
    )

    class Meta:
        model = Event
        fields = ["status", "severity", "category", "handling"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Words in the fingerprint, resource, summary, type or CI name; an event number
        (EV0000012) finds that event."""
        pk = pk_of_number(value)
        if pk is not None:
            return queryset.filter(pk=pk)
        return super().filter_q(queryset, name, value)


class ConsoleFilterSet(django_filters.FilterSet):
    """What the operator narrows the console to: a source, a severity, a CI, and whether
    acknowledged events (someone is on them) are shown."""

    source = IdFilter(field_name="source_id", label="Source")
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    ci = IdFilter(method="filter_ci", label="CI")
    hide_acknowledged = django_filters.BooleanFilter(
        method="filter_hide_acknowledged",
        label="Hide acknowledged",
        widget=django_filters.widgets.BooleanWidget,
    )

    class Meta:
        model = Event
        fields = ["source", "severity"]

    def filter_ci(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        """The CI's events and the symptoms of them (the cascade stays together)."""
        return queryset.filter(Q(ci_id=value) | Q(cause__ci_id=value))

    def filter_hide_acknowledged(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.exclude(status=EventStatus.ACKNOWLEDGED) if value else queryset
