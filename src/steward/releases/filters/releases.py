"""The release filter set, shared by the list page and /api/v1/releases/."""

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, QuerySet

from steward.core.filters import IdFilter, IsoDateTimeFilter, SearchFilterSet
from steward.releases.choices import OPEN_RELEASE_STATUSES, ReleaseStatus, ReleaseType
from steward.releases.models import Release, Rollback
from steward.releases.queries.kpis import delivered_q, punctuality_q

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

    # --- (section owned by the kpis topic) ------------------------------------------------
    # What a Release KPI cell counted (queries/kpis.py): its links come to the list with
    # these, and the list shows exactly those releases.
    is_backlog = django_filters.BooleanFilter(label="Backlog release")
    delivered_after = IsoDateTimeFilter(method="filter_delivered", label="Delivered from")
    delivered_before = IsoDateTimeFilter(method="filter_delivered", label="Delivered before")
    production_after = IsoDateTimeFilter(field_name="production_at", lookup_expr="gte",
                                         label="In production from")  # fmt: skip
    production_before = IsoDateTimeFilter(field_name="production_at", lookup_expr="lt",
                                          label="In production before")  # fmt: skip
    on_time = django_filters.ChoiceFilter(
        choices=[("on_time", "On time"), ("late", "Late"), ("no_target", "No target date")],
        method="filter_on_time",
        label="On time",
    )
    rolled_back_after = IsoDateTimeFilter(method="filter_rolled_back", label="Rolled back from")
    rolled_back_before = IsoDateTimeFilter(method="filter_rolled_back",
                                           label="Rolled back before")  # fmt: skip

    def filter_delivered(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        """In production in the range, or closed in it without reaching production."""
        if name == "delivered_after":
            return queryset.filter(delivered_q(value, None))
        return queryset.filter(delivered_q(None, value))

    def filter_on_time(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(punctuality_q(value))

    def filter_rolled_back(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        """With a rollback performed in the range (one rollback within both bounds)."""
        data = self.form.cleaned_data
        after, before = data.get("rolled_back_after"), data.get("rolled_back_before")
        if name == "rolled_back_before" and after is not None:
            return queryset  # the "after" filter applied both bounds
        done = Rollback.objects.filter(release_id=OuterRef("pk"))
        if after is not None:
            done = done.filter(performed_at__gte=after)
        if before is not None:
            done = done.filter(performed_at__lt=before)
        return queryset.filter(Exists(done))
