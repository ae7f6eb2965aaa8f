"""``steward cmdb_import FILE``: load CIs or relationships from CSV or JSON, all or nothing."""

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from steward.configuration.services import transfer
from steward.core.models import Person


class Command(BaseCommand):
    help = "Import CIs (or, with --relationships, relationships) from a CSV or JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--format", choices=["csv", "json"], default=None)
        parser.add_argument("--relationships", action="store_true")
        parser.add_argument("--as", dest="as_user", required=True, help="Username of the actor.")
        parser.add_argument("--cause", default="", help="Change or task number.")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            # newline="": a carriage return quoted inside a cell stays one (the csv
            # module's rule); universal newlines would turn it into a line feed.
            with path.open(encoding="utf-8", newline="") as file:
                text = file.read()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"cannot read {path}: not UTF-8 text") from None
        fmt = options["format"] or ("json" if path.suffix.lower() == ".json" else "csv")
        actor = Person.objects.filter(username=options["as_user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"no active person with the username {options['as_user']!r}")
        section = "relationships" if options["relationships"] else "cis"
        run = transfer.import_relationships if options["relationships"] else transfer.import_cis
        try:
            if fmt == "json":
                rows, first_row = transfer.parse_json(text, section=section), 1
            else:
                rows, first_row = transfer.parse_csv(text), 2
            result = run(actor=actor, rows=rows, cause=options["cause"], first_row=first_row)
        except PermissionDenied:
            raise CommandError(
                f"nothing imported: {actor.username} may not change the CMDB"
            ) from None
        except ValidationError as exc:
            messages = exc.message_dict.get("rows") if hasattr(exc, "error_dict") else None
            if not messages:
                raise CommandError(f"nothing imported: {'; '.join(exc.messages)}") from None
            for message in messages:
                self.stderr.write(message)
            bad = len({m.split(":", 1)[0] for m in messages})
            raise CommandError(
                f"nothing imported: {bad} row{'s' if bad != 1 else ''} "
                f"{'have' if bad != 1 else 'has'} errors"
            ) from None
        self.stdout.write(str(result))
