"""Event ingestion at a noisy network's rate, against alerta-server (issue 17, acceptance 4).

Everything goes over HTTP to a real ``steward serve`` (gunicorn with
``BENCH_SERVE_WORKERS`` workers, 2 by default, and its event processor
``process_events``, so deduplication and correlation run as in production), fed with
``bench/event_stream.py``'s stream: 90 % repeats, some resolved, hot alerts sent on every
connection at once, 70 % of new alerts on CIs of a generated network (4 switches <- 160
servers <- 40 applications <- 4 services), with an operator account so failures open
incidents.

1. **Single events side by side** (PostgreSQL; on SQLite too when a PostgreSQL server is
   reachable for the peer): 4 clients POST one event per request, to Steward's generic
   JSON endpoint (``/api/v1/events/ingest/``, Bearer token of the source) and to
   alerta-server 9.1.0's ``POST /alert`` (API key; ``bench/peers/alerta.py``; its own
   database ``<bench database>_alerta`` on the same PostgreSQL, gunicorn with as many
   workers), the same stream to both. ``BENCH_SINGLE_ROUNDS`` (2) rounds of
   ``BENCH_SINGLE_SECONDS`` (10) each, alternating Steward and alerta so both see the
   same machine; after each Steward round the bench waits until Steward's processor has
   emptied the inbox (so alerta never shares the cores with it) and counts that time and
   CPU to Steward. ``single_per_s`` / ``alerta_single_per_s`` and their ratio (target
   >= 2).
2. **Batches**, Steward alone: ``BENCH_BATCH_CLIENTS`` (4) clients POST batches of
   ``BENCH_BATCH_SIZE`` (500) events for ``BENCH_BATCH_SECONDS`` (30): ``batch_per_s``
   (accepted events per second of ingestion, target >= 5,000); then the wait until the
   inbox is empty: ``batch_drain_s`` and ``batch_processed_per_s`` (accepted events over
   ingestion plus drain: what the processor sustained).

CPU per accepted event (``*_cpu_ms``): Steward's gunicorn (``web``), its event processor
(``processor``), the rest of ``serve`` (supervisor, task worker, scheduler: ``other``) and
the PostgreSQL backends of its database (``db``; on SQLite the database work is inside
the web and processor figures); alerta's gunicorn and its database's backends (alerta
connects per request: the CPU of the backends PostgreSQL's postmaster reaped). The
clients' own CPU (``clients_cpu_s``) and the machine's (``machine_busy_pct``, and
``others_cpu_s``: CPU used by processes that are not this bench's, e.g. other test runs)
say how loaded the 2 cores were.

Nothing lost: after the run the bench waits for the inbox to empty and compares, per
fingerprint, what was accepted with Steward's events: one event per firing stretch whose
``count`` is the number of firings accepted, cleared when a resolved followed
(``lost_events``, ``extra_events``, ``fingerprints_wrong``); for alerta, per alert its
``duplicateCount`` + 1 for firing alerts, closed for resolved ones, and its own received
counter (``alerta_lost_events``, ``alerta_alerts_wrong``).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common
import event_stream

WORKERS = int(os.environ.get("BENCH_SERVE_WORKERS", 2))
SINGLE_CLIENTS = 4
SINGLE_ROUNDS = int(os.environ.get("BENCH_SINGLE_ROUNDS", 2))
SINGLE_SECONDS = float(os.environ.get("BENCH_SINGLE_SECONDS", 10))
SINGLE_EVENTS = int(os.environ.get("BENCH_SINGLE_EVENTS", 120_000))
BATCH_CLIENTS = int(os.environ.get("BENCH_BATCH_CLIENTS", 4))
BATCH_SIZE = int(os.environ.get("BENCH_BATCH_SIZE", 500))
BATCH_SECONDS = float(os.environ.get("BENCH_BATCH_SECONDS", 30))
BATCH_EVENTS = int(os.environ.get("BENCH_BATCH_EVENTS", 400_000))
DRAIN_TIMEOUT = float(os.environ.get("BENCH_DRAIN_TIMEOUT", 900))
INGEST_PATH = "/api/v1/events/ingest/"
TARGETS = {"batch_per_s": 5000, "single_ratio": 2.0}


# --- The world ------------------------------------------------------------------------------


def _world() -> dict:
    """The network's CIs and services, the operator the source registers incidents as,
    the Network group the routing rules give restoration incidents, a capacity manager,
    the checks as event types with their categories, and the source with its token."""
    from django.utils import timezone

    from steward.configuration.models import (
        CIClass,
        ConfigurationItem,
        Relationship,
        RelationshipType,
    )
    from steward.core import numbering
    from steward.core.models import (
        Organisation,
        OrganisationMembership,
        Person,
        RoleAssignment,
        SupportGroup,
        SupportGroupMembership,
    )
    from steward.events.models import EventType
    from steward.incidents.models import RoutingRule
    from steward.service_level.models import Service

    names = event_stream.network()
    provider = Organisation.objects.create(name="Provider", code="provider", kind="provider")
    classes = {
        code: CIClass.objects.get_or_create(
            name=name, defaults={"code": code, "category": category}
        )[0]
        for code, name, category in (
            ("switch", "Switch", "hardware"), ("server", "Server", "hardware"),
            ("application", "Application", "software"),
            ("business-service", "Business service", "service"),
        )
    }  # fmt: skip
    depends = RelationshipType.objects.get_or_create(
        code="depends-on", defaults={"name": "depends on", "reverse_name": "is needed by"}
    )[0]
    runs = RelationshipType.objects.get_or_create(
        code="runs-on", defaults={"name": "runs on", "reverse_name": "hosts"}
    )[0]

    def ci(name: str, kind: str, **fields: object) -> ConfigurationItem:
        item = ConfigurationItem(name=name, ci_class=classes[kind], **fields)
        numbering.assign(item)
        item.save()
        return item

    services = []
    for name in names["services"]:
        service = Service(name=name, status="active", provider=provider)
        numbering.assign(service)
        service.save()
        services.append(service)
    switches = [ci(n, "switch") for n in names["switches"]]
    servers = [ci(n, "server", attributes={"ip": f"10.1.{i // 200}.{i % 200 + 10}"})
               for i, n in enumerate(names["servers"])]  # fmt: skip
    apps = [ci(n, "application") for n in names["apps"]]
    service_cis = [ci(f"{s.name} service", "business-service", service=s) for s in services]
    since = timezone.now() - timezone.timedelta(days=30)
    links = [(server, switches[i % len(switches)], depends) for i, server in enumerate(servers)]
    links += [(app, servers[(4 * i + k) % len(servers)], runs)
              for i, app in enumerate(apps) for k in range(4)]  # fmt: skip
    links += [(service_cis[i % len(services)], app, runs) for i, app in enumerate(apps)]
    Relationship.objects.bulk_create(
        Relationship(source=s, target=t, type=kind, valid_from=since) for s, t, kind in links
    )
    operator = Person.objects.create(username="bench-operator", first_name="Oscar",
                                     last_name="Operator", email="oscar@example.com")  # fmt: skip
    OrganisationMembership.objects.create(person=operator, organisation=provider,
                                          is_primary=True)  # fmt: skip
    RoleAssignment.objects.create(person=operator, role="operator")
    capacity = Person.objects.create(username="bench-capacity", first_name="Cathy",
                                     last_name="Capacity", email="cathy@example.com")  # fmt: skip
    RoleAssignment.objects.create(person=capacity, role="capacity_manager")
    group = SupportGroup.objects.create(name="Network", organisation=provider)
    SupportGroupMembership.objects.create(group=group, person=operator)
    RoutingRule.objects.create(order=10, name="Infrastructure restoration to Network",
                               service_type="infrastructure_restoration", support_group=group)  # fmt: skip
    for check, category, _, _, _ in event_stream.CHECKS:
        EventType.objects.create(code=check, name=check.replace("_", " ").capitalize(),
                                 category=category)  # fmt: skip
    return {"operator": operator, "group": group, "token": _source(operator, group, provider)}


def _source(operator: object, group: object, provider: object) -> str:
    """The generic JSON source the clients send as, registered by the operations manager
    through ``source_create`` (the token it answers is what a monitor is given), with the
    highest rate limit it allows: the bench measures the server, not the limit."""
    from steward.core.models import OrganisationMembership, Person, RoleAssignment
    from steward.events.services.sources import source_create

    manager = Person.objects.create(username="bench-ops", first_name="Olga",
                                    last_name="Operations", email="olga@example.com")  # fmt: skip
    OrganisationMembership.objects.create(person=manager, organisation=provider, is_primary=True)
    RoleAssignment.objects.create(person=manager, role="operations_manager")
    _, token = source_create(actor=manager, name="Bench monitoring", kind="generic",
                             operator=operator, support_group=group, rate_limit=1_000_000)  # fmt: skip
    return token


# --- Servers and their CPU ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, process: subprocess.Popen) -> None:
    for _ in range(480):
        if process.poll() is not None:
            raise SystemExit(f"bench: the server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.25)
    raise SystemExit(f"bench: {url} did not answer")


class Steward:
    """A ``steward serve`` with its event processor (and task worker and scheduler, as a
    node runs them); ``STEWARD_TASKS_BACKEND=database`` as in production."""

    def __init__(self) -> None:
        from django.db import connection

        self.port = _free_port()
        # This tree's code, not the one the venv's editable install points at.
        path = os.pathsep.join(
            p for p in (str(common.ROOT / "src"), os.environ.get("PYTHONPATH")) if p
        )
        env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost",
               "STEWARD_TASKS_BACKEND": "database", "PYTHONPATH": path}  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "steward.cli", "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(WORKERS)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.database = connection.settings_dict["NAME"]
        _wait(f"http://127.0.0.1:{self.port}/healthz", self.process)
        self.db_meter = common.ServerCpu(self.process.pid, str(self.database)).__enter__()

    def stop(self) -> None:
        self.db_meter.__exit__(None, None, None)
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Alerta:
    """alerta-server 9.1.0 on its own database of the same PostgreSQL server."""

    def __init__(self, bench_url: str) -> None:
        from peers import alerta

        self.peer = alerta
        self.url = alerta.default_database_url(bench_url)
        self.key = alerta.setup(self.url)
        self.port = _free_port()
        self.process = alerta.serve(self.port, WORKERS, self.url)

    def stop(self) -> None:
        self.peer.stop(self.process)


def _machine_busy() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine so far (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return (total - idle) / tick, total / tick


def _tree_cpu(root: int) -> dict[str, float]:
    """CPU seconds of ``root`` and its descendants (with their reaped children), by the
    child of ``root`` they run under: ``gunicorn``, ``process_events`` or ``other``."""
    table = common._proc_table()
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (parent, _, _, _) in table.items():
        children[parent].append(pid)
    parts = {"web": 0.0, "processor": 0.0, "other": 0.0}

    def used(pid: int) -> float:
        return table[pid][2] + table[pid][3]

    def walk(pid: int, part: str) -> None:
        parts[part] += used(pid)
        for child in children.get(pid, ()):
            walk(child, part)

    if root not in table:
        return parts
    parts["other"] += used(root)
    for child in children.get(root, ()):
        command = table[child][1]
        if b"gunicorn" in command:
            walk(child, "web")
        elif b"process_events" in command:
            walk(child, "processor")
        else:
            walk(child, "other")
    return parts


def _postmaster_pid() -> int | None:
    """The PostgreSQL server's main process when it runs on this machine (the first line
    of its data directory's postmaster.pid), else None."""
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", common.DEFAULT_PG)
    url = url if url.startswith("postgres") else common.DEFAULT_PG
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3) as conn:
            directory = conn.execute("SHOW data_directory").fetchone()[0]
        return int((Path(directory) / "postmaster.pid").read_text().split("\n", 1)[0])
    except Exception:  # not reachable, not a superuser, another machine
        return None


