"""``steward scheduler``: enqueue periodic jobs when they are due.

Running several schedulers is safe (each slot is enqueued once), so one per machine
beside the worker is fine. It only enqueues; the worker does the work.
"""

import signal
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from steward.core import scheduler


class Command(BaseCommand):
    help = "Run the scheduler of periodic jobs (every --interval seconds, or --once)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=20.0,
            help="Seconds between checks for due jobs (default 20; jobs are scheduled per minute).",
        )
        parser.add_argument("--once", action="store_true", help="Check once, then exit.")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        if interval <= 0:
            raise CommandError("--interval must be more than zero.")
        self.verbosity = options.get("verbosity", 1)
        if once:
            self._tick()
            return
        stopping = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        if self.verbosity:
            names = ", ".join(f"{j.name} ({j.cron})" for j in scheduler.jobs())
            self.stdout.write(f"Scheduler started: {names or 'no jobs registered'}.")
        while not stopping.is_set():
            close_old_connections()
            self._tick()
            stopping.wait(interval)
        if self.verbosity:
            self.stdout.write("Scheduler stopped.")

    def _tick(self) -> None:
        scheduler.beat("scheduler")
        enqueued = scheduler.run_due()
        if enqueued and self.verbosity > 1:  # every minute: only when asked (-v 2)
            self.stdout.write(f"Enqueued: {', '.join(enqueued)}")
