"""The problem investigation filter set, shared by the list page and /api/v1/problems/."""

import django_filters
from django.db.models import QuerySet

from steward.core.filters import IdFilter, IsoDateTimeFilter, SearchFilterSet
from steward.problems.choices import OPEN_PROBLEM_STATUSES, ProblemSource, ProblemStatus
from steward.problems.models import ProblemInvestigation

SHOW = [("open", "Open"), ("all", "All")]


class ProblemFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "service__name", "root_cause")
    show = django_filters.ChoiceFilter(choices=SHOW, method="filter_show", label="Show")
    status = django_filters.MultipleChoiceFilter(choices=ProblemStatus.choices)
    source = django_filters.ChoiceFilter(choices=ProblemSource.choices)
    service = IdFilter(field_name="service_id", label="Service (id)")
    specialist = IdFilter(field_name="specialist_id", label="Specialist (id)")
    coordinator = IdFilter(field_name="coordinator_id", label="Problem coordinator (id)")
    incident = IdFilter(field_name="incident_links__incident", label="Linked incident (id)")
    ci = IdFilter(field_name="cis", label="Concerns CI (id)", distinct=True)
    # What a KPI cell counted (the kpis topic): its links come here with these.
    created_after = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Registered from"
    )
    created_before = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Registered before"
    )
    mine = django_filters.ChoiceFilter(
        choices=[("assigned", "Assigned to me"), ("coordinated", "Coordinated by me")],
        method="filter_mine",
        label="Mine",
    )

    class Meta:
        model = ProblemInvestigation
        fields = ["status", "source"]

    def filter_show(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(status__in=OPEN_PROBLEM_STATUSES)
        return queryset

    def filter_mine(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user if self.request is not None else None
        if user is None:
            return queryset.none()
        if value == "assigned":
            return queryset.filter(specialist_id=user.pk)
        return queryset.filter(coordinator_id=user.pk)
