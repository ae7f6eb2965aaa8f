import os
import secrets

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from steward.core import registry
from steward.core.demo import loader
from steward.core.management.commands.demo import has_demo_people, print_logins
from steward.core.models import Person


def _check_admin(username: str, email: str) -> None:
    """The administrator's username and email as the person form would check them."""
    try:
        Person(username=username, email=email).clean_fields(
            exclude=[f.name for f in Person._meta.fields if f.name not in ("username", "email")]
        )
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise CommandError(f"--admin-{field}: {' '.join(messages)}") from None


class Command(BaseCommand):
    help = (
        "Prepare the database: apply migrations and make sure an administrator exists. "
        "With --demo-if-empty, load the demo data set into an empty database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--demo-if-empty", action="store_true")
        parser.add_argument(
            "--no-logins",
            action="store_true",
            help="Do not print the demo logins (`steward serve` prints them once it answers).",
        )
        parser.add_argument(
            "--admin-username", default=os.environ.get("STEWARD_ADMIN_USERNAME", "admin")
        )
        parser.add_argument("--admin-email", default=os.environ.get("STEWARD_ADMIN_EMAIL", ""))

    def handle(
        self,
        *args,
        demo_if_empty: bool,
        no_logins: bool,
        admin_username: str,
        admin_email: str,
        **options,
    ) -> None:
        try:
            connection.ensure_connection()
        except DatabaseError as exc:
            raise CommandError(
                f"Cannot reach the database: {str(exc).strip().splitlines()[0]}"
            ) from exc
        self.stdout.write("Applying database migrations ...")
        self.stdout.flush()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database is up to date.")
        for step in registry.INIT_STEPS:
            added = {name: n for name, n in step().items() if n}
            if added:
                listed = ", ".join(f"{n} {name}" for name, n in added.items())
                self.stdout.write(f"Reference data added: {listed}.")
        if demo_if_empty and loader.is_empty():
            call_command("demo", stdout=self.stdout, no_logins=no_logins)
            return
        if not Person.objects.filter(is_superuser=True).exists():
            _check_admin(admin_username, admin_email)
            password = os.environ.get("STEWARD_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            Person.objects.create_superuser(admin_username, admin_email, password)
            self.stdout.write(
                f"Administrator created: {admin_username} / {password} (change it after logging in)."
            )
        elif has_demo_people() and not no_logins:
            print_logins(self.stdout)
