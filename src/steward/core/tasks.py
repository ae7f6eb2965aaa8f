"""Core's periodic and background jobs: the outbox dispatcher, clocks, housekeeping.

The tasks that send one email batch or one webhook delivery live with their senders
(``notify.send_notification_emails``, ``webhooks.deliver_webhook``), which enqueue them.

Tasks are thin and idempotent: each one calls the domain code, which claims its work
before doing it, so a task that runs twice (a retry, two workers) does nothing twice.
Importing this module (from ``CoreConfig.ready``) registers the periodic jobs.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from steward.core import clocks, dispatcher, housekeeping
from steward.core.choices import ClockState
from steward.core.errors import InvalidTransition
from steward.core.models import KeptEmail, PeriodicJobRun, SecurityEvent, SlaClock
from steward.core.scheduler import periodic

JOB_RUNS_KEPT = timedelta(days=30)
TASK_RESULTS_KEPT = timedelta(days=14)
KEPT_EMAILS_KEPT = timedelta(days=30)


@periodic("core.dispatch_outbox", "* * * * *")
@task()
def dispatch_outbox() -> dict:
    """Send every email and webhook delivery that is due: retries after failures, and
    whatever the enqueue after commit missed (a crash, a broker outage, a lost job)."""
    return dispatcher.dispatch()


@periodic("core.sweep_orphan_files", "43 * * * *")
@task()
def sweep_orphan_files() -> int:
    """Delete stored attachment files that no attachment refers to (their upload's
    transaction never committed: the process was killed); returns how many."""
    return housekeeping.sweep_orphan_files()


@periodic("core.prune_job_runs", "17 3 * * *")
@task()
def prune_job_runs() -> int:
    """Forget periodic job slots older than 30 days; returns how many were deleted."""
    deleted, _ = PeriodicJobRun.objects.filter(slot__lt=timezone.now() - JOB_RUNS_KEPT).delete()
    return deleted


@periodic("core.prune_kept_emails", "47 3 * * *")
@task()
def prune_kept_emails() -> int:
    """Forget the emails kept in Steward (no mail server configured) after 30 days;
    returns how many were deleted."""
    cutoff = timezone.now() - KEPT_EMAILS_KEPT
    deleted, _ = KeptEmail.objects.filter(kept_at__lt=cutoff).delete()
    return deleted


@periodic("core.prune_security_events", "37 3 * * *")
@task()
def prune_security_events() -> int:
    """Delete security audit events older than ``STEWARD_SECURITY_LOG_DAYS`` (365 by default)."""
    cutoff = timezone.now() - timedelta(days=settings.STEWARD_SECURITY_LOG_DAYS)
    deleted, _ = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@periodic("core.prune_task_results", "27 3 * * *")
@task()
def prune_task_results() -> int:
    """Delete finished background task results older than 14 days (database backend only).

    The every-minute jobs alone add over a thousand rows a day to the task table.
    """
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return 0
    from django_tasks_db.models import DBTaskResult

    deleted, _ = (
        DBTaskResult.objects.finished()
        .filter(finished_at__lt=timezone.now() - TASK_RESULTS_KEPT)
        .delete()
    )
    return deleted


@periodic("core.sweep_sla_clocks", "* * * * *")
@task()
def sweep_sla_clocks() -> dict:
    """Send the SLA clock warnings and breaches that are due, each once per clock."""
    return clocks.sweep()


@task()
def recalculate_calendar_clocks(calendar_id: int) -> int:
    """Recompute warning and breach of the open clocks measured in a calendar that changed."""
    open_ids = SlaClock.objects.filter(
        calendar_id=calendar_id, state__in=[ClockState.RUNNING, ClockState.PAUSED]
    ).values_list("pk", flat=True)
    count = 0
    for clock_id in open_ids.iterator():
        try:
            clocks.clock_recalculate(clock_id=clock_id)
            count += 1
        except InvalidTransition:  # stopped in the meantime: nothing left to move
            continue
    return count
