"""Reads of baselines, restricted to what the actor may see.

Seeing and comparing baselines needs ``configuration.ci.view`` (provider people); taking
one needs ``configuration.baseline.change``, checked by the service. Customer-side
people see none of them.
"""

from typing import Any

from django.db.models import Count, QuerySet

from steward.configuration.models import Baseline, BaselineItem
from steward.configuration.queries.cis import VIEW
from steward.core.models import Person
from steward.core.queries import one, permitted


def baselines_for(actor: Person) -> QuerySet[Baseline]:
    baselines = Baseline.objects.select_related("service", "taken_by")
    return permitted(actor, VIEW, baselines.annotate(item_count=Count("items")))


def baseline_for(actor: Person, pk: Any) -> Baseline:
    """One baseline the actor may see (404 otherwise)."""
    return one(baselines_for(actor), pk)


def baseline_items_for(actor: Person, baseline: Baseline) -> QuerySet[BaselineItem]:
    """The baseline's CIs, by number, with their current class and name."""
    items = BaselineItem.objects.filter(baseline=baseline).select_related("ci", "ci__ci_class")
    return permitted(actor, VIEW, items.order_by("ci__number"))
