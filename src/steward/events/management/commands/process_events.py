"""``steward process_events``: the event processor (seed 003 ch. 6 proc. 1). Takes
accepted events from the inbox in batches (``events.services.processing.process_inbox``)
until it is empty, then looks again every ``STEWARD_EVENTS_POLL_SECONDS`` (0.2).
``steward serve`` runs it as its child "events". SIGTERM or SIGINT lets the batch in hand
commit, then exits 0. Several processors may run at once (PostgreSQL: they take disjoint
batches)."""

import logging
import signal
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from steward.events.services.processing import pause_between_batches, process_inbox

logger = logging.getLogger(__name__)

DATABASE_WAIT_FIRST, DATABASE_WAIT_MAX = 1.0, 30.0  # seconds between tries of a down database


class Command(BaseCommand):
    help = "Run the event processor: deduplicate and handle accepted events until stopped."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Process what is in the inbox now, then exit."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Inbox rows per transaction (default 1000).",
        )

    def handle(self, *args: Any, once: bool, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        stop = threading.Event()

        def stopping(signum: int, frame: FrameType | None) -> None:
            stop.set()  # the batch in hand commits; the loop ends after it

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, stopping)
        run(stop, once=once, batch_size=batch_size)


def run(stop: threading.Event, *, once: bool = False, batch_size: int = 1000) -> int:
    """The processor's loop; returns how many inbox rows it processed."""
    poll = max(0.0, float(settings.STEWARD_EVENTS_POLL_SECONDS))
    wait, total = DATABASE_WAIT_FIRST, 0
    while not stop.is_set():
        try:
            taken = process_inbox(limit=batch_size)
        except DatabaseError:
            if once:
                raise
            logger.exception("Event processing failed; trying again in %.0f s.", wait)
            close_old_connections()
            stop.wait(wait)
            wait = min(wait * 2, DATABASE_WAIT_MAX)
            continue
        wait, total = DATABASE_WAIT_FIRST, total + taken
        if taken:
            stop.wait(pause_between_batches())  # SQLite: let the ingestion write meanwhile
            continue
        if once:
            break
        stop.wait(poll)
    return total
