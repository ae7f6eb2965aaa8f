"""The generated service desk both Steward and its peer (django-helpdesk) are loaded with.

Plain rows, no Django: ``tickets(count, seed)`` yields the same dicts for the same
arguments, so the two products hold the same requests (titles, descriptions, statuses,
groups, dates, resolutions, replies and work notes) when they are measured side by side.

Shape, taken from a year's desk: requests spread over two years; 88 % closed, 4 %
resolved, 4 % assigned, 3 % in progress, 1 % pending (open: 8 %, with a few new ones);
priorities 1-4 with most at 3; 20 support groups, 50 customers, 40 services, 5,000
requesters; a third of the requests have a public reply, a sixth a work note, and every
resolved or closed request a resolution.
"""

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

GROUPS = 20
CUSTOMERS = 50
SERVICES = 40
REQUESTERS = 5000
START = datetime(2024, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
STATUSES = (
    ["closed"] * 88 + ["resolved"] * 4 + ["assigned"] * 3 + ["new"] + ["in_progress"] * 3
) + ["pending"]
OPEN = ("new", "assigned", "in_progress", "pending")
PRIORITIES = "1223333444"
WORDS = [
    "printer", "vpn", "mailbox", "password", "laptop", "network", "slow", "error", "crash",
    "login", "timeout", "database", "disk", "full", "backup", "restore", "certificate",
    "expired", "outlook", "teams", "excel", "invoice", "payment", "portal", "report",
    "batch", "sync", "camera", "phone", "headset", "badge", "access", "firewall", "wifi",
    "screen",
]  # fmt: skip
# Words only in the resolutions, replies and notes: a search for them finds requests by
# what was written after registration.
FIX_WORDS = [
    "reinstalled", "replaced", "rebooted", "reset", "patched", "reconfigured", "cleared",
    "renewed", "escalated", "upgraded", "restarted", "unlocked",
]  # fmt: skip


def tickets(count: int, seed: int = 5) -> Iterator[dict]:
    """``count`` requests, oldest number first (numbers 1..count), as plain dicts."""
    rng = random.Random(seed)
    span = (END - START).total_seconds()
    for number in range(1, count + 1):
        words = rng.sample(WORDS, 4)
        created = START + timedelta(seconds=rng.random() * span)
        status = rng.choice(STATUSES)
        done = status in ("closed", "resolved")
        fix = rng.choice(FIX_WORDS)
        reply = rng.random() < 1 / 3
        note = rng.random() < 1 / 6
        yield {
            "number": number,
            "title": f"{words[0].capitalize()} {words[1]} problem",
            "description": f"The {words[2]} shows an {words[3]} since this morning.",
            "status": status,
            "priority": rng.choice(PRIORITIES),
            "group": rng.randrange(GROUPS),
            "customer": rng.randrange(CUSTOMERS),
            "service": rng.randrange(SERVICES),
            "requester": rng.randrange(REQUESTERS),
            "created": created,
            "resolved": created + timedelta(hours=5) if done else None,
            "resolution": f"The {words[0]} was {fix} and works again." if done else "",
            "reply": f"We have {rng.choice(FIX_WORDS)} the {words[1]}; please try again."
            if reply
            else "",
            "note": f"Vendor case opened, {rng.choice(FIX_WORDS)} {rng.choice(WORDS)} queue."
            if note
            else "",
        }