def _reaped(pid: int | None) -> float:
    """CPU seconds of the PostgreSQL backends that have ended so far: the postmaster is
    their parent, so the kernel adds their CPU to its children's time when it reaps them.
    alerta opens a connection per request, whose backend lives for milliseconds: this is
    how its database's work is counted (with any other database's backends that ended
    meanwhile: ``db_reaped_noise_cpu_s`` says how much that was during Steward's rounds)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


class Meter:
    """CPU of the servers, their databases and the machine between ``start()`` and
    ``stop()`` (several stretches add up)."""

    def __init__(self, steward: Steward | None = None, alerta: Alerta | None = None) -> None:
        self.steward, self.alerta = steward, alerta
        self.totals: dict[str, float] = defaultdict(float)
        self.postmaster = _postmaster_pid()

    def _now(self) -> dict[str, float]:
        out: dict[str, float] = {}
        busy, total = _machine_busy()
        out["machine_busy"], out["machine_all"] = busy, total
        out["bench"] = time.process_time()  # this process: polling the inbox, counting
        if self.steward:
            for part, value in _tree_cpu(self.steward.process.pid).items():
                out[part] = value
            out["db"] = self.steward.db_meter.seconds()["postgres"]
        if self.alerta:
            out["alerta_web"] = sum(_tree_cpu(self.alerta.process.pid).values())
        out["db_reaped"] = _reaped(self.postmaster)
        return out

    def start(self) -> None:
        self._start = self._now()

    def stop(self) -> None:
        for key, value in self._now().items():
            self.totals[key] += value - self._start[key]


# --- Sending --------------------------------------------------------------------------------


def _steward_requests(steward: Steward, token: str, per_client: list[list[dict]],
                      batch: int) -> list[list[tuple[bytes, int]]]:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    out = []
    for events in per_client:
        requests = []
        for start in range(0, len(events), batch):
            chunk = [event_stream.steward_event(e) for e in events[start : start + batch]]
            body = json.dumps(chunk[0] if batch == 1 else {"events": chunk}).encode()
            requests.append((event_stream.http_request("127.0.0.1", steward.port, INGEST_PATH,
                                                       headers, body), len(chunk)))  # fmt: skip
        out.append(requests)
    return out


def _alerta_requests(alerta: Alerta, per_client: list[list[dict]]) -> list[list]:
    headers = {"Authorization": f"Key {alerta.key}"}
    return [
        [(event_stream.http_request("127.0.0.1", alerta.port, "/alert", headers,
                                    json.dumps(alerta.peer.alert(e)).encode()), 1)
         for e in events]
        for events in per_client
    ]  # fmt: skip


def _inbox_size() -> int:
    from django.db import close_old_connections

    from steward.events.models import EventInbox

    close_old_connections()
    return EventInbox.objects.count()


def _drain() -> float:
    """Seconds until Steward's processor has emptied the inbox (polling twice a second)."""
    started = time.monotonic()
    while _inbox_size():
        if time.monotonic() - started > DRAIN_TIMEOUT:
            raise SystemExit(f"bench: the inbox still holds {_inbox_size()} events "
                             f"after {DRAIN_TIMEOUT:.0f} s")  # fmt: skip
        time.sleep(0.5)
    return time.monotonic() - started


