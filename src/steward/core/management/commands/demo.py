from django.core.management.base import BaseCommand

from steward.core.demo import data, loader


def print_logins(stdout) -> None:
    stdout.write(f"Demo logins (password for all: {data.DEMO_PASSWORD}):")
    for username, what in data.LOGINS:
        stdout.write(f"  {username:<18} {what}")


class Command(BaseCommand):
    help = "Load the demo data set (idempotent: adds only what is missing)."

    def handle(self, *args, **options) -> None:
        self.stdout.write("Loading the demo data (about 15 s) ...")

        def progress(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        added = loader.load(progress=progress if options["verbosity"] else None)
        if added:
            summary = ", ".join(f"{n} {what}" for what, n in sorted(added.items()))
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
        else:
            self.stdout.write("Demo data already complete; nothing added.")
        print_logins(self.stdout)
