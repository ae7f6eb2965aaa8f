"""Periodic jobs: a registry of cron schedules that each enqueue a django-tasks task.

Areas register jobs when their ``tasks`` module is imported (from ``AppConfig.ready``)::

    @periodic("incidents.sla_sweep", "*/5 * * * *")
    @task()
    def sla_sweep() -> None: ...

``steward scheduler`` calls ``run_due`` every few seconds. For each job it takes the
latest slot that is due (cron in ``settings.TIME_ZONE``) and inserts a
``PeriodicJobRun(job, slot)``; the unique key on (job, slot) means that however many
schedulers run, each slot is enqueued once. Missed slots are not caught up: after a
pause only the latest one runs.
"""

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, overload

from croniter import croniter
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from steward.core.models import PeriodicJobRun, WorkerHeartbeat

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    cron: str
    task: Any  # a django_tasks Task

    def latest_slot(self, now: datetime) -> datetime:
        """The latest scheduled time at or before ``now`` (to the minute)."""
        local = timezone.localtime(now).replace(second=0, microsecond=0)
        # croniter's get_prev is strictly before its base; start one minute later so a
        # slot equal to the current minute counts as due.
        return croniter(self.cron, local + timedelta(minutes=1)).get_prev(datetime)


_JOBS: dict[str, PeriodicJob] = {}


@overload
def periodic(name: str, cron: str) -> Callable[[Any], Any]: ...
@overload
def periodic(name: str, cron: str, task: Any) -> Any: ...


def periodic(name: str, cron: str, task: Any = None) -> Any:
    """Register ``task`` to be enqueued (without arguments) on the ``cron`` schedule.

    Use as a decorator above ``@task()`` or call with the task. Registering the same
    name again replaces the job (module reloads in development).
    """
    if not croniter.is_valid(cron):
        raise ValueError(f"Periodic job {name!r}: invalid cron expression {cron!r}.")

    def register(task_obj: Any) -> Any:
        if not hasattr(task_obj, "enqueue"):
            raise TypeError(f"Periodic job {name!r}: expected a django-tasks task.")
        _JOBS[name] = PeriodicJob(name=name, cron=cron, task=task_obj)
        return task_obj

    return register(task) if task is not None else register


def jobs() -> list[PeriodicJob]:
    """The registered jobs, by name."""
    return [_JOBS[name] for name in sorted(_JOBS)]


def run_due(now: datetime | None = None) -> list[str]:
    """Enqueue every job whose latest slot has not been enqueued yet; return their names.

    Safe to call from several schedulers at once: the slot row and the enqueue share a
    transaction (a savepoint when called inside one), and the unique (job, slot) key
    lets only one of them through.
    """
    now = now or timezone.now()
    enqueued: list[str] = []
    for job in jobs():
        slot = job.latest_slot(now)
        try:
            with transaction.atomic():
                PeriodicJobRun.objects.create(job=job.name, slot=slot)
                # Inside the block: with the database backend the task row commits with
                # the slot row; if enqueueing fails the slot is released for a retry.
                job.task.enqueue()
        except IntegrityError:
            continue  # another scheduler (or an earlier call) took this slot
        except Exception:
            logger.exception("Could not enqueue periodic job %s for %s", job.name, slot)
            continue
        enqueued.append(job.name)
    return enqueued


# --- Heartbeats (read by /healthz) -------------------------------------------------------------

HEARTBEAT_INTERVAL = 15.0  # seconds; /healthz calls a beat older than 60 s stale
HEARTBEATS_KEPT = timedelta(days=1)


def node_name() -> str:
    """This machine's name in heartbeats (``STEWARD_NODE_NAME``, else the host name)."""
    return (getattr(settings, "STEWARD_NODE_NAME", "") or socket.gethostname())[:120]


def process_name(kind: str) -> str:
    """A name unique to this process, e.g. ``worker:host1:4242``."""
    return f"{kind}:{node_name()}:{os.getpid()}"[:100]


def beat(kind: str) -> None:
    """Record that this process (a ``worker`` or ``scheduler``) is alive now.

    A database hiccup is logged, not raised: the next beat tries again.
    """
    now = timezone.now()
    try:
        WorkerHeartbeat.objects.update_or_create(
            name=process_name(kind),
            defaults={
                "kind": kind,
                "seen_at": now,
                "hostname": node_name(),
                "pid": os.getpid(),
            },
        )
        # Processes that stopped a day ago will not come back under the same pid.
        WorkerHeartbeat.objects.filter(kind=kind, seen_at__lt=now - HEARTBEATS_KEPT).delete()
    except DatabaseError as exc:
        logger.warning("Could not record the %s heartbeat: %s", kind, exc)


class Heartbeat(threading.Thread):
    """Beats for ``kind`` every ``interval`` seconds beside a blocking main loop."""

    def __init__(self, kind: str, interval: float = HEARTBEAT_INTERVAL) -> None:
        super().__init__(name=f"{kind}-heartbeat", daemon=True)
        self.kind, self.interval = kind, interval
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.wait(self.interval):
                beat(self.kind)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stopped.set()
        if self.is_alive():
            self.join(timeout=self.interval + 5)
