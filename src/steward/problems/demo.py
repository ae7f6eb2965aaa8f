"""Demo data of Problem Management: problems in every state linked to demo incidents,
known errors with their changes, and clusters of similar incidents worth investigating.
Everything is made through the services, so the journal tells the story; each part is
skipped when its records exist already."""

from typing import Any

# --- problems: registration, linking, assignment (proc. 1) ----------
# (section owned by the problems topic: the foundation)


def load(context: dict[str, Any]) -> None:
    """Add the Problem Management demo records that are missing."""
    from django.utils import timezone

    from steward.core.models import Notification

    started = timezone.now()
    # The parts are filled in by the demo topic (issue 15).
    Notification.objects.filter(created_at__lt=started).update(send_email=False, email_due_at=None)
