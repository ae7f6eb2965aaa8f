"""Incident Management at scale (issue 5, acceptance 4).

PostgreSQL with 1,000,000 incident requests (SQLite: 100,000; ``BENCH_INCIDENTS``
overrides):
- ``queue_first_p95_ms`` / ``queue_deep_p95_ms``: the queue of one group and status,
  sorted by priority then age, through ``/api/v1/incidents/`` (keyset cursor): the first
  page of its assigned requests, and the 20th page of its closed ones (the long queue);
  target p95 < 100 ms;
- ``queue_page_p95_ms``: the same queue as the "My groups"-style list page (first page);
- ``search_p95_ms``: full-text search over the requests (``search_incidents``) for one
  to three words; target p95 < 300 ms;
- ``create_per_s``: incident requests created through the API by 4 concurrent clients
  against ``steward serve`` (gunicorn, 2 workers; ``BENCH_SERVE_WORKERS`` changes it) for
  20 s, each with routing, SLA clocks and journal; target at least 200 per second.
  ``create_web_cpu_ms`` / ``create_db_cpu_ms``: CPU per registration in gunicorn and in
  PostgreSQL (Linux /proc); ``cheapest_api_get_per_s``: the same clients and server on
  the cheapest authenticated call (the caller's own API tokens), the ceiling any API
  write on this machine stays under.
"""

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common

BATCH = 10_000
SAMPLES = int(os.environ.get("BENCH_SAMPLES", 100))
GROUPS = 20
WORKERS = int(os.environ.get("BENCH_SERVE_WORKERS", 2))  # gunicorn workers of steward serve
WORDS = [
    "printer",
    "vpn",
    "mailbox",
    "password",
    "laptop",
    "network",
    "slow",
    "error",
    "crash",
    "login",
    "timeout",
    "database",
    "disk",
    "full",
    "backup",
    "restore",
    "certificate",
    "expired",
    "outlook",
    "teams",
    "excel",
    "invoice",
    "payment",
    "portal",
    "report",
    "batch",
    "sync",
    "camera",
    "phone",
    "headset",
    "badge",
    "access",
    "firewall",
    "wifi",
    "screen",
]


def _populate(count: int, rng: random.Random) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from steward.core.models import (
        Organisation,
        OrganisationMembership,
        Person,
        RoleAssignment,
        SupportGroup,
    )
    from steward.incidents.models import IncidentRequest
    from steward.service_level.models import Agreement, Service, ServiceLevelTarget

    provider = Organisation.objects.create(name="Provider", code="provider", kind="provider")
    customers = Organisation.objects.bulk_create(
        Organisation(name=f"Customer {n}", code=f"customer-{n}", kind="customer") for n in range(50)
    )
    groups = SupportGroup.objects.bulk_create(
        SupportGroup(name=f"Group {n:02d}", organisation=provider) for n in range(GROUPS)
    )
    services = Service.objects.bulk_create(
        Service(number=f"SVC{n:06d}", name=f"Service {n}", status="active") for n in range(40)
    )
    requesters = Person.objects.bulk_create(
        Person(username=f"user{n}", first_name="User", last_name=str(n)) for n in range(5000)
    )
    # The API clients register for requesters of customer 0, whose SLA on every service
    # promises response and resolution per priority: each new request starts clocks.
    OrganisationMembership.objects.bulk_create(
        OrganisationMembership(person=p, organisation=customers[0], is_primary=True)
        for p in requesters[:50]
    )
    for n, service in enumerate(services):
        sla = Agreement.objects.create(
            number=f"SLA{n:06d}", kind="sla", name=f"{service.name} SLA", service=service,
            customer=customers[0], status="active", term_start=date(2025, 1, 1),
        )  # fmt: skip
        ServiceLevelTarget.objects.bulk_create(
            ServiceLevelTarget(agreement=sla, kind=kind, priority=p, target_seconds=seconds)
            for p in "1234"
            for kind, seconds in (("response", 3600), ("resolution", 8 * 3600))
        )
    analyst = Person.objects.create(username="bench-desk", first_name="Desk")
    RoleAssignment.objects.create(person=analyst, role="service_desk_analyst")
    coordinator = Person.objects.create(username="bench-coord", first_name="Coord")
    RoleAssignment.objects.create(
        person=coordinator,
        role="group_coordinator",
        scope_type=ContentType.objects.get_for_model(SupportGroup),
        scope_id=groups[0].pk,
    )
    start = datetime(2024, 11, 1, tzinfo=UTC)
    span = (datetime(2026, 11, 1, tzinfo=UTC) - start).total_seconds()
    statuses = (
        ["closed"] * 88 + ["resolved"] * 4 + ["assigned"] * 4 + ["in_progress"] * 3 + ["pending"]
    )
    number = 0
    while number < count:
        rows = []
        for _ in range(min(BATCH, count - number)):
            number += 1
            words = rng.sample(WORDS, 4)
            created = start + timedelta(seconds=rng.random() * span)
            status = rng.choice(statuses)
            rows.append(
                IncidentRequest(
                    number=f"INC{number:07d}",
                    title=f"{words[0].capitalize()} {words[1]} problem",
                    description=f"The {words[2]} shows an {words[3]} since this morning.",
                    requester=rng.choice(requesters),
                    customer=rng.choice(customers),
                    service=rng.choice(services),
                    priority=rng.choice("1223333444"),
                    status=status,
                    support_group=rng.choice(groups),
                    created_at=created,
                    updated_at=created,
                    resolved_at=created + timedelta(hours=5)
                    if status in ("closed", "resolved")
                    else None,
                )
            )
        with common.keep_timestamps(IncidentRequest):
            IncidentRequest.objects.bulk_create(rows, batch_size=BATCH)
    with connection.cursor() as cursor:
        # What autovacuum does to a table this size in production: statistics and the
        # visibility map (index-only counts for the queue tabs).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"groups": groups, "analyst": analyst, "coordinator": coordinator,
            "requesters": requesters[:50], "services": services}  # fmt: skip


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return (
        round(statistics.median(ordered) * 1000, 2),
        round(ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000, 2),
    )


