"""Mail delivery when no mail server is configured: every email is kept in Steward.

``make run`` on a laptop has no SMTP server; sending to localhost:25 would fail and retry
for hours with warnings in the log. Unless ``EMAIL_HOST`` or ``EMAIL_BACKEND`` is set,
settings.py makes this module's backend the email backend: each message Steward sends
(notification emails from the outbox, service and incident reports, password resets)
becomes a ``KeptEmail`` row, and administrators read them under Administration,
"Outgoing email". Notification emails still go through the transactional outbox
(``core.outbox``) unchanged: the backend is where the outbox hands them over.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from steward.core.models import KeptEmail

BACKEND = "steward.core.keptmail.KeptEmailBackend"


def in_force() -> bool:
    """Whether email is kept in Steward rather than sent."""
    return settings.EMAIL_BACKEND == BACKEND


def _row(message: EmailMessage) -> KeptEmail:
    addresses = [*message.to, *message.cc, *message.bcc]
    return KeptEmail(
        recipients=", ".join(addresses),
        from_email=(message.from_email or "")[:254],
        subject=message.subject or "",
        body=str(message.body or ""),
        message_id=str(message.extra_headers.get("Message-ID", ""))[:255],
    )


class KeptEmailBackend(BaseEmailBackend):
    """Django email backend writing each message to ``KeptEmail`` instead of sending it."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        rows = [_row(m) for m in email_messages if m.recipients()]
        KeptEmail.objects.bulk_create(rows)
        return len(rows)
