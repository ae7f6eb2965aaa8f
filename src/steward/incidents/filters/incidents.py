"""The incident request filter set, shared by the list pages and /api/v1/incidents/.
Group, service and customer choices are those the requesting person may see (the core and
service level reads, through ``core.filters.choices_for``).

``q`` is the full-text search of ``steward.incidents.search`` (customer-side people search
the customer document, staff the staff one), applied after the other filters so the search
ranks within what they leave; the result is ordered best first (``search_tier``,
``search_rank``) and ``is_ranked`` tells the list page and the API to keep that order."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from steward.core.choices import Priority
from steward.core.filters import (
    IdFilter,
    IsoDateTimeFilter,
    SearchFilterSet,
    choices_for,
    request_actor,
)
from steward.core.models import Organisation, SupportGroup
from steward.core.queries import groups_for, organisations_for
from steward.incidents import search
from steward.incidents.choices import OPEN_STATUSES, Channel, IncidentStatus
from steward.incidents.models import Category, IncidentRequest
from steward.incidents.queries.incidents import my_group_ids
from steward.service_level.models import Service
from steward.service_level.queries import services_for


def is_ranked(queryset: QuerySet) -> bool:
    """Whether ``queryset`` is a search result ordered by relevance (``q`` was given)."""
    return "search_rank" in queryset.query.annotations


class IncidentFilterSet(SearchFilterSet):
    # distinct=False: no join here can repeat a row, and DISTINCT would sort every match.
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    support_group = django_filters.ModelChoiceFilter(
        queryset=choices_for(groups_for, SupportGroup), label="Group"
    )
    # Ids, as the API takes them; the queue pages choose them from a list of the people
    # who can be assigned and a CI chooser (views/queues.py).
    assignee = IdFilter(field_name="assignee_id", label="Assignee")
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", label="Nobody assigned"
    )
    service = django_filters.ModelChoiceFilter(queryset=choices_for(services_for, Service))
    customer = django_filters.ModelChoiceFilter(
        queryset=choices_for(organisations_for, Organisation)
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.select_related("parent"), label="Category"
    )
    # What a report counted (issue 13): its bars and cells link here with these.
    created_after = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Registered from"
    )
    created_before = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Registered before"
    )
    # One CI matches a request once: no row repeats, no DISTINCT needed.
    ci = IdFilter(field_name="cis", label="Configuration item", distinct=False)
    no_group = django_filters.BooleanFilter(
        field_name="support_group", lookup_expr="isnull", label="Without a group"
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", label="Mine (assigned to me or requested by me)"
    )
    # ``open=all``: every status (the queue pages list the open ones unless told).
    open = django_filters.BooleanFilter(method="filter_open", label="Open only")
    my_groups = django_filters.BooleanFilter(method="filter_my_groups", label="My groups")

    class Meta:
        model = IncidentRequest
        fields = ["status", "priority", "support_group", "service", "customer", "channel"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # in filter_queryset, after the other filters

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        text = (self.form.cleaned_data.get("q") or "").strip()
        if not text:
            return queryset
        staff = search.staff_search(request_actor(self.request))
        return search.match_incidents(queryset, text, staff=staff)

    def filter_mine(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        user = request_actor(self.request)
        if not value or user is None:
            return queryset
        return queryset.filter(Q(assignee_id=user.pk) | Q(requester_id=user.pk))

    def filter_my_groups(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        user = request_actor(self.request)
        if not value or user is None:
            return queryset
        return queryset.filter(support_group_id__in=sorted(my_group_ids(user)))

    def filter_open(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)
