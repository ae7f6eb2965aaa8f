"""Filter sets of the deployment side of Release Management (seed 004): the stages and
rollbacks of a release, for /api/v1/deployment-stages/ and /api/v1/release-rollbacks/."""

import django_filters

from steward.core.filters import IdFilter
from steward.releases.models import DeploymentStage, Rollback


class StageFilterSet(django_filters.FilterSet):
    release = IdFilter(field_name="release_id", label="Release (id)")

    class Meta:
        model = DeploymentStage
        fields = ["release"]


class RollbackFilterSet(django_filters.FilterSet):
    release = IdFilter(field_name="release_id", label="Release (id)")

    class Meta:
        model = Rollback
        fields = ["release"]
