"""Reads of the release changes (``ReleasePlanItem``, proc. 2 and 4), restricted to the
actor as the releases are: staff with ``releases.release.view`` see them all."""

from typing import Any

from django.db.models import QuerySet

from steward.core import queries
from steward.core.models import Person
from steward.releases.choices import PlanItemStatus
from steward.releases.models import ReleasePlanItem
from steward.releases.queries.releases import _staff


def plan_items_for(actor: Person) -> QuerySet[ReleasePlanItem]:
    qs = ReleasePlanItem.objects.select_related(
        "release", "release__service", "service", "change_coordinator", "request",
        "request__change",
    ).prefetch_related("rfcs", "depends_on")  # fmt: skip
    return qs if _staff(actor) else qs.none()


def plan_item_for(actor: Person, pk: Any) -> ReleasePlanItem:
    return queries.one(plan_items_for(actor), pk, "release change")


def sent_to(actor: Person) -> QuerySet[ReleasePlanItem]:
    """The release changes whose requirements were sent to ``actor`` and are under way."""
    return plan_items_for(actor).filter(
        change_coordinator_id=getattr(actor, "pk", None), status=PlanItemStatus.REQUESTED
    )