class Ledger:
    """What each server accepted, in each client's sending order, for the final count."""

    def __init__(self) -> None:
        self.accepted: list[dict] = []
        self.uncertain = 0  # events of requests whose answer never came
        self.refused: list = []

    def add(self, events_per_client: list[list[dict]], batch: int, run: dict,
            first: list[int]) -> None:  # fmt: skip
        for client, result in enumerate(run["results"]):
            failed = {f[0]: f for f in result["failures"]}
            events = events_per_client[client]
            for n in range(first[client], result["next"]):
                chunk = events[n * batch : (n + 1) * batch]
                if n not in failed:
                    self.accepted.extend(chunk)
                    continue
                _, status, body = failed[n]
                if status == 0:
                    self.uncertain += len(chunk)
                    continue
                refused = _refused_indexes(body)
                self.refused.append((status, body[:300]))
                self.accepted.extend(e for i, e in enumerate(chunk) if i not in refused)


def _refused_indexes(body: str) -> set[int]:
    """The events of a failed request that were not accepted: those a 202 lists as
    refused; all of them for any other answer."""
    try:
        answer = json.loads(body)
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and answer.get("accepted"):
        return {r.get("index") for r in answer.get("refused", [])}
    return set(range(BATCH_SIZE))


def _single_round(target: str, server: Steward | Alerta, requests: list, position: list[int],
                  events: list[list[dict]], ledger: Ledger, meter: Meter,
                  figures: dict) -> None:  # fmt: skip
    """One round of single-event POSTs to ``target``; Steward's round includes the drain."""
    accepted = event_stream.accepted_202 if target == "steward" else event_stream.accepted_201
    meter.start()
    run = event_stream.run_clients("127.0.0.1", server.port, requests, SINGLE_SECONDS,
                                   accepted, first=position)  # fmt: skip
    drain = _drain() if target == "steward" else 0.0
    meter.stop()
    ledger.add(events, 1, run, position)
    position[:] = [r["next"] for r in run["results"]]
    totals = figures.setdefault(target, defaultdict(float))
    totals["wall_s"] += run["wall_s"]
    totals["drain_s"] += drain
    totals["accepted"] += run["accepted_events"]
    totals["sent"] += run["sent_events"]
    totals["failed"] += len(run["failures"])
    totals["clients_cpu_s"] += run["cpu_s"]
    totals.setdefault("p95", []).append(run["latency_p95_ms"])  # type: ignore[attr-defined]


