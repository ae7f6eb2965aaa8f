"""The contract filter set, shared by the contract list page and /api/v1/contracts/.
The supplier choices are the suppliers the requesting person may see."""

from typing import Any

import django_filters
from django.db.models import QuerySet

from steward.configuration.choices import ContractKind, ContractStatus
from steward.configuration.models import Contract
from steward.configuration.queries.contracts import ending_within
from steward.configuration.queries.suppliers import suppliers_for
from steward.core.filters import IdFilter, SearchFilterSet, choices_for
from steward.core.models import Organisation


class ContractFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "supplier_reference", "supplier__name")
    kind = django_filters.ChoiceFilter(choices=ContractKind.choices)
    status = django_filters.ChoiceFilter(choices=ContractStatus.choices)
    supplier = django_filters.ModelChoiceFilter(queryset=choices_for(suppliers_for, Organisation))
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring_within",
        label="Active and ending within (days)",
        min_value=0,
        max_value=3660,
    )
    ci = IdFilter(field_name="cis", label="Covers CI (id)", distinct=True)
    licensed_software = IdFilter(
        field_name="licensed_software_id", label="Licenses software CI (id)"
    )

    class Meta:
        model = Contract
        fields = ["kind", "status", "supplier"]

    def filter_expiring_within(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        return ending_within(queryset, int(value))
