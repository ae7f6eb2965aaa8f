"""The ``steward`` command: Django's management commands under Steward's names.

``steward check`` runs Django's deployment checks plus Steward's own (see the
``stewardcheck`` command); every other word is passed to Django unchanged.
"""

import os
import sys

ALIASES = {"check": "stewardcheck"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] in ALIASES:
        args[1] = ALIASES[args[1]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
