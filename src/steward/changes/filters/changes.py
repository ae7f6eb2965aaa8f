"""The change filter set, shared by the change list page and /api/v1/changes/."""

import django_filters

from steward.changes.choices import ChangeCategory, ChangeStatus, ChangeType
from steward.changes.models import Change
from steward.core.filters import IdFilter, IsoDateTimeFilter, SearchFilterSet


class ChangeFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "service__name")
    status = django_filters.MultipleChoiceFilter(choices=ChangeStatus.choices)
    change_type = django_filters.ChoiceFilter(choices=ChangeType.choices, label="Type")
    category = django_filters.ChoiceFilter(choices=ChangeCategory.choices)
    service = IdFilter(field_name="service_id", label="Service (id)")
    coordinator = IdFilter(field_name="coordinator_id", label="Change coordinator (id)")
    ci = IdFilter(field_name="cis", label="Touches CI (id)", distinct=True)
    starts_after = IsoDateTimeFilter(field_name="planned_start", lookup_expr="gte")
    starts_before = IsoDateTimeFilter(field_name="planned_start", lookup_expr="lt")

    class Meta:
        model = Change
        fields = ["status", "change_type", "category"]
