"""The known error filter set, shared by the list page and /api/v1/known-errors/."""

import django_filters
from django.db.models import QuerySet

from steward.core.filters import IdFilter, SearchFilterSet
from steward.problems.choices import OPEN_KNOWN_ERROR_STATUSES, KnownErrorStatus
from steward.problems.models import KnownError

SHOW = [("open", "Open"), ("all", "All")]


class KnownErrorFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "service__name", "root_cause", "workaround")
    show = django_filters.ChoiceFilter(choices=SHOW, method="filter_show", label="Show")
    status = django_filters.MultipleChoiceFilter(choices=KnownErrorStatus.choices)
    service = IdFilter(field_name="service_id", label="Service (id)")
    problem = IdFilter(field_name="problem_id", label="Problem investigation (id)")

    class Meta:
        model = KnownError
        fields = ["status"]

    def filter_show(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(status__in=OPEN_KNOWN_ERROR_STATUSES)
        return queryset
