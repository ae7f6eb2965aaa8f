"""``steward worker``: run background tasks (emails, webhooks, periodic jobs).

With the database backend (the default) this is django-tasks-db's worker; with
``REDIS_URL`` / ``STEWARD_TASKS_BACKEND=rq`` it is django-rq's ``rqworker`` with
django-tasks-rq's job class (RQ's own cannot run a django-tasks task). Either way a
heartbeat is written every 15 s for ``/healthz``.
"""

import logging
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from steward.core import scheduler, taskqueue
from steward.core.taskqueue import DATABASE_BACKEND, RQ_BACKEND, backend_path

logger = logging.getLogger(__name__)

BROKER_WAIT_FIRST, BROKER_WAIT_MAX = 1.0, 30.0  # seconds between looks at a down broker


class Command(BaseCommand):
    help = (
        "Run the background worker: process queued tasks until stopped "
        "(or, with --batch, until the queue is empty)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Process what is queued now, then exit.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait when the queue is empty before looking again (default 1).",
        )
        parser.add_argument(
            "--queues",
            default="*",
            help="Comma-separated queue names to process; '*' for all (default).",
        )

    def handle(self, *args: Any, batch: bool, interval: float, queues: str, **options: Any) -> None:
        if interval < 0:
            raise CommandError("--interval must be zero or more.")
        self.verbosity = options.get("verbosity", 1)
        backend = backend_path()
        if backend not in (DATABASE_BACKEND, RQ_BACKEND):
            raise CommandError(
                f"Tasks run in the web process with {backend}; no worker is needed. "
                "Use STEWARD_TASKS_BACKEND=database (or REDIS_URL) for a worker."
            )
        queue_names = [q.strip() for q in queues.split(",") if q.strip()] or ["*"]
        scheduler.beat("worker")
        heartbeat = None if batch else scheduler.Heartbeat("worker")
        if heartbeat:
            heartbeat.start()
        try:
            if backend == RQ_BACKEND:
                self._run_rq(queue_names, batch)
            else:
                self._run_database(queue_names, batch, interval)
        finally:
            if heartbeat:
                heartbeat.stop()
            scheduler.beat("worker")

    def _run_database(self, queue_names: list[str], batch: bool, interval: float) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=scheduler.process_name("worker")[:64],
            excluded_queue_names=[],
        )
        if not batch:
            # SIGINT/SIGTERM finish the running task, then stop (a second one forces it).
            worker.configure_signals()
        if self.verbosity:
            self.stdout.write(
                f"Worker started ({'batch' if batch else 'continuous'}, database queue)."
            )
        worker.run()

    def _run_rq(self, queue_names: list[str], batch: bool) -> None:
        """django-rq's worker; while the broker is unreachable, wait for it.

        RQ exits at once when Redis is down at start (and a running worker can die of it):
        under ``steward serve`` that would be restarted and counted until serve gave up,
        stopping the node's web app over a broker outage. Waiting here keeps the node up;
        the outbox holds emails and webhooks meanwhile. ``--batch`` fails instead.
        """
        from redis.exceptions import ConnectionError as RedisConnectionError  # the rq extra

        names = taskqueue.queue_names() if "*" in queue_names else queue_names
        pause = BROKER_WAIT_FIRST
        while True:
            broker = taskqueue.broker_status()
            if broker == "ok":
                try:
                    # --with-scheduler lets RQ run tasks deferred with run_after.
                    call_command(
                        "rqworker",
                        *names,
                        burst=batch,
                        with_scheduler=True,
                        job_class=taskqueue.RQ_JOB_CLASS,
                        verbosity=self.verbosity,
                    )
                    return
                except (SystemExit, RedisConnectionError):
                    broker = taskqueue.broker_status()
                    if broker == "ok":
                        raise  # it stopped for another reason
            if batch:
                raise CommandError(f"The task broker (Redis) is {broker}.")
            logger.warning("Task broker %s; trying again in %.0f s.", broker, pause)
            time.sleep(pause)
            pause = min(pause * 2, BROKER_WAIT_MAX)
