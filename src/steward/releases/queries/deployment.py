"""Reads of the deployment side of Release Management (seed 004): release policies, the
stages, baselines and rollbacks of a release. Staff with ``releases.release.view`` see
them all, as they see releases."""

from typing import Any

from django.db.models import QuerySet

from steward.core import queries
from steward.core.models import Person
from steward.releases.models import (
    DeploymentStage,
    Release,
    ReleaseBaseline,
    ReleasePolicy,
    Rollback,
)
from steward.releases.queries.releases import _staff


def policies_for(actor: Person) -> QuerySet[ReleasePolicy]:
    qs = ReleasePolicy.objects.select_related("service")
    return qs if _staff(actor) else qs.none()


def policy_for(actor: Person, pk: Any) -> ReleasePolicy:
    return queries.one(policies_for(actor), pk, "release policy")


def stages_of(release: Release) -> QuerySet[DeploymentStage]:
    return release.stages.select_related("transferred_by")


def baselines_of(release: Release) -> QuerySet[ReleaseBaseline]:
    return release.baselines.select_related("baseline", "baseline__taken_by").order_by(
        "created_at", "pk"
    )


def rollbacks_of(release: Release) -> QuerySet[Rollback]:
    return release.rollbacks.select_related("baseline", "performed_by")


def emergency_releases_for(actor: Person) -> QuerySet[Release]:
    from steward.releases.choices import ReleaseType
    from steward.releases.queries.releases import releases_for

    return releases_for(actor).filter(release_type=ReleaseType.EMERGENCY)
