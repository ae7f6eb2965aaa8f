"""Reads of baselines, restricted to what the actor may see.

Seeing and comparing baselines needs ``configuration.ci.view`` (provider people); taking
one needs ``configuration.baseline.change``, checked by the service. Customer-side
people see none of them.
"""

from typing import Any

from django.db.models import Count, QuerySet

from steward.configuration.models import Baseline, BaselineItem
from steward.configuration.queries.cis import _may_view, _one
from steward.core.models import Person


def baselines_for(actor: Person) -> QuerySet[Baseline]:
    if not _may_view(actor):
        return Baseline.objects.none()
    return Baseline.objects.select_related("service", "taken_by").annotate(
        item_count=Count("items")
    )


def baseline_for(actor: Person, pk: Any) -> Baseline:
    """One baseline the actor may see (404 otherwise)."""
    return _one(baselines_for(actor), pk)


def baseline_items_for(actor: Person, baseline: Baseline) -> QuerySet[BaselineItem]:
    """The baseline's CIs, by number, with their current class and name."""
    if not _may_view(actor):
        return BaselineItem.objects.none()
    return (
        BaselineItem.objects.filter(baseline=baseline)
        .select_related("ci", "ci__ci_class")
        .order_by("ci__number")
    )