def _warm(port: int, requests: list[tuple[bytes, int]], accepted: event_stream.Accepted) -> int:
    """Send ``requests`` one after the other, untimed (loads each worker's code); returns
    the events accepted."""
    run = event_stream.run_clients("127.0.0.1", port, [requests], 120, accepted)
    if run["failures"]:
        raise SystemExit(f"bench: warm-up refused: {run['failures'][:3]}")
    return run["accepted_events"]


# --- Counting at the end --------------------------------------------------------------------


def _expected(accepted: list[dict]) -> tuple[dict[str, list[tuple[int, bool]]], int]:
    """Per fingerprint, the events Steward must hold: one per stretch of firings, its
    count the firings accepted, still active unless a resolved followed; and how many
    resolved events found nothing open (dropped, as processing defines them)."""
    firing: dict[str, int] = defaultdict(int)
    stretches: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    dropped = 0
    for event in accepted:
        fingerprint = event["fingerprint"]
        if event["status"] == "firing":
            firing[fingerprint] += 1
        elif firing[fingerprint]:
            stretches[fingerprint].append((firing[fingerprint], False))
            firing[fingerprint] = 0
        else:
            dropped += 1
    for fingerprint, count in firing.items():
        if count:
            stretches[fingerprint].append((count, True))
    return stretches, dropped


