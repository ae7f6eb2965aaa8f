"""The business case filter set, shared by the list page and /api/v1/business-cases/."""

import django_filters
from django.db.models import QuerySet

from steward.core.filters import IdFilter, SearchFilterSet
from steward.releases.choices import BusinessCaseStatus
from steward.releases.models import BusinessCase
from steward.releases.queries.justification import to_approve_filter

SHOW = [("open", "Open (draft or waiting)"), ("all", "All")]


class BusinessCaseFilterSet(SearchFilterSet):
    search_fields = ("number", "release__number", "release__title", "release__service__name")
    show = django_filters.ChoiceFilter(choices=SHOW, method="filter_show", label="Show")
    status = django_filters.MultipleChoiceFilter(choices=BusinessCaseStatus.choices)
    service = IdFilter(field_name="release__service_id", label="Service (id)")
    release = IdFilter(field_name="release_id", label="Release (id)")
    mine = django_filters.ChoiceFilter(
        choices=[("to_approve", "Waiting for my approval")], method="filter_mine", label="Mine"
    )

    class Meta:
        model = BusinessCase
        fields = ["status"]

    def filter_show(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(status__in=(BusinessCaseStatus.DRAFT,
                                               BusinessCaseStatus.SUBMITTED))  # fmt: skip
        return queryset

    def filter_mine(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user if self.request is not None else None
        if user is None or not getattr(user, "is_authenticated", False):
            return queryset.none()
        return to_approve_filter(user, queryset)