def _queue(world: dict, rng: random.Random) -> dict:
    from urllib.parse import parse_qs, urlparse

    from django.test import Client

    client = Client()
    client.force_login(world["analyst"])
    meter = common.CpuMeter()
    first, deep, page = [], [], []
    for n in range(SAMPLES):
        group = world["groups"][n % GROUPS].pk
        query = {"support_group": group, "status": "assigned"}
        t0 = time.perf_counter()
        with meter.measure("queue_first"):
            response = client.get("/api/v1/incidents/", query)
        first.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.status_code
        # A deep page needs a long queue: the group's closed requests (88% of them).
        deep_query = {"support_group": group, "status": "closed"}
        body = client.get("/api/v1/incidents/", deep_query).json()
        step = None
        for _ in range(19):  # walk to the 20th page; time the last step
            if not body["next"]:
                break
            cursor = parse_qs(urlparse(body["next"]).query)["cursor"][0]
            t0 = time.perf_counter()
            with meter.measure("queue_deep_step"):
                response = client.get("/api/v1/incidents/", {**deep_query, "cursor": cursor})
            step = time.perf_counter() - t0
            assert response.status_code == 200, response.status_code
            body = response.json()
        if step is not None:
            deep.append(step)
        t0 = time.perf_counter()
        with meter.measure("queue_page"):
            response = client.get("/incidents/", {"support_group": group, "status": "assigned"})
        page.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.status_code
    figures = {}
    for name, values in (("queue_first", first), ("queue_deep", deep), ("queue_page", page)):
        figures[f"{name}_median_ms"], figures[f"{name}_p95_ms"] = _ms(values or [0.0])
    return figures | meter.figures()


def _search(world: dict, rng: random.Random) -> dict:
    from steward.incidents.search import search_incidents

    meter = common.CpuMeter()
    times, hits = [], []
    for _ in range(SAMPLES):
        text = " ".join(rng.sample(WORDS, rng.randint(1, 3)))
        t0 = time.perf_counter()
        with meter.measure("search"):
            found = search_incidents(actor=world["analyst"], text=text, limit=50)
        times.append(time.perf_counter() - t0)
        hits.append(len(found))
    median, p95 = _ms(times)
    return {
        "search_median_ms": median,
        "search_p95_ms": p95,
        "search_hits_median": int(statistics.median(hits)),
    } | meter.figures()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the web server this bench started (``server_pid`` and
    its descendants) and by the PostgreSQL backends of the bench database (with their
    running parallel workers), from /proc (Linux); zeros elsewhere. Other processes on the
    machine (other runs, other databases) are not counted. Parallel workers that have
    already exited are not counted either: their CPU is lost to /proc."""
    from django.db import connection

    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    database = connection.settings_dict["NAME"].encode()
    stats: dict[int, tuple[int, bytes, float]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (
            int(fields[1]),
            command,
            (int(fields[11]) + int(fields[12])) / tick,
        )
    web = {server_pid}
    grew = True
    while grew:  # the server's descendants (serve -> gunicorn master -> workers)
        grew = False
        for pid, (parent, _, _) in stats.items():
            if parent in web and pid not in web:
                web.add(pid)
                grew = True
    backends = {pid for pid, (_, command, _) in stats.items()
                if command.startswith(b"postgres: ") and b" " + database + b" " in command}  # fmt: skip
    workers = {pid for pid, (_, command, _) in stats.items()
               if any(command.startswith(b"postgres: parallel worker for PID %d" % leader)
                      for leader in backends)}  # fmt: skip
    return {
        "web": sum(stats[pid][2] for pid in web if pid in stats),
        "postgres": sum(stats[pid][2] for pid in backends | workers),
    }


def _load(
    url: str,
    key: str,
    body: Callable[[random.Random], bytes] | None,
    seconds: float,
    server_pid: int,
) -> dict:
    """4 client threads calling ``url`` (POST ``body(rng)`` when given, else GET) for
    ``seconds``: calls per second, errors, and the server's CPU per call."""
    counts, errors = [0, 0, 0, 0], [0, 0, 0, 0]
    stop = time.perf_counter() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
        while time.perf_counter() < stop:
            data = body(rng) if body else None
            request = urllib.request.Request(url, data=data, headers=headers,
                                             method="POST" if body else "GET")  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    ok = response.status in (200, 201)
                    response.read()
            except Exception:
                ok = False
            counts[n] += ok
            errors[n] += not ok

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    cpu_before, started = _cpu_seconds(server_pid), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, cpu_after = time.perf_counter() - started, _cpu_seconds(server_pid)
    done = max(sum(counts), 1)
    return {
        "per_s": round(sum(counts) / elapsed, 1),
        "errors": sum(errors),
        "web_cpu_ms": round((cpu_after["web"] - cpu_before["web"]) * 1000 / done, 1),
        "db_cpu_ms": round((cpu_after["postgres"] - cpu_before["postgres"]) * 1000 / done, 1),
    }