def _check_steward(ledger: Ledger) -> dict:
    """Steward's events against what it accepted (after the inbox is empty)."""
    from django.db.models import Count

    from steward.events.models import Event
    from steward.incidents.models import IncidentRequest

    expected, dropped = _expected(ledger.accepted)
    held: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for fingerprint, count, active in Event.objects.values_list("fingerprint", "count", "active"):
        held[fingerprint].append((count, active))
    lost = extra = wrong = 0
    for fingerprint in expected.keys() | held.keys():
        want = sorted(expected.get(fingerprint, []))
        have = sorted(held.get(fingerprint, []))
        if want != have:
            wrong += 1
            difference = sum(c for c, _ in want) - sum(c for c, _ in have)
            lost += max(0, difference)
            extra += max(0, -difference)
    handling = dict(Event.objects.values_list("handling").annotate(n=Count("pk")))
    return {
        "accepted_events": len(ledger.accepted),
        "accepted_firing": sum(e["status"] == "firing" for e in ledger.accepted),
        "accepted_resolved": sum(e["status"] == "resolved" for e in ledger.accepted),
        "uncertain_events": ledger.uncertain,
        "events_held": sum(len(v) for v in held.values()),
        "events_count_sum": sum(c for v in held.values() for c, _ in v),
        "events_cleared": sum(1 for v in held.values() for _, active in v if not active),
        "resolved_dropped": dropped,
        "lost_events": lost,
        "extra_events": extra,
        "fingerprints_wrong": wrong,
        "handling": handling,
        "incidents_opened": IncidentRequest.objects.count(),
    }


