"""The ``steward`` command: Django's management commands under Steward's names.

``steward check`` runs Django's deployment checks plus Steward's own (see the
``stewardcheck`` command); every other word is passed to Django unchanged.

A mistake on the command line or in the configuration is one line on stderr and a
non-zero exit, not a usage block or a traceback: exit 2 for a wrong argument, 1 for a
setting that cannot be used (``CommandError`` from the commands is 1 as well).
"""

import os
import sys
from typing import Any

ALIASES = {"check": "stewardcheck"}


def _one_line_usage_errors() -> None:
    """argparse prints the whole usage before the mistake; say the mistake in one line and
    where the usage is. Only for this process: ``call_command`` still raises CommandError."""
    from django.core.management import base

    class OneLineParser(base.CommandParser):
        def error(self, message: str) -> Any:
            if not self.called_from_command_line:
                return super().error(message)
            self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")

    base.CommandParser = OneLineParser  # type: ignore[misc]


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] in ALIASES:
        args[1] = ALIASES[args[1]]
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings now, to report them here
    except ImproperlyConfigured as exc:
        sys.exit(f"steward: {exc}")
    _one_line_usage_errors()
    try:
        execute_from_command_line(args)
    except KeyboardInterrupt:  # Ctrl+C (or serve passing it on) while starting: no traceback
        sys.exit(130)


if __name__ == "__main__":
    main()
