"""Filter sets of business services and outages (pages, htmx partials and the API)."""

import django_filters

from steward.core.filters import IsoDateTimeFilter, SearchFilterSet
from steward.service_level.choices import ServiceStatus
from steward.service_level.filters.common import customer_choices, person_choices, service_choices
from steward.service_level.models import Outage, Service


class ServiceFilterSet(SearchFilterSet):
    search_fields = ("number", "name", "description")
    status = django_filters.ChoiceFilter(choices=ServiceStatus.choices)
    owner = django_filters.ModelChoiceFilter(queryset=person_choices)
    customer = django_filters.ModelChoiceFilter(
        field_name="customers", queryset=customer_choices, distinct=True
    )

    class Meta:
        model = Service
        fields = ["status", "owner", "customer"]


class OutageFilterSet(django_filters.FilterSet):
    service = django_filters.ModelChoiceFilter(queryset=service_choices)
    planned = django_filters.BooleanFilter()
    degraded = django_filters.BooleanFilter()
    started_after = IsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label="Started at or after"
    )
    started_before = IsoDateTimeFilter(
        field_name="started_at", lookup_expr="lte", label="Started at or before"
    )

    class Meta:
        model = Outage
        fields = ["service", "planned", "degraded"]
