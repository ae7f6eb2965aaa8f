"""Reference data every installation starts with: the impact x urgency priority matrix
(editable afterwards in the admin). ``steward init`` adds the cells that are missing."""

from django.db import transaction

from steward.core import registry
from steward.incidents.models import PriorityMatrixEntry
from steward.incidents.services.routing import DEFAULT_PRIORITY_MATRIX


@registry.init_step
@transaction.atomic
def ensure_priority_matrix() -> dict[str, int]:
    """Add the default matrix cells that are missing; existing cells are kept as edited."""
    added = 0
    for (impact, urgency), priority in DEFAULT_PRIORITY_MATRIX.items():
        _, created = PriorityMatrixEntry.objects.get_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )
        added += int(created)
    return {"priority matrix cells": added}
