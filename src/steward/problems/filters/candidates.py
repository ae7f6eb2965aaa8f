"""The problem candidate filter set, shared by the list page and /api/v1/problem-candidates/."""

import django_filters

from steward.core.filters import IdFilter, SearchFilterSet
from steward.problems.choices import CandidateStatus
from steward.problems.models import ProblemCandidate


class CandidateFilterSet(SearchFilterSet):
    search_fields = ("label", "service__name")
    status = django_filters.ChoiceFilter(choices=CandidateStatus.choices, empty_label="Any")
    service = IdFilter(field_name="service_id", label="Service (id)")
    category = IdFilter(field_name="category_id", label="Category (id)")
    ci = IdFilter(field_name="ci_id", label="CI (id)")
    incident = IdFilter(field_name="incidents", label="Holds incident (id)", distinct=True)

    class Meta:
        model = ProblemCandidate
        fields = ["status"]
