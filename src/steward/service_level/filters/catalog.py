"""The filter set of catalog items (pages, htmx partials and the API)."""

import django_filters

from steward.core.filters import SearchFilterSet
from steward.service_level.choices import CatalogItemStatus, Visibility
from steward.service_level.filters.common import customer_choices, service_choices
from steward.service_level.models import CatalogItem


class CatalogItemFilterSet(SearchFilterSet):
    search_fields = ("number", "name", "summary", "description", "category")
    status = django_filters.ChoiceFilter(choices=CatalogItemStatus.choices)
    visibility = django_filters.ChoiceFilter(choices=Visibility.choices)
    service = django_filters.ModelChoiceFilter(queryset=service_choices)
    customer = django_filters.ModelChoiceFilter(queryset=customer_choices)
    category = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = CatalogItem
        fields = ["status", "visibility", "service", "customer", "category"]