def _create_rate(world: dict) -> dict:
    """4 client threads POST incident requests to a real ``steward serve`` for 20 s; then,
    for scale, the same clients GET the cheapest authenticated resource (the caller's own
    API tokens) for 10 s."""
    from steward.core.api_auth import token_create
    from steward.incidents.models import RoutingRule

    RoutingRule.objects.create(order=10, name="printers", keywords="printer",
                               support_group=world["groups"][1])  # fmt: skip
    RoutingRule.objects.create(order=20, name="rest", support_group=world["groups"][0])
    _, key = token_create(actor=world["analyst"], name="bench")
    port = _free_port()
    env = {
        **os.environ,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STEWARD_TASKS_BACKEND": "database",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "steward.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(WORKERS)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    requesters = [p.pk for p in world["requesters"]]
    services = [s.pk for s in world["services"]]

    def registration(rng: random.Random) -> bytes:
        return json.dumps({
            "requester": rng.choice(requesters), "service": rng.choice(services),
            "title": f"{rng.choice(WORDS)} {rng.choice(['printer', 'laptop'])} broken",
            "description": "Registered by the bench.", "impact": "3", "urgency": "3",
        }).encode()  # fmt: skip

    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.5)
        create = _load(f"{base}/api/v1/incidents/", key, registration, 20, server.pid)
        floor = _load(f"{base}/api/v1/tokens/", key, None, 10, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "create_per_s": create["per_s"], "create_errors": create["errors"],
        "create_web_cpu_ms": create["web_cpu_ms"], "create_db_cpu_ms": create["db_cpu_ms"],
        "create_clients": 4, "serve_workers": WORKERS, "cores": os.cpu_count(),
        "cheapest_api_get_per_s": floor["per_s"], "cheapest_api_get_web_cpu_ms": floor["web_cpu_ms"],
    }  # fmt: skip


def main() -> None:
    common.fresh_database()
    database = common.vendor()
    count = int(
        os.environ.get("BENCH_INCIDENTS", 1_000_000 if database == "postgresql" else 100_000)
    )
    rng = random.Random(5)
    started = time.perf_counter()
    world = _populate(count, rng)
    populate_s = round(time.perf_counter() - started, 1)
    figures = {"database": database, "incidents": count, "populate_s": populate_s}
    figures["python_10m_loop_s"] = common.python_speed_s()
    ticks = common.cpu_ticks()
    figures |= _queue(world, rng)
    figures |= _search(world, rng)
    figures |= _create_rate(world)
    # CPU taken by the hypervisor while measuring: high values mean a busy host.
    figures["cpu_steal_pct"] = common.steal_pct(ticks, common.cpu_ticks())
    figures |= {
        "queue_target_p95_ms": 100, "search_target_p95_ms": 300, "create_target_per_s": 200,
        "under_target": figures["queue_first_p95_ms"] < 100 and figures["queue_deep_p95_ms"] < 100
        and figures["search_p95_ms"] < 300 and figures["create_per_s"] >= 200,
    }  # fmt: skip
    common.report("incident_queue", figures)


if __name__ == "__main__":
    main()
