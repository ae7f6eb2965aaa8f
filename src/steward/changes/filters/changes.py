"""The change filter set, shared by the change list page and /api/v1/changes/."""

import django_filters
from django.db.models import QuerySet

from steward.changes.choices import ChangeCategory, ChangeStatus, ChangeType
from steward.changes.models import Change
from steward.core.filters import IdFilter, IsoDateTimeFilter, SearchFilterSet


class ChangeFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "service__name")
    status = django_filters.MultipleChoiceFilter(choices=ChangeStatus.choices)
    change_type = django_filters.ChoiceFilter(choices=ChangeType.choices, label="Type")
    category = django_filters.ChoiceFilter(choices=ChangeCategory.choices)
    service = IdFilter(field_name="service_id", label="Service (id)")
    coordinator = IdFilter(field_name="coordinator_id", label="Change coordinator (id)")
    ci = IdFilter(field_name="cis", label="Touches CI (id)", distinct=True)
    starts_after = IsoDateTimeFilter(field_name="planned_start", lookup_expr="gte")
    starts_before = IsoDateTimeFilter(field_name="planned_start", lookup_expr="lt")
    mine = django_filters.ChoiceFilter(
        choices=[("coordinated", "Coordinated by me"), ("requested", "Requested by me")],
        method="filter_mine",
        label="Mine",
    )

    class Meta:
        model = Change
        fields = ["status", "change_type", "category"]

    def filter_mine(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user if self.request is not None else None
        if user is None:
            return queryset.none()
        if value == "coordinated":
            return queryset.filter(coordinator_id=user.pk)
        if value == "requested":
            return queryset.filter(requested_by_id=user.pk)
        return queryset
