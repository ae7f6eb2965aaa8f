"""``steward problem_candidates``: run the problem candidate job now and print its counts."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from steward.problems.services.candidates import candidates_refresh


class Command(BaseCommand):
    help = "Cluster the recent incident requests not linked to a problem into candidates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=90, help="How far back (default 90).")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(candidates_refresh(days=options["days"])))
