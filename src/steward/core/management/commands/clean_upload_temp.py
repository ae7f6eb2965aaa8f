"""``steward clean_upload_temp``: remove upload files abandoned by killed requests.

``steward serve`` does this every ten minutes on its own machine; run this from cron on
machines that serve the web app with gunicorn directly.
"""

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from steward.core import housekeeping


class Command(BaseCommand):
    help = "Delete spooled upload files (var/tmp/uploads) not written to for an hour."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=int(housekeeping.UPLOAD_TEMP_MAX_AGE.total_seconds() // 60),
            help="Minutes without a write after which a file is abandoned (default 60).",
        )

    def handle(self, *args: Any, older_than: int, **options: Any) -> None:
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 minute.")
        removed = housekeeping.clean_upload_temp(older_than=timedelta(minutes=older_than))
        if options.get("verbosity", 1):
            self.stdout.write(f"Removed {removed} abandoned upload file(s).")
