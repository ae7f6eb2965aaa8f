"""100,000 running SLA clocks, about 1,000 of them due: one sweep finds and claims them.

Target (issue 3, acceptance 5): on PostgreSQL the sweep finds every due clock in under
1 s. ``find_s`` is the two index lookups alone; ``sweep_s`` adds claiming and notifying.
"""

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common

CLOCKS = int(os.environ.get("BENCH_CLOCKS", 100_000))
DUE = int(os.environ.get("BENCH_DUE", 1_000))
BATCH = 5_000
NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)


def populate() -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from steward.core.models import Organisation, SlaClock
    from steward.service_level.services.slt import always_calendar

    calendar = always_calendar()
    record = Organisation.objects.create(name="Bench customer", code="bench", kind="customer")
    record_type = ContentType.objects.get_for_model(Organisation)
    clocks = []
    for n in range(CLOCKS):
        if n < DUE:
            # Due: every one past its warning, every other one past its breach as well.
            started = NOW - timedelta(hours=4 if n % 2 else 3, minutes=30)
        else:
            # Not due yet: started within the last two hours (spread over them).
            started = NOW - timedelta(seconds=n % 7_200)
        clocks.append(
            SlaClock(
                record_type=record_type,
                record_id=record.pk,
                kind="sla",
                metric="resolution",
                name=f"bench clock {n}",
                calendar=calendar,
                target_seconds=4 * 3600,
                warning_percent=75,
                state="running",
                started_at=started,
                # 24x7: business time is wall time, so the deadlines are simple sums.
                warning_at=started + timedelta(hours=3),
                breach_at=started + timedelta(hours=4),
            )
        )
        if len(clocks) == BATCH:
            SlaClock.objects.bulk_create(clocks)
            clocks = []
    if clocks:
        SlaClock.objects.bulk_create(clocks)
    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum would have them on a live system.
        cursor.execute(f"ANALYZE {SlaClock._meta.db_table}")


def main() -> None:
    common.fresh_database()
    from steward.core import clocks
    from steward.core.models import SlaClock

    began = time.perf_counter()
    populate()
    populate_s = time.perf_counter() - began

    meter = common.CpuMeter()
    began = time.perf_counter()
    with meter.measure("find"):
        due_warnings = len(clocks.due_clock_ids("warning", NOW))
        due_breaches = len(clocks.due_clock_ids("breach", NOW))
    find_s = time.perf_counter() - began

    began = time.perf_counter()
    with meter.measure("sweep"):
        result = clocks.sweep(now=NOW)
    sweep_s = time.perf_counter() - began

    # A second sweep finds nothing left to send.
    again = clocks.sweep(now=NOW)
    common.report(
        "sla_sweep",
        {
            "database": common.vendor(),
            "clocks": SlaClock.objects.count(),
            "due_warnings": due_warnings,
            "due_breaches": due_breaches,
            "find_s": round(find_s, 4),
            "find_under_1s": find_s < 1.0,
            "sweep_s": round(sweep_s, 3),
            "warnings_sent": result["warnings"],
            "breaches_sent": result["breaches"],
            "second_sweep_sent": again["warnings"] + again["breaches"],
            "populate_s": round(populate_s, 1),
            **meter.figures(),
        },
    )


if __name__ == "__main__":
    main()