def _check_alerta(alerta: Alerta, ledger: Ledger) -> dict:
    """alerta's alerts against what it accepted: a firing alert's duplicate count + 1 is
    the firings accepted; a resolved one is closed with severity normal (alerta starts its
    duplicate count again when the severity changes, so only the closing can be checked)."""
    firing: dict[tuple[str, str], int] = defaultdict(int)
    resolved: set[tuple[str, str]] = set()
    for event in ledger.accepted:
        key = (event["resource"], event["alert_event"])
        if event["status"] == "resolved":
            resolved.add(key)
        else:
            firing[key] += 1
    held = alerta.peer.tally(alerta.url)
    received = held.pop(None)
    lost = wrong = 0
    for key in firing.keys() | resolved:
        duplicate, status, severity = held.get(key, (-1, "", ""))
        if key in resolved:
            wrong += not (status == "closed" and severity == alerta.peer.RESOLVED)
        elif duplicate + 1 != firing[key]:
            wrong += 1
            lost += max(0, firing[key] - duplicate - 1)
    return {
        "alerta_accepted_events": len(ledger.accepted),
        "alerta_alerts_held": len(held),
        "alerta_received_counter": received,
        "alerta_lost_events": lost,
        "alerta_alerts_wrong": wrong,
        "alerta_uncertain_events": ledger.uncertain,
    }


# --- The phases -----------------------------------------------------------------------------


def _per_event(meter: Meter, accepted: float, prefix: str, parts: dict[str, str]) -> dict:
    """``<prefix>_<part>_cpu_ms`` per accepted event, their total, and the machine's load."""
    done = max(accepted, 1)
    out = {}
    for part, key in parts.items():
        out[f"{prefix}_{part}_cpu_ms"] = round(1000 * meter.totals[key] / done, 3)
    out[f"{prefix}_cpu_ms"] = round(sum(out.values()), 3)
    busy, total = meter.totals["machine_busy"], meter.totals["machine_all"]
    out[f"{prefix}_machine_busy_pct"] = round(100 * busy / max(total, 1e-9), 1)
    ours = sum(meter.totals[key] for key in parts.values()) + meter.totals.get("clients", 0.0)
    out[f"{prefix}_others_cpu_s"] = round(max(0.0, busy - ours - meter.totals["bench"]), 2)
    return out


STEWARD_PARTS = {"web": "web", "processor": "processor", "other": "other", "db": "db"}
ALERTA_PARTS = {"web": "alerta_web", "db": "db_reaped"}


