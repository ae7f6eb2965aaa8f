"""The request-for-change handling filter set, shared by the queue page and
/api/v1/release-requests/."""

import django_filters
from django.db.models import QuerySet

from steward.core.filters import IdFilter, SearchFilterSet
from steward.releases.choices import OPEN_HANDLING_STATUSES, HandlingStatus
from steward.releases.models import RfcHandling

SHOW = [("open", "Open"), ("all", "All")]


class HandlingFilterSet(SearchFilterSet):
    search_fields = ("rfc__number", "rfc__title")
    show = django_filters.ChoiceFilter(choices=SHOW, method="filter_show", label="Show")
    status = django_filters.MultipleChoiceFilter(choices=HandlingStatus.choices)
    service = IdFilter(field_name="service_id", label="Service (id)")
    release = IdFilter(field_name="release_id", label="Release (id)")
    rfc = IdFilter(field_name="rfc_id", label="Request for change (id)")
    coordinator = IdFilter(field_name="coordinator_id", label="Reviewed by (id)")

    class Meta:
        model = RfcHandling
        fields = ["status"]

    def filter_show(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "all":
            return queryset
        return queryset.filter(status__in=OPEN_HANDLING_STATUSES)
