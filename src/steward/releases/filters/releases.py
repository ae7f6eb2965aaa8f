"""The release filter set, shared by the list page and /api/v1/releases/."""

import django_filters
from django.db.models import QuerySet

from steward.core.filters import IdFilter, IsoDateTimeFilter, SearchFilterSet
from steward.releases.choices import OPEN_RELEASE_STATUSES, ReleaseStatus, ReleaseType
from steward.releases.models import Release

SHOW = [("open", "Open"), ("all", "All"), ("backlog", "Backlog releases")]


class ReleaseFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "service__name")
    show = django_filters.ChoiceFilter(choices=SHOW, method="filter_show", label="Show")
    status = django_filters.MultipleChoiceFilter(choices=ReleaseStatus.choices)
    release_type = django_filters.ChoiceFilter(choices=ReleaseType.choices, label="Type")
    service = IdFilter(field_name="service_id", label="Service (id)")
    coordinator = IdFilter(field_name="coordinator_id", label="Release coordinator (id)")
    cab_defined = django_filters.BooleanFilter(label="Defined by a CAB")
    # What a KPI cell counted (the kpis topic): its links come here with these.
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte",
                                      label="Registered from")  # fmt: skip
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt",
                                       label="Registered before")  # fmt: skip
    mine = django_filters.ChoiceFilter(
        choices=[("coordinated", "Coordinated by me")], method="filter_mine", label="Mine"
    )

    class Meta:
        model = Release
        fields = ["status", "release_type"]

    def filter_show(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(status__in=OPEN_RELEASE_STATUSES)
        if value == "backlog":
            return queryset.filter(is_backlog=True)
        return queryset

    def filter_mine(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user if self.request is not None else None
        if user is None:
            return queryset.none()
        return queryset.filter(coordinator_id=user.pk)
