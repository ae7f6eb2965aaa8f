"""Background jobs of Release Management. Importing this module (from
``ReleasesConfig.ready``) registers the periodic jobs; each is idempotent."""

from django_tasks import task

from steward.core.scheduler import periodic

# --- cabs: CABs, meetings and votes (proc. 2) -------------------------------------------
# (section owned by the cabs topic)


@periodic("releases.meeting_reminders", "0 8 * * *")
@task()
def meeting_reminders() -> int:
    """Remind the release coordinators of CAB meetings whose submission deadline passed
    and whose list is not finalised (once per meeting)."""
    from steward.releases.services import cabs as _cabs

    return _cabs.meeting_reminders()
