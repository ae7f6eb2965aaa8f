"""The filter set of purchase requisitions, shared by the list page, its htmx partial and
the API. Choice filters offer only what the requesting person may see."""

import django_filters
from django.db.models import Q, QuerySet

from steward.configuration.choices import RequisitionStatus
from steward.configuration.models import PurchaseRequisition
from steward.configuration.queries import requisitions as queries
from steward.core.filters import SearchFilterSet, choices_for
from steward.core.models import Organisation


class RequisitionFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "task_reference", "order_reference")
    status = django_filters.MultipleChoiceFilter(choices=RequisitionStatus.choices)
    supplier = django_filters.ModelChoiceFilter(
        queryset=choices_for(queries.requisition_suppliers_for, Organisation),
        method="filter_supplier",
        label="Supplier (asked or ordered from)",
    )
    mine = django_filters.ChoiceFilter(
        choices=[
            ("requested", "Requested by me"),
            ("approval", "Waiting for my approval"),
            ("purchasing", "For me to price or order"),
        ],
        method="filter_mine",
        label="Mine",
    )
    needed_before = django_filters.DateFilter(
        field_name="needed_by", lookup_expr="lte", label="Needed by (on or before)"
    )

    class Meta:
        model = PurchaseRequisition
        fields = ["status"]

    def filter_supplier(
        self, queryset: QuerySet, name: str, value: Organisation | None
    ) -> QuerySet:
        if value is None:
            return queryset
        asked = PurchaseRequisition.suppliers.through.objects.filter(organisation_id=value.pk)
        return queryset.filter(
            Q(pk__in=asked.values("purchaserequisition_id")) | Q(ordered_from=value)
        )

    def filter_mine(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user
        if value == "requested":
            return queryset.filter(requested_by_id=user.pk)
        if value == "approval":
            return queryset.filter(pk__in=queries.awaiting_my_approval(user).values("pk"))
        if value == "purchasing":
            return queryset.filter(pk__in=queries.purchasing_work(user).values("pk"))
        return queryset
