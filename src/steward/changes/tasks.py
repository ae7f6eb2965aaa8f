"""Background jobs of Change Management. Importing this module (from
``ChangesConfig.ready``) registers the periodic jobs; each is idempotent."""

# --- approvals: approval (proc. 3) ---------------------------------
from django_tasks import task

from steward.changes.services import approvals as _approvals
from steward.core.scheduler import periodic


@periodic("changes.approval_reminders", "0 8 * * 1-5")
@task()
def approval_reminders() -> int:
    """Remind approvers whose approval waits more than two business days (proc. 3)."""
    return _approvals.approval_reminders()
