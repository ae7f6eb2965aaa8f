"""add_business_time / business_time_between calls per second on the demo office calendar."""

import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common

CALLS = 20_000


def main() -> None:
    common.setup_django()
    from steward.core.calendars import CalendarSpec, add_business_time, business_time_between

    spec = CalendarSpec(
        time_zone="Europe/Amsterdam",
        periods={d: [(dt.time(8), dt.time(18))] for d in range(5)},
        holidays=frozenset({dt.date(2026, 12, 25), dt.date(2026, 12, 26), dt.date(2027, 1, 1)}),
    )
    rng = random.Random(3)
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    starts = [
        base + dt.timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60)) for _ in range(CALLS)
    ]
    durations = [
        dt.timedelta(minutes=rng.choice([15, 60, 240, 480, 1440, 4800])) for _ in range(CALLS)
    ]

    t0 = time.perf_counter()
    ends = [add_business_time(s, d, spec) for s, d in zip(starts, durations, strict=True)]
    add_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    measured = [business_time_between(s, e, spec) for s, e in zip(starts, ends, strict=True)]
    between_s = time.perf_counter() - t0
    mismatches = sum(m != d for m, d in zip(measured, durations, strict=True))
    common.report(
        "business_time",
        {
            "calls": CALLS,
            "add_per_s": round(CALLS / add_s),
            "between_per_s": round(CALLS / between_s),
            "add_mean_us": round(add_s / CALLS * 1e6, 1),
            "roundtrip_mismatches": mismatches,
        },
    )


if __name__ == "__main__":
    main()