def single_phase(steward: Steward, alerta: Alerta | None, world: dict, single: dict,
                 ledgers: dict[str, Ledger]) -> dict:  # fmt: skip
    """Rounds of 4 clients posting one event each, Steward then alerta, same stream."""
    events = single["per_client"]
    targets: dict[str, tuple] = {
        "steward": (steward, _steward_requests(steward, world["token"], events, 1), Meter(steward))
    }
    if alerta is not None:
        targets["alerta"] = (alerta, _alerta_requests(alerta, events), Meter(alerta=alerta))
    positions = {name: [0] * SINGLE_CLIENTS for name in targets}
    totals: dict = {}
    for _ in range(SINGLE_ROUNDS):
        for name, (server, requests, meter) in targets.items():
            _single_round(name, server, requests, positions[name], events, ledgers[name],
                          meter, totals)  # fmt: skip
    figures: dict = {}
    for name, (_, _, meter) in targets.items():
        t = totals[name]
        meter.totals["clients"] = t["clients_cpu_s"]
        prefix = "single" if name == "steward" else "alerta_single"
        figures[f"{prefix}_per_s"] = round(t["accepted"] / t["wall_s"], 1)
        figures[f"{prefix}_accepted"] = int(t["accepted"])
        figures[f"{prefix}_failed_requests"] = int(t["failed"])
        figures[f"{prefix}_seconds"] = round(t["wall_s"], 1)
        figures[f"{prefix}_p95_ms"] = max(x for x in t["p95"] if x is not None)
        figures[f"{prefix}_clients_cpu_s"] = round(t["clients_cpu_s"], 2)
        parts = STEWARD_PARTS if name == "steward" else ALERTA_PARTS
        figures |= _per_event(meter, t["accepted"], prefix, parts)
        if name == "steward":
            figures["db_reaped_noise_cpu_s"] = round(meter.totals["db_reaped"], 2)
            figures["single_drain_s"] = round(t["drain_s"], 1)
            figures["single_with_drain_per_s"] = round(
                t["accepted"] / (t["wall_s"] + t["drain_s"]), 1
            )
    if alerta is not None:
        theirs = max(figures["alerta_single_per_s"], 0.1)
        figures["single_ratio"] = round(figures["single_per_s"] / theirs, 2)
        figures["single_with_drain_ratio"] = round(figures["single_with_drain_per_s"] / theirs, 2)
        figures["single_cpu_ratio"] = round(
            figures["alerta_single_cpu_ms"] / max(figures["single_cpu_ms"], 1e-6), 2
        )
    return figures


def batch_phase(steward: Steward, world: dict, batch: dict, ledger: Ledger) -> dict:
    """Clients posting batches for BATCH_SECONDS, then the wait for the processor."""
    events = batch["per_client"]
    requests = _steward_requests(steward, world["token"], events, BATCH_SIZE)
    ingest, whole = Meter(steward), Meter(steward)
    ingest.start()
    whole.start()
    run = event_stream.run_clients("127.0.0.1", steward.port, requests, BATCH_SECONDS,
                                   event_stream.accepted_202)  # fmt: skip
    ingest.stop()
    backlog = _inbox_size()
    drain = _drain()
    whole.stop()
    ledger.add(events, BATCH_SIZE, run, [0] * len(events))
    accepted = run["accepted_events"]
    for meter in (ingest, whole):
        meter.totals["clients"] = run["cpu_s"]
    figures = {
        "batch_per_s": round(accepted / run["wall_s"], 1),
        "batch_accepted": accepted,
        "batch_failed_requests": len(run["failures"]),
        "batch_seconds": round(run["wall_s"], 1),
        "batch_p95_ms": run["latency_p95_ms"],
        "batch_backlog_at_end": backlog,
        "batch_drain_s": round(drain, 1),
        "batch_processed_per_s": round(accepted / (run["wall_s"] + drain), 1),
        "batch_clients_cpu_s": round(run["cpu_s"], 2),
    }
    figures |= _per_event(whole, accepted, "batch", STEWARD_PARTS)
    during = _per_event(ingest, accepted, "batch_ingesting", STEWARD_PARTS)
    figures["batch_ingesting_machine_busy_pct"] = during["batch_ingesting_machine_busy_pct"]
    figures["batch_ingesting_others_cpu_s"] = during["batch_ingesting_others_cpu_s"]
    return figures


