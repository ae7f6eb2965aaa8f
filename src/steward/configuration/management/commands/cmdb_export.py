"""``steward cmdb_export``: write CIs or current relationships as CSV or JSON to stdout."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from steward.configuration.models import CIClass, ConfigurationItem, Relationship
from steward.configuration.services import transfer


class Command(BaseCommand):
    help = "Export CIs (or, with --relationships, current relationships) as CSV or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--relationships", action="store_true")
        parser.add_argument("--class", dest="class_code", help="Only CIs of this class code.")

    def handle(self, *args, **options) -> None:
        ci_class = None
        if options["class_code"]:
            ci_class = CIClass.objects.filter(code=options["class_code"]).first()
            if ci_class is None:
                raise CommandError(f"unknown class {options['class_code']!r}")
        if options["relationships"]:
            rels = Relationship.objects.filter(valid_to__isnull=True)
            if ci_class is not None:
                rels = rels.filter(Q(source__ci_class=ci_class) | Q(target__ci_class=ci_class))
            text = transfer.export_relationships(rels, fmt=options["format"])
        else:
            cis = ConfigurationItem.objects.all()
            if ci_class is not None:
                cis = cis.filter(ci_class=ci_class)
            text = transfer.export_cis(cis, fmt=options["format"])
        self.stdout.write(text, ending="")
