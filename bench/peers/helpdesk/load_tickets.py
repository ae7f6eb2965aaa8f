"""Fill a migrated-from-scratch django-helpdesk database with the bench's generated
requests. Run by the helpdesk venv's python (see ``bench/peers/helpdesk.py``), with
``DATABASE_URL`` set and this folder as the working directory:

    python load_tickets.py COUNT SEED PASSWORD [history]

``history``: also the follow-ups helpdesk itself writes when a ticket goes through it
("Ticket Opened" with the description; "Resolved" with the resolution; "Closed" a
day later), as a database that lived through helpdesk would hold them.

Prints one JSON line: the queue ids (one per generated support group, in group order),
the staff user's name and API token, and the seconds taken.
"""

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent.parent))  # bench/: incident_data, plain Python
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")

import django  # noqa: E402

django.setup()

import incident_data  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket, UserSettings  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

BATCH = 5000
USERNAME = "bench-desk"
# Generated statuses in helpdesk's fixed set: every open state is its "Open" (its list
# page shows Open and Reopened by default; Reopened would be a lie about history).
STATUS = {"new": 1, "assigned": 1, "in_progress": 1, "pending": 1, "resolved": 3, "closed": 4}


def main(count: int, seed: int, password: str, history: bool = False) -> dict:
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    user = get_user_model().objects.create_superuser(USERNAME, f"{USERNAME}@example.com", password)
    # The same page size as Steward's lists and API (50), set where helpdesk keeps it.
    UserSettings.objects.filter(user=user).update(tickets_per_page=50)
    token = Token.objects.create(user=user)
    queues = [
        Queue.objects.create(
            title=f"Group {n:02d}", slug=f"group-{n:02d}", email_address=f"group{n}@example.com"
        )
        for n in range(incident_data.GROUPS)
    ]
    # created/modified are auto_now(_add): keep the generated dates (two years, not the
    # minutes the load takes), as common.keep_timestamps does for Steward's models.
    for field in Ticket._meta.concrete_fields:
        if field.name in ("created", "modified"):
            field.auto_now = field.auto_now_add = False
    tickets, followups = [], []

    def flush() -> None:
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets, batch_size=BATCH)
            FollowUp.objects.bulk_create(followups, batch_size=BATCH)
        tickets.clear()
        followups.clear()

    for row in incident_data.tickets(count, seed):
        created = row["created"]
        changed = row["resolved"] or created
        if history and row["status"] == "closed":  # closed a day after resolving
            changed += timedelta(days=1)
        tickets.append(
            Ticket(
                id=row["number"],  # helpdesk shows its id as the ticket number
                title=row["title"],
                queue=queues[row["group"]],
                created=created,
                modified=changed,
                submitter_email=f"user{row['requester']}@example.com",
                status=STATUS[row["status"]],
                description=row["description"],
                resolution=row["resolution"] or None,
                priority=int(row["priority"]),
            )
        )
        if history:
            followups.append(
                FollowUp(ticket_id=row["number"], date=created, title="Ticket Opened",
                         comment=row["description"], public=True, user=user)
            )  # fmt: skip
        if history and row["resolved"]:
            followups.append(
                FollowUp(ticket_id=row["number"], date=row["resolved"], title="Resolved",
                         comment=row["resolution"], public=True, user=user, new_status=3)
            )  # fmt: skip
        if history and row["status"] == "closed":
            followups.append(
                FollowUp(ticket_id=row["number"], date=row["resolved"] + timedelta(days=1),
                         title="Closed", public=True, user=user, new_status=4)
            )  # fmt: skip
        if row["reply"]:
            followups.append(
                FollowUp(ticket_id=row["number"], date=created + timedelta(hours=1),
                         title="Comment", comment=row["reply"], public=True, user=user)
            )  # fmt: skip
        if row["note"]:
            followups.append(
                FollowUp(ticket_id=row["number"], date=created + timedelta(hours=2),
                         title="Comment", comment=row["note"], public=False, user=user)
            )  # fmt: skip
        if len(tickets) >= BATCH:
            flush()
    if tickets:
        flush()
    with connection.cursor() as cursor:
        # Ids were given explicitly: new tickets (registration) continue after them.
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('helpdesk_ticket', 'id'),"
            " (SELECT COALESCE(MAX(id), 1) FROM helpdesk_ticket))"
        )
    connection.close()
    with connection.cursor() as cursor:  # outside a transaction, as VACUUM needs
        cursor.execute("VACUUM ANALYZE")
    return {
        "queues": [q.pk for q in queues],
        "user": USERNAME,
        "token": token.key,
        "load_s": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    history = sys.argv[4:] == ["history"]
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], history)), flush=True)
