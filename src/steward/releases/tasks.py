"""Background jobs of Release Management. Importing this module (from
``ReleasesConfig.ready``) registers the periodic jobs; each is idempotent."""

from django_tasks import task  # noqa: F401

from steward.core.scheduler import periodic  # noqa: F401

# --- cabs: CABs, meetings and votes (proc. 2) -------------------------------------------
# (section owned by the cabs topic)
