"""``steward mail ingest [FILE|MAILDIR]`` and ``steward mail fetch``: the email channel.

``ingest`` reads one message from standard input (for an MTA pipe such as Postfix's
``| steward mail ingest``) or from a ``.eml`` file, or every message in a Maildir's
``new/`` (each moved to ``cur/`` once processed, whatever the outcome, so it is not read
twice). ``fetch`` logs in to the IMAP mailbox of the STEWARD_IMAP_* settings, ingests the
UNSEEN messages and marks each one seen after it was processed.

Exit status: 0 when every message was processed (ignored ones included); 1 with a
one-line reason when the input cannot be read, the mailbox cannot be reached, or a
message was rejected (the inbound mail log has the details).
"""

import contextlib
import imaplib
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from steward.incidents.choices import MailOutcome
from steward.incidents.models import InboundMail
from steward.incidents.services.mail import mail_ingest

MAX_MESSAGE_BYTES = 50 * 1024 * 1024


def _describe(log: InboundMail) -> str:
    number = f" {log.incident.number}" if log.incident_id else ""
    reason = f": {log.reason}" if log.reason else ""
    return f"{log.outcome}{number} {log.message_id or '(no Message-ID)'}{reason}"


def _setting(name: str, default: Any = "") -> Any:
    return getattr(settings, name, default)


class Command(BaseCommand):
    help = "Turn inbound email into incident requests (ingest a message/Maildir, fetch by IMAP)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ingest|fetch")
        ingest = actions.add_parser("ingest", help="A message on stdin, a .eml file or a Maildir.")
        ingest.add_argument("path", nargs="?", help="A .eml file or a Maildir (default: stdin).")
        actions.add_parser("fetch", help="Fetch UNSEEN messages from STEWARD_IMAP_HOST.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "fetch":
            rejected, total = self._fetch()
        else:
            rejected, total = self._ingest(options.get("path"))
        if rejected:
            raise CommandError(
                f"{rejected} of {total} message{'s' if total != 1 else ''} rejected "
                "(see the inbound mail log)"
            )

    # --- ingest ---------------------------------------------------------------------------

    def _one(self, raw: bytes) -> bool:
        """Ingest one message; True when it was rejected."""
        try:
            log = mail_ingest(raw)
        except DatabaseError as exc:  # left unprocessed (not moved, not marked seen)
            raise CommandError(f"database error: {' '.join(str(exc).split())}") from None
        (self.stderr if log.outcome == MailOutcome.REJECTED else self.stdout).write(_describe(log))
        return log.outcome == MailOutcome.REJECTED

    def _ingest(self, path: str | None) -> tuple[int, int]:
        if not path:
            stream = getattr(sys.stdin, "buffer", sys.stdin)
            raw = stream.read(MAX_MESSAGE_BYTES + 1)
            if isinstance(raw, str):
                raw = raw.encode("utf-8", "surrogateescape")
            if not raw.strip():
                raise CommandError("no message on standard input")
            return self._checked(raw), 1
        target = Path(path)
        if target.is_dir():
            return self._maildir(target)
        return self._checked(self._read(target)), 1

    def _checked(self, raw: bytes) -> int:
        if len(raw) > MAX_MESSAGE_BYTES:
            raise CommandError(f"the message is larger than {MAX_MESSAGE_BYTES} bytes")
        return int(self._one(raw))

    def _read(self, path: Path) -> bytes:
        try:
            if path.stat().st_size > MAX_MESSAGE_BYTES:
                raise CommandError(f"{path} is larger than {MAX_MESSAGE_BYTES} bytes")
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None

    def _maildir(self, root: Path) -> tuple[int, int]:
        new, cur = root / "new", root / "cur"
        if not new.is_dir() or not cur.is_dir():
            raise CommandError(f"{root} is not a Maildir (it needs new/ and cur/)")
        rejected = total = 0
        for entry in sorted(new.iterdir()):
            if not entry.is_file() or entry.name.startswith("."):
                continue
            total += 1
            rejected += self._checked(self._read(entry))
            # Processed (whatever the outcome): move it to cur/ and flag it seen.
            name = entry.name.split(":2,", 1)[0]
            try:
                os.replace(entry, cur / f"{name}:2,S")
            except OSError as exc:
                raise CommandError(f"cannot move {entry} to cur/: {exc.strerror}") from None
        return rejected, total

    # --- fetch ----------------------------------------------------------------------------

    def _fetch(self) -> tuple[int, int]:
        host = _setting("STEWARD_IMAP_HOST")
        if not host:
            raise CommandError("STEWARD_IMAP_HOST is not set")
        use_ssl = bool(_setting("STEWARD_IMAP_SSL", True))
        port = int(_setting("STEWARD_IMAP_PORT", 0) or (993 if use_ssl else 143))
        folder = _setting("STEWARD_IMAP_FOLDER", "INBOX") or "INBOX"
        try:
            client = imaplib.IMAP4_SSL(host, port) if use_ssl else imaplib.IMAP4(host, port)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise CommandError(f"cannot connect to {host}:{port}: {exc}") from None
        try:
            return self._fetch_from(client, folder)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise CommandError(f"IMAP error on {host}: {exc}") from None
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                client.logout()

    def _fetch_from(self, client: imaplib.IMAP4, folder: str) -> tuple[int, int]:
        client.login(_setting("STEWARD_IMAP_USER"), _setting("STEWARD_IMAP_PASSWORD"))
        status, _ = client.select(folder)
        if status != "OK":
            raise CommandError(f"cannot open the IMAP folder {folder!r}")
        status, data = client.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            raise CommandError("the IMAP server refused the search for unseen messages")
        uids = (data[0] or b"").split() if data else []
        rejected = 0
        for uid in uids:
            status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next(
                (p[1] for p in parts or [] if isinstance(p, tuple) and len(p) > 1),
                None,
            )
            if status != "OK" or not isinstance(raw, bytes):
                raise CommandError(f"cannot fetch message {uid.decode()}")
            rejected += self._checked(raw)
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        return rejected, len(uids)
