"""The CAB and CAB meeting filter sets, shared by the list pages and the API."""

import django_filters
from django.db.models import QuerySet

from steward.core.filters import IdFilter, SearchFilterSet
from steward.releases.choices import MeetingStatus
from steward.releases.models import Cab, CabMeeting

UPCOMING = (MeetingStatus.SCHEDULED, MeetingStatus.INVITED, MeetingStatus.AGENDA_FINAL,
            MeetingStatus.IN_SESSION)  # fmt: skip
SHOW = [("upcoming", "Upcoming and in session"), ("past", "Held or cancelled")]


class CabFilterSet(SearchFilterSet):
    search_fields = ("name", "service__name", "usual_place")
    service = IdFilter(field_name="service_id", label="Service (id)")

    class Meta:
        model = Cab
        fields: list[str] = []


class CabMeetingFilterSet(SearchFilterSet):
    search_fields = ("number", "cab__name", "cab__service__name", "place")
    show = django_filters.ChoiceFilter(choices=SHOW, method="filter_show", label="Show")
    status = django_filters.MultipleChoiceFilter(choices=MeetingStatus.choices)
    cab = IdFilter(field_name="cab_id", label="CAB (id)")
    service = IdFilter(field_name="cab__service_id", label="Service (id)")

    class Meta:
        model = CabMeeting
        fields = ["status"]

    def filter_show(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "upcoming":
            return queryset.filter(status__in=UPCOMING)
        if value == "past":
            return queryset.exclude(status__in=UPCOMING)
        return queryset
