"""The solution filter set, shared by the solution list page and /api/v1/solutions/.

``q`` is the full-text search of ``steward.incidents.search`` (PostgreSQL full-text search,
every word on SQLite), ordered by relevance; the list keeps that order unless a column
sort is asked for."""

from typing import Any

import django_filters
from django.db.models import QuerySet

from steward.core.filters import SearchFilterSet, choices_for, request_actor
from steward.core.models import SupportGroup
from steward.core.queries import groups_for
from steward.incidents import search
from steward.incidents.choices import SolutionStatus
from steward.incidents.models import Solution
from steward.incidents.queries.solutions import approvable_condition
from steward.service_level.models import Service
from steward.service_level.queries import services_for


class SolutionFilterSet(SearchFilterSet):
    status = django_filters.ChoiceFilter(choices=SolutionStatus.choices)
    service = django_filters.ModelChoiceFilter(queryset=choices_for(services_for, Service))
    is_workaround = django_filters.BooleanFilter(label="Workaround")
    support_group = django_filters.ModelChoiceFilter(
        queryset=choices_for(groups_for, SupportGroup), label="Group"
    )
    awaiting_me = django_filters.BooleanFilter(
        method="filter_awaiting_me", label="Waiting for my approval"
    )

    class Meta:
        model = Solution
        fields = ["status", "service", "is_workaround", "support_group"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not (value or "").strip():
            return queryset
        return search.match_solutions(queryset, value)

    def filter_awaiting_me(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if not value:
            return queryset
        actor = request_actor(self.request)
        condition = approvable_condition(actor) if actor else None
        if condition is None:
            return queryset.none()
        return queryset.filter(condition, status=SolutionStatus.PROPOSED)
