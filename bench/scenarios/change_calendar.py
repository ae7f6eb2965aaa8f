"""The change calendar with 50,000 scheduled changes (issue 14, acceptance 2).

Targets on PostgreSQL: the conflict check of a new change (``queries.calendar.conflicts``:
its window, one or two CIs and its service) p95 under 50 ms; the calendar's month view
(the whole page through the Django test client, signed in as a change manager) p95 under
200 ms. Also measured: the API's month (``GET /api/v1/change-calendar/``).

The estate: 100 services, each with the CI standing for it; 400 applications the service
CIs depend on (3 each), each running on one of 400 servers, each on one of 100 hosts.
50,000 changes in the scheduled states spread over two years (2026-2027), one to eight
hours each, on a random service and one or two applications or servers; a blackout at
each quarter's end and a weekly maintenance window on ten services.
"""

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common

CHANGES = int(os.environ.get("BENCH_CHANGES", 50_000))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", 200))
PAGE_SAMPLES = int(os.environ.get("BENCH_PAGE_SAMPLES", 40))
BATCH = 5_000
FROM = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 730


def populate(rng: random.Random) -> dict[str, list[int]]:
    from django.db import connection

    from steward.changes.choices import SCHEDULED_STATUSES
    from steward.changes.models import Change, PlannedEvent
    from steward.configuration.models import (
        CIClass,
        ConfigurationItem,
        Relationship,
        RelationshipType,
    )
    from steward.core.models import Organisation
    from steward.service_level.models import Service

    provider = Organisation.objects.create(name="Provider", code="provider", kind="provider")
    Service.objects.bulk_create(
        Service(number=f"SVC{n:06d}", name=f"Service {n}", status="active", provider=provider)
        for n in range(100)
    )
    services = list(Service.objects.order_by("pk").values_list("pk", flat=True))
    classes = {
        code: CIClass.objects.create(name=code.title(), code=code, category="hardware")
        for code in ("service", "application", "server", "host")
    }
    runs = RelationshipType.objects.create(code="runs-on", name="runs on", reverse_name="runs")
    serial = 0
    ids: dict[str, list[int]] = {}
    for code, count in (("service", 100), ("application", 400), ("server", 400), ("host", 100)):
        rows = []
        for n in range(count):
            serial += 1
            rows.append(
                ConfigurationItem(
                    number=f"CI{serial:07d}",
                    name=f"{code}-{n:04d}",
                    ci_class=classes[code],
                    service_id=services[n] if code == "service" else None,
                )
            )
        ConfigurationItem.objects.bulk_create(rows)
        ids[code] = list(
            ConfigurationItem.objects.filter(ci_class=classes[code])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    edges = set()
    for service_ci in ids["service"]:
        for app in rng.sample(ids["application"], 3):
            edges.add((service_ci, app))
    for n, app in enumerate(ids["application"]):
        edges.add((app, ids["server"][n]))
    for server in ids["server"]:
        edges.add((server, rng.choice(ids["host"])))
    Relationship.objects.bulk_create(
        Relationship(source_id=s, target_id=t, type_id=runs.pk, valid_from=FROM) for s, t in edges
    )

    workload = ids["application"] + ids["server"]
    changes = []
    for n in range(CHANGES):
        start = FROM + timedelta(minutes=rng.randrange(DAYS * 24 * 4) * 15)
        changes.append(
            Change(
                number=f"CHG{n + 1:06d}",
                title=f"Change {n + 1}",
                change_type="normal",
                category="infrastructure",
                status=rng.choice(SCHEDULED_STATUSES),
                service_id=rng.choice(services),
                planned_start=start,
                planned_end=start + timedelta(hours=rng.randint(1, 8)),
            )
        )
    Change.objects.bulk_create(changes, batch_size=BATCH)
    through = Change.cis.through
    links = [
        through(change_id=pk, configurationitem_id=ci)
        for pk in Change.objects.values_list("pk", flat=True)
        for ci in rng.sample(workload, rng.randint(1, 2))
    ]
    through.objects.bulk_create(links, batch_size=BATCH)

    events = []
    for year in (2026, 2027):
        for month in (3, 6, 9, 12):
            end = datetime(year, month, 28, tzinfo=UTC)
            events.append(("blackout", end - timedelta(days=3), end, []))
    for week in range(DAYS // 7):
        start = FROM + timedelta(days=7 * week + 5, hours=22)
        events.append(("maintenance", start, start + timedelta(hours=4), services[:10]))
    for n, (kind, start, end, on) in enumerate(events):
        event = PlannedEvent.objects.create(
            number=f"PEV{n + 1:06d}",
            title=f"{kind.title()} {n + 1}",
            kind=kind,
            starts_at=start,
            ends_at=end,
            everywhere=kind == "blackout",
        )
        event.services.set(on)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"services": services, "workload": workload}


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return round(statistics.median(ordered) * 1000, 2), round(p95 * 1000, 2)


def measure_check(rng: random.Random, ids: dict[str, list[int]]) -> dict:
    from steward.changes.queries.calendar import conflicts

    meter = common.CpuMeter()
    timings, sizes = [], []
    for _ in range(SAMPLES):
        start = FROM + timedelta(minutes=rng.randrange(DAYS * 24 * 4) * 15)
        t0 = time.perf_counter()
        with meter.measure("check"):
            found = conflicts(
                start=start,
                end=start + timedelta(hours=rng.randint(1, 6)),
                ci_ids=rng.sample(ids["workload"], rng.randint(1, 2)),
                service_ids=[rng.choice(ids["services"])],
            )
        timings.append(time.perf_counter() - t0)
        sizes.append(len(found))
    median, p95 = _ms(timings)
    return {
        "check_median_ms": median,
        "check_p95_ms": p95,
        "check_conflicts_median": int(statistics.median(sizes)),
        "check_conflicts_max": max(sizes),
    } | meter.figures()


def measure_month(rng: random.Random) -> dict:
    from django.test import Client

    from steward.core.models import Person, RoleAssignment

    manager = Person.objects.create(username="bench-changes", first_name="Bench")
    RoleAssignment.objects.create(person=manager, role="change_manager")
    client = Client()
    client.force_login(manager)
    months = [(2026 + m // 12, m % 12 + 1) for m in range(24)]
    meter = common.CpuMeter()
    timings: dict[str, list[float]] = {"page": [], "api": []}
    shown = []
    client.get("/change-calendar/", {"date": "2026-06-15"})  # warm up
    for _ in range(PAGE_SAMPLES):
        year, month = rng.choice(months)
        t0 = time.perf_counter()
        with meter.measure("month_page"):
            page = client.get("/change-calendar/", {"date": f"{year}-{month:02d}-15"})
        timings["page"].append(time.perf_counter() - t0)
        assert page.status_code == 200, page.status_code
        start = datetime(year, month, 1, tzinfo=UTC)
        end = (start + timedelta(days=32)).replace(day=1)
        query = {"start": start.isoformat(), "end": end.isoformat()}
        t0 = time.perf_counter()
        with meter.measure("month_api"):
            answer = client.get("/api/v1/change-calendar/", query)
        timings["api"].append(time.perf_counter() - t0)
        assert answer.status_code == 200, answer.content[:300]
        shown.append(len(answer.json()))
    page_median, page_p95 = _ms(timings["page"])
    api_median, api_p95 = _ms(timings["api"])
    return {
        "month_page_median_ms": page_median,
        "month_page_p95_ms": page_p95,
        "month_api_median_ms": api_median,
        "month_api_p95_ms": api_p95,
        "month_entries_median": int(statistics.median(shown)),
    } | meter.figures()


def main() -> None:
    common.fresh_database()
    rng = random.Random(14)
    started = time.perf_counter()
    ids = populate(rng)
    populate_s = time.perf_counter() - started
    from steward.changes.models import Change

    ticks = common.cpu_ticks()
    check = measure_check(rng, ids)
    month = measure_month(rng)
    figures = {
        "database": common.vendor(),
        # How busy the (shared) machine was: wall times move with it, CPU per op hardly.
        "python_speed_s": common.python_speed_s(),
        "steal_pct": common.steal_pct(ticks, common.cpu_ticks()),
        "load_average": os.getloadavg()[0],
        "changes": Change.objects.count(),
        "populate_s": round(populate_s, 1),
        "samples": SAMPLES,
        "page_samples": PAGE_SAMPLES,
        **check,
        **month,
        "check_target_p95_ms": 50,
        "month_target_p95_ms": 200,
    }
    figures["check_under_target"] = figures["check_p95_ms"] < 50
    figures["month_under_target"] = figures["month_page_p95_ms"] < 200
    common.report("change_calendar", figures)


if __name__ == "__main__":
    main()
