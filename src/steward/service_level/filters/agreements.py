"""Filter sets of agreements and service level targets (pages, htmx partials and the API)."""

import django_filters

from steward.core.choices import Priority
from steward.core.filters import SearchFilterSet
from steward.service_level.choices import AgreementKind, AgreementStatus, TargetKind
from steward.service_level.filters.common import (
    agreement_choices,
    customer_choices,
    group_choices,
    item_choices,
    organisation_choices,
    service_choices,
)
from steward.service_level.models import Agreement, ServiceLevelTarget


class AgreementFilterSet(SearchFilterSet):
    search_fields = ("number", "name", "description")
    kind = django_filters.ChoiceFilter(choices=AgreementKind.choices)
    status = django_filters.ChoiceFilter(choices=AgreementStatus.choices)
    service = django_filters.ModelChoiceFilter(queryset=service_choices)
    customer = django_filters.ModelChoiceFilter(queryset=customer_choices)
    support_group = django_filters.ModelChoiceFilter(queryset=group_choices)
    supplier = django_filters.ModelChoiceFilter(queryset=organisation_choices)

    class Meta:
        model = Agreement
        fields = ["kind", "status", "service", "customer", "support_group", "supplier"]


class ServiceLevelTargetFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=TargetKind.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    agreement = django_filters.ModelChoiceFilter(queryset=agreement_choices)
    catalog_item = django_filters.ModelChoiceFilter(queryset=item_choices)

    class Meta:
        model = ServiceLevelTarget
        fields = ["kind", "priority", "agreement", "catalog_item"]
