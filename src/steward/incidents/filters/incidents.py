"""The incident request filter set, shared by the list pages and /api/v1/incidents/.
Group, service and customer choices are those the requesting person may see."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from steward.core import permissions
from steward.core.choices import Priority
from steward.core.filters import IdFilter, SearchFilterSet
from steward.core.models import Organisation, SupportGroup
from steward.incidents.choices import OPEN_STATUSES, Channel, IncidentStatus
from steward.incidents.models import IncidentRequest
from steward.service_level.models import Service


def _user(request: Any) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _groups(request: Any) -> QuerySet:
    user = _user(request)
    if user is None or permissions.is_customer_side(user):
        return SupportGroup.objects.none()
    return SupportGroup.objects.all()


def _services(request: Any) -> QuerySet:
    from steward.service_level.queries import services_for

    user = _user(request)
    return services_for(user) if user is not None else Service.objects.none()


def _customers(request: Any) -> QuerySet:
    user = _user(request)
    if user is None:
        return Organisation.objects.none()
    qs = Organisation.objects.all()
    if permissions.is_customer_side(user):
        qs = qs.filter(pk__in=permissions.customer_organisation_ids(user))
    return qs


class IncidentFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "description")
    # distinct=False: no join here can repeat a row, and DISTINCT would sort every match.
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    support_group = django_filters.ModelChoiceFilter(queryset=_groups, label="Group")
    assignee = IdFilter(field_name="assignee_id", label="Assignee (id)")
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", label="Nobody assigned"
    )
    service = django_filters.ModelChoiceFilter(queryset=_services)
    customer = django_filters.ModelChoiceFilter(queryset=_customers)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    mine = django_filters.BooleanFilter(
        method="filter_mine", label="Mine (assigned to me or requested by me)"
    )
    open = django_filters.BooleanFilter(method="filter_open", label="Open only")

    class Meta:
        model = IncidentRequest
        fields = ["status", "priority", "support_group", "service", "customer", "channel"]

    def filter_mine(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        user = _user(self.request)
        if not value or user is None:
            return queryset
        return queryset.filter(Q(assignee_id=user.pk) | Q(requester_id=user.pk))

    def filter_open(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)
