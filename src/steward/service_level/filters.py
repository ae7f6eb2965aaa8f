"""One filter set per model of Service Level Management, shared by pages, htmx partials and
the API. Choice filters offer only the records the requesting person may see, so a filter
never reveals a record's existence."""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from steward.core.choices import Priority
from steward.core.filters import IsoDateTimeFilter, SearchFilterSet
from steward.core.models import Organisation, Person, SupportGroup
from steward.core.queries import groups_for, organisations_for, people_for
from steward.service_level import queries
from steward.service_level.choices import (
    AgreementKind,
    AgreementStatus,
    CatalogItemStatus,
    ReviewStatus,
    ServiceStatus,
    TargetKind,
    Visibility,
)
from steward.service_level.models import (
    Agreement,
    CatalogItem,
    Outage,
    Service,
    ServiceLevelTarget,
    SlaReview,
)


def _visible(query: Any, model: type) -> Any:
    """A queryset callable for ModelChoiceFilter: what the request's user may see."""

    def choices(request: Any) -> QuerySet:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return model.objects.none()
        return query(user)

    return choices


_services = _visible(queries.services_for, Service)
_customers = _visible(queries.customers_for, Organisation)
_organisations = _visible(organisations_for, Organisation)
_people = _visible(people_for, Person)
_groups = _visible(groups_for, SupportGroup)
_agreements = _visible(queries.agreements_for, Agreement)
_items = _visible(queries.catalog_items_for, CatalogItem)


# A real date picker in the list filters (the API reads the same ISO dates).
_DATE = forms.DateInput(attrs={"type": "date"})


class ServiceFilterSet(SearchFilterSet):
    search_fields = ("number", "name", "description")
    status = django_filters.ChoiceFilter(choices=ServiceStatus.choices)
    owner = django_filters.ModelChoiceFilter(queryset=_people)
    customer = django_filters.ModelChoiceFilter(
        field_name="customers", queryset=_customers, distinct=True
    )

    class Meta:
        model = Service
        fields = ["status", "owner", "customer"]


class CatalogItemFilterSet(SearchFilterSet):
    search_fields = ("number", "name", "summary", "description", "category")
    status = django_filters.ChoiceFilter(choices=CatalogItemStatus.choices)
    visibility = django_filters.ChoiceFilter(choices=Visibility.choices)
    service = django_filters.ModelChoiceFilter(queryset=_services)
    customer = django_filters.ModelChoiceFilter(queryset=_customers)
    category = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = CatalogItem
        fields = ["status", "visibility", "service", "customer", "category"]


class AgreementFilterSet(SearchFilterSet):
    search_fields = ("number", "name", "description")
    kind = django_filters.ChoiceFilter(choices=AgreementKind.choices)
    status = django_filters.ChoiceFilter(choices=AgreementStatus.choices)
    service = django_filters.ModelChoiceFilter(queryset=_services)
    customer = django_filters.ModelChoiceFilter(queryset=_customers)
    support_group = django_filters.ModelChoiceFilter(queryset=_groups)
    supplier = django_filters.ModelChoiceFilter(queryset=_organisations)

    class Meta:
        model = Agreement
        fields = ["kind", "status", "service", "customer", "support_group", "supplier"]


class ServiceLevelTargetFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=TargetKind.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    agreement = django_filters.ModelChoiceFilter(queryset=_agreements)
    catalog_item = django_filters.ModelChoiceFilter(queryset=_items)

    class Meta:
        model = ServiceLevelTarget
        fields = ["kind", "priority", "agreement", "catalog_item"]


class SlaReviewFilterSet(SearchFilterSet):
    search_fields = ("number", "customer__name", "minutes")
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)
    customer = django_filters.ModelChoiceFilter(queryset=_customers)
    term_end_after = django_filters.DateFilter(
        field_name="term_end", lookup_expr="gte", label="Term ends on or after", widget=_DATE
    )
    term_end_before = django_filters.DateFilter(
        field_name="term_end", lookup_expr="lte", label="Term ends on or before", widget=_DATE
    )

    class Meta:
        model = SlaReview
        fields = ["status", "customer"]


class OutageFilterSet(django_filters.FilterSet):
    service = django_filters.ModelChoiceFilter(queryset=_services)
    planned = django_filters.BooleanFilter()
    degraded = django_filters.BooleanFilter()
    started_after = IsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label="Started at or after"
    )
    started_before = IsoDateTimeFilter(
        field_name="started_at", lookup_expr="lte", label="Started at or before"
    )

    class Meta:
        model = Outage
        fields = ["service", "planned", "degraded"]
