"""The scheduler enqueues each slot of a periodic job exactly once, however many run."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import task

from steward.core import scheduler, tasks
from steward.core.models import PeriodicJobRun, WorkerHeartbeat

pytestmark = pytest.mark.django_db

RUNS: list[str] = []
_runs_lock = threading.Lock()
SLOW = threading.Event()


@task()
def tick() -> None:
    """A job that only counts how often it ran (slowly when SLOW is set)."""
    if SLOW.is_set():
        time.sleep(0.3)  # hold the slot's transaction open while the other scheduler tries
    with _runs_lock:
        RUNS.append("tick")


@pytest.fixture
def jobs(monkeypatch):
    """An empty job registry with one job every five minutes."""
    monkeypatch.setattr(scheduler, "_JOBS", {})
    RUNS.clear()
    scheduler.periodic("test.tick", "*/5 * * * *", tick)
    yield
    RUNS.clear()


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2030, 1, 7, hour, minute, second, tzinfo=UTC)


def test_run_due_twice_for_the_same_time_enqueues_once(jobs):
    assert scheduler.run_due(now=at(12, 2)) == ["test.tick"]
    assert scheduler.run_due(now=at(12, 2)) == []
    assert scheduler.run_due(now=at(12, 4, 59)) == []  # still the 12:00 slot

    assert RUNS == ["tick"]
    assert list(PeriodicJobRun.objects.values_list("job", "slot")) == [("test.tick", at(12, 0))]


def test_a_new_slot_enqueues_again(jobs):
    scheduler.run_due(now=at(12, 2))

    assert scheduler.run_due(now=at(12, 5)) == ["test.tick"]  # exactly on the slot counts

    assert RUNS == ["tick", "tick"]
    assert sorted(PeriodicJobRun.objects.values_list("slot", flat=True)) == [at(12, 0), at(12, 5)]


def test_missed_slots_are_not_caught_up(jobs):
    scheduler.run_due(now=at(12, 0))

    scheduler.run_due(now=at(13, 1))  # the scheduler was down for an hour

    assert RUNS == ["tick", "tick"]
    assert PeriodicJobRun.objects.order_by("-slot").first().slot == at(13, 0)


def test_cron_follows_the_configured_time_zone(jobs, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    scheduler.periodic("test.daily", "0 3 * * *", tick)

    scheduler.run_due(now=at(1, 30))  # 02:30 in Amsterdam: yesterday's 03:00 slot

    run = PeriodicJobRun.objects.get(job="test.daily")
    assert run.slot == at(2, 0) - timedelta(days=1)  # 03:00 CET


def test_periodic_refuses_a_bad_cron_expression():
    with pytest.raises(ValueError, match="invalid cron"):
        scheduler.periodic("test.bad", "every minute", tick)


def test_core_jobs_are_registered():
    registered = {job.name: job for job in scheduler.jobs()}

    assert registered["core.dispatch_outbox"].cron == "* * * * *"
    assert registered["core.dispatch_outbox"].task is tasks.dispatch_outbox
    assert registered["core.sweep_orphan_files"].task is tasks.sweep_orphan_files
    assert registered["core.prune_job_runs"].task is tasks.prune_job_runs
    # Daily: one slot a day.
    daily = registered["core.prune_job_runs"]
    assert daily.latest_slot(at(23, 59)) - daily.latest_slot(at(23, 59) - timedelta(days=1)) == (
        timedelta(days=1)
    )


def test_prune_job_runs_keeps_the_last_30_days():
    now = timezone.now()
    old = PeriodicJobRun.objects.create(job="x", slot=now - timedelta(days=31))
    recent = PeriodicJobRun.objects.create(job="x", slot=now - timedelta(days=29))

    assert tasks.prune_job_runs.call() == 1

    assert list(PeriodicJobRun.objects.all()) == [recent]
    assert not PeriodicJobRun.objects.filter(pk=old.pk).exists()


def test_scheduler_command_once_enqueues_and_beats(jobs):
    call_command("scheduler", "--once", verbosity=0)
    call_command("scheduler", "--once", verbosity=0)

    assert RUNS == ["tick"]
    assert WorkerHeartbeat.objects.filter(kind="scheduler").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_enqueue_once(jobs):
    barrier = threading.Barrier(2)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def scheduler_process() -> None:
        try:
            barrier.wait(10)
            results.append(scheduler.run_due(now=at(12, 2)))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
    SLOW.set()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        SLOW.clear()

    assert errors == []
    assert sorted(results) == [[], ["test.tick"]]
    assert RUNS == ["tick"]
    assert PeriodicJobRun.objects.count() == 1
