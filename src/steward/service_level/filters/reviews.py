"""The filter set of SLA reviews (pages, htmx partials and the API)."""

import django_filters

from steward.core.filters import SearchFilterSet
from steward.service_level.choices import ReviewStatus
from steward.service_level.filters.common import DATE_INPUT, customer_choices
from steward.service_level.models import SlaReview


class SlaReviewFilterSet(SearchFilterSet):
    search_fields = ("number", "customer__name", "minutes")
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)
    customer = django_filters.ModelChoiceFilter(queryset=customer_choices)
    term_end_after = django_filters.DateFilter(
        field_name="term_end", lookup_expr="gte", label="Term ends on or after", widget=DATE_INPUT
    )
    term_end_before = django_filters.DateFilter(
        field_name="term_end", lookup_expr="lte", label="Term ends on or before", widget=DATE_INPUT
    )

    class Meta:
        model = SlaReview
        fields = ["status", "customer"]
