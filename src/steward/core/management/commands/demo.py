from django.core.management.base import BaseCommand

from steward.core.demo import data, loader
from steward.core.models import Person


def print_logins(stdout) -> None:
    stdout.write(f"Demo logins (password for all: {data.DEMO_PASSWORD}):")
    for username, what in data.LOGINS:
        stdout.write(f"  {username:<18} {what}")


def has_demo_people() -> bool:
    """Whether the database holds the demo data (its logins work)."""
    return not loader.is_empty() and Person.objects.filter(username="dana.desk").exists()


class Command(BaseCommand):
    help = "Load the demo data set (idempotent: adds only what is missing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-logins", action="store_true", help="Do not print the demo logins at the end."
        )

    def handle(self, *args, **options) -> None:
        self.stdout.write("Loading the demo data ...")

        def progress(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        added = loader.load(progress=progress if options["verbosity"] else None)
        if added:
            summary = ", ".join(f"{n} {what}" for what, n in sorted(added.items()))
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
        else:
            self.stdout.write("Demo data already complete; nothing added.")
        if not options["no_logins"]:
            print_logins(self.stdout)
