"""Reads of the CMDB integrity runs, restricted to what the actor may see.

The reports need ``configuration.ci.view`` (provider people); running the checks on
demand needs ``configuration.integrity.run``, checked by the service.
"""

from typing import Any

from django.db.models import QuerySet

from steward.configuration.choices import IntegrityCheck
from steward.configuration.models import IntegrityRun
from steward.configuration.queries.cis import VIEW
from steward.core.models import Person
from steward.core.queries import one, permitted

TREND_RUNS = 30


def integrity_runs_for(actor: Person) -> QuerySet[IntegrityRun]:
    runs = IntegrityRun.objects.select_related("actor").order_by("-started_at", "-pk")
    return permitted(actor, VIEW, runs)


def integrity_run_for(actor: Person, pk: Any) -> IntegrityRun:
    """One run the actor may see (404 otherwise)."""
    return one(integrity_runs_for(actor), pk)


def latest_integrity_run(actor: Person) -> IntegrityRun | None:
    return integrity_runs_for(actor).first()


def integrity_trend(actor: Person, *, runs: int = TREND_RUNS) -> list[dict[str, Any]]:
    """The counts of the last ``runs`` runs, oldest first, one row per run:
    ``{"id", "started_at", "trigger", "counts": {check: count}}`` (0 for a check a run
    did not record). Reads only the counts, not the findings."""
    rows = integrity_runs_for(actor).values("id", "started_at", "trigger", "counts")[:runs]
    return [
        {
            "id": row["id"],
            "started_at": row["started_at"],
            "trigger": row["trigger"],
            "counts": {c: int((row["counts"] or {}).get(c, 0)) for c in IntegrityCheck.values},
        }
        for row in reversed(list(rows))
    ]