def _warm_up(steward: Steward, alerta: Alerta | None, world: dict, streams: list[dict],
             ledgers: dict[str, Ledger]) -> None:  # fmt: skip
    """The hot alerts' first events, one at a time and untimed: each server's workers load
    their code, and the alerts every client repeats exist before the clients start."""
    firsts = [e for s in streams for e in s["warmup"]]
    requests = _steward_requests(steward, world["token"], [firsts], 1)[0]
    if _warm(steward.port, requests, event_stream.accepted_202) != len(firsts):
        raise SystemExit("bench: Steward refused warm-up events")
    ledgers["steward"].accepted.extend(firsts)
    _drain()
    if alerta is not None:
        single_firsts = streams[0]["warmup"]
        requests = _alerta_requests(alerta, [single_firsts])[0]
        _warm(alerta.port, requests, event_stream.accepted_201)
        ledgers["alerta"].accepted.extend(single_firsts)


def _verdict(figures: dict) -> dict:
    checks = {
        "batch_per_s": figures.get("batch_per_s", 0) >= TARGETS["batch_per_s"],
        "nothing_lost": figures.get("lost_events", 1) == 0
        and figures.get("fingerprints_wrong", 1) == 0,
    }
    if "single_ratio" in figures:
        checks["single_ratio"] = figures["single_ratio"] >= TARGETS["single_ratio"]
    return {"missed": sorted(k for k, ok in checks.items() if not ok),
            "under_target": all(checks.values())}  # fmt: skip


def main() -> None:
    bench_url = common.fresh_database()
    database = common.vendor()
    if database != "postgresql":  # SQLite's work is done inside the web and processor
        STEWARD_PARTS.pop("db")
    with_peer = os.environ.get("BENCH_PEER", "1") != "0" and common._pg_reachable(
        os.environ.get("BENCH_DATABASE_URL", common.DEFAULT_PG)
        if bench_url.startswith("postgres") else common.DEFAULT_PG
    )  # fmt: skip
    figures: dict = {"database": database, "serve_workers": WORKERS, "cores": os.cpu_count(),
                     "single_clients": SINGLE_CLIENTS, "batch_clients": BATCH_CLIENTS,
                     "batch_size": BATCH_SIZE, "peer": "alerta-server 9.1.0" if with_peer else None}  # fmt: skip
    figures["python_speed_s"] = common.python_speed_s()
    figures["load_average_start"] = [round(x, 2) for x in os.getloadavg()]
    ticks = common.cpu_ticks()
    world = _world()
    single = event_stream.stream(SINGLE_EVENTS, SINGLE_CLIENTS, seed=17, prefix="s")
    batch = event_stream.stream(BATCH_EVENTS, BATCH_CLIENTS, seed=18, prefix="b")
    ledgers = {"steward": Ledger(), "alerta": Ledger()}
    steward = Steward()
    alerta = None
    try:
        alerta = Alerta(bench_url) if with_peer else None
        _warm_up(steward, alerta, world, [single, batch], ledgers)
        figures |= single_phase(steward, alerta, world, single, ledgers)
        if alerta is not None:
            alerta.stop()
            figures |= _check_alerta(alerta, ledgers["alerta"])
            alerta = None
        figures |= batch_phase(steward, world, batch, ledgers["steward"])
        _drain()
        figures |= _check_steward(ledgers["steward"])
    finally:
        steward.stop()
        if alerta is not None:
            alerta.stop()
    figures["steal_pct"] = common.steal_pct(ticks, common.cpu_ticks())
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    figures["targets"] = TARGETS
    figures |= _verdict(figures)
    common.report("event_ingest", figures)


if __name__ == "__main__":
    main()
