"""The supplier filter set, shared by the supplier list page and /api/v1/suppliers/."""

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from steward.configuration.services.suppliers import CONTACT_DETAILS_MAX_AGE_DAYS
from steward.core.filters import SearchFilterSet
from steward.core.models import Organisation


class SupplierFilterSet(SearchFilterSet):
    search_fields = ("name", "code", "email", "supplier_details__supplies")
    is_active = django_filters.BooleanFilter()
    details_current = django_filters.BooleanFilter(
        method="filter_details_current",
        label="Contact details confirmed this year",
    )

    class Meta:
        model = Organisation
        fields = ["is_active"]

    def filter_details_current(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        since = timezone.now() - dt.timedelta(days=CONTACT_DETAILS_MAX_AGE_DAYS)
        current = Q(supplier_details__contact_details_checked_at__gte=since)
        return queryset.filter(current) if value else queryset.exclude(current)
