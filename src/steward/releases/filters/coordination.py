"""The release change filter set of /api/v1/release-changes/."""

import django_filters
from django.db.models import QuerySet

from steward.core.filters import IdFilter, SearchFilterSet
from steward.releases.choices import PlanItemStatus
from steward.releases.models import ReleasePlanItem


class ReleaseChangeFilterSet(SearchFilterSet):
    search_fields = ("title", "release__number")
    release = IdFilter(field_name="release_id", label="Release (id)")
    service = IdFilter(field_name="service_id", label="Service (id)")
    change_coordinator = IdFilter(field_name="change_coordinator_id",
                                  label="Change coordinator (id)")  # fmt: skip
    status = django_filters.MultipleChoiceFilter(choices=PlanItemStatus.choices)
    mine = django_filters.ChoiceFilter(
        choices=[("sent", "Requirements sent to me")], method="filter_mine", label="Mine"
    )

    class Meta:
        model = ReleasePlanItem
        fields = ["status"]

    def filter_mine(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user if self.request is not None else None
        if user is None:
            return queryset.none()
        return queryset.filter(change_coordinator_id=user.pk, status=PlanItemStatus.REQUESTED)
