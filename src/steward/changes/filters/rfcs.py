"""The request-for-change filter set, shared by the list page and
/api/v1/requests-for-change/ (seed 003 ch. 3 proc. 1)."""

import django_filters
from django.db.models import QuerySet

from steward.changes.choices import RfcSource, RfcStatus
from steward.changes.models import RequestForChange
from steward.core.filters import IdFilter, SearchFilterSet

SHOW = [("to_review", "To review"), ("all", "All")]


class RfcFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "service__name", "origin_reference")
    show = django_filters.ChoiceFilter(
        choices=SHOW, method="filter_show", label="Show", empty_label=None
    )
    status = django_filters.MultipleChoiceFilter(choices=RfcStatus.choices)
    source = django_filters.ChoiceFilter(choices=RfcSource.choices)
    service = IdFilter(field_name="service_id", label="Service (id)")
    incident = IdFilter(field_name="incident_id", label="Incident request (id)")

    class Meta:
        model = RequestForChange
        fields = ["status", "source"]

    def filter_show(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "to_review":
            return queryset.filter(status=RfcStatus.SUBMITTED)
        return queryset
