"""The event stream of the event_ingest bench (issue 17, acceptance 4) and its clients.

The stream is what a noisy monitored network sends: a new alert now and then, and mostly
the same alerts again while they fire. ``stream(count, ...)`` generates it, seeded, as
plain dicts (one per event, in sending order, already split between the clients):

- 10 % of events are the first of a new fingerprint (``NEW_SHARE``); the other 90 % are
  repeats: a live alert firing again (uniformly among the 5,000 most recent live ones),
  one of the ``HOT`` flapping alerts that every client sends (so the same fingerprint
  arrives on several connections at once), or a "resolved" that ends an alert
  (``RESOLVED_SHARE`` of all events). A resolved fingerprint is never used again.
- An alert is a check (``CHECKS``: its category, severity and instance space, such as a
  disk mount, an interface, a job) on a resource: 70 % of new alerts are on CIs of the
  bench's network (``network()``: switches <- servers <- applications <- services, names
  matched by Steward's default CI match rules), the others on resources unknown to the
  CMDB (for the operator).
- Each non-hot fingerprint belongs to one client (a monitor sends its alert over its own
  connection), so its events arrive in order and the final counts are exact to check;
  hot fingerprints go round the clients. Their first event is sent before the clock
  starts (``warmup``), so the peer, which creates an alert without a lock, is not asked
  to create one twice at once.

The clients (``run_clients``) are processes forked with their requests already encoded
(HTTP/1.1 bytes, body serialised): each sends, reads the answer with a minimal parser and
goes on until its requests or the time run out, then reports what it sent and was
accepted, its latencies and its own CPU (``getrusage``), so the bench can say how much of
the machine the clients took. A gunicorn sync worker closes every connection, so each
request opens one; a server that keeps connections alive gets them reused.
"""

import json
import multiprocessing
import random
import resource
import socket
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

NEW_SHARE = 0.10
RESOLVED_SHARE = 0.02
HOT = 20  # flapping alerts sent by every client
HOT_SHARE = 0.05  # of all events
LIVE_WINDOW = 5000

# (check, category, severity, instance kind, instances)
CHECKS = [
    ("host_down", "outage", "critical", "", 1),
    ("service_unavailable", "outage", "major", "port", 40),
    ("http_latency_high", "degradation", "major", "endpoint", 300),
    ("interface_errors", "degradation", "minor", "interface", 48),
    ("disk_usage_high", "capacity", "warning", "mount", 12),
    ("memory_pressure", "capacity", "warning", "cgroup", 200),
    ("queue_backlog", "capacity", "minor", "queue", 400),
    ("config_changed", "informational", "info", "file", 500),
    ("job_finished_late", "informational", "info", "job", 1000),
]

SWITCHES, SERVERS_PER_SWITCH, APPS, SERVICES = 4, 40, 40, 4
UNKNOWN_RESOURCES = 120


def network() -> dict[str, list[str]]:
    """The names of the bench network's CIs (the scenario creates them in the CMDB):
    core switches, servers depending on a switch, applications running on four servers
    each, services running on ten applications each; and resources the CMDB does not know."""
    switches = [f"core-sw-{n:02d}" for n in range(SWITCHES)]
    servers = [f"srv-{n:03d}" for n in range(SWITCHES * SERVERS_PER_SWITCH)]
    apps = [f"app-{n:03d}" for n in range(APPS)]
    services = ["Online Store", "Payments", "Search", "Mail"][:SERVICES]
    unknown = [f"lab-{n:03d}.test.example" for n in range(UNKNOWN_RESOURCES)]
    return {"switches": switches, "servers": servers, "apps": apps, "services": services,
            "unknown": unknown}  # fmt: skip


def _resource_choices() -> tuple[list[str], list[str], dict[str, str]]:
    names = network()
    known = names["switches"] + names["servers"] + names["apps"]
    service = {}
    for n, name in enumerate(names["servers"]):
        service[name] = names["services"][n % SERVICES]
    for n, name in enumerate(names["apps"]):
        service[name] = names["services"][n % SERVICES]
    for name in names["switches"] + names["unknown"]:
        service[name] = "Network"
    return known, names["unknown"], service


def stream(count: int, clients: int, seed: int = 17, prefix: str = "s",
           start: datetime | None = None) -> dict:  # fmt: skip
    """``count`` events split between ``clients``: ``{"per_client": [[event, ...], ...],
    "warmup": [first events of the hot alerts], "fingerprints": {fp: client or -1 (hot)}}``.
    Fingerprints start with ``prefix`` so several streams can go to one database."""
    rng = random.Random(seed)
    known, unknown, service = _resource_choices()
    start = start or datetime.now(UTC)
    per_client: list[list[dict]] = [[] for _ in range(clients)]
    owner: dict[str, int] = {}
    live: list[dict] = []  # the alerts still firing (their first event, as a template)
    used: set[tuple[str, str, str]] = set()
    counter = [0]

    def new_alert(client: int) -> dict:
        while True:
            resource = rng.choice(known) if rng.random() < 0.7 else rng.choice(unknown)
            check, category, severity, kind, instances = rng.choice(CHECKS)
            instance = f"{kind}-{rng.randrange(instances)}" if kind else ""
            if (resource, check, instance) not in used:
                break
        used.add((resource, check, instance))
        counter[0] += 1
        fingerprint = f"{prefix}:{resource}/{check}/{instance}"
        owner[fingerprint] = client
        alert_event = f"{check}/{instance}" if instance else check
        return {
            "fingerprint": fingerprint, "resource": resource, "event_type": check,
            "alert_event": alert_event, "category": category, "severity": severity,
            "service": service[resource], "origin": f"prometheus-{client}",
            "summary": f"{check.replace('_', ' ')} on {resource}"
                       + (f" ({instance})" if instance else ""),
            "attributes": {"labels": {"alertname": check, "instance": resource,
                                      "job": "node" if resource.startswith("srv") else "blackbox",
                                      "team": "operations", "region": "dc1",
                                      **({"target": instance} if instance else {})},
                           "runbook": f"https://wiki.example.com/runbooks/{check}"},
        }  # fmt: skip

    def emit(template: dict, client: int, n: int, status: str) -> None:
        moment = start + timedelta(milliseconds=n)
        value = f"{rng.randrange(50, 100)}%"
        per_client[client].append({**template, "status": status, "value": value,
                                   "time": moment.isoformat(timespec="microseconds")})  # fmt: skip

    hot = [new_alert(-1) for _ in range(HOT)]
    for alert in hot:
        owner[alert["fingerprint"]] = -1
    warmup = [{**alert, "status": "firing", "value": "1",
               "time": start.isoformat(timespec="microseconds")} for alert in hot]  # fmt: skip
    next_client = 0
    for n in range(count):
        roll = rng.random()
        if roll < NEW_SHARE or not live:
            alert = new_alert(next_client)
            next_client = (next_client + 1) % clients
            live.append(alert)
            emit(alert, owner[alert["fingerprint"]], n, "firing")
        elif roll < NEW_SHARE + HOT_SHARE:
            emit(rng.choice(hot), n % clients, n, "firing")
        elif roll < NEW_SHARE + HOT_SHARE + RESOLVED_SHARE:
            alert = live.pop(rng.randrange(max(0, len(live) - LIVE_WINDOW), len(live)))
            emit(alert, owner[alert["fingerprint"]], n, "resolved")
        else:
            alert = live[rng.randrange(max(0, len(live) - LIVE_WINDOW), len(live))]
            emit(alert, owner[alert["fingerprint"]], n, "firing")
    return {"per_client": per_client, "warmup": warmup, "fingerprints": owner}


# --- What each server is sent ---------------------------------------------------------------


def steward_event(event: dict) -> dict:
    """A stream event in Steward's generic JSON format (``events/formats.py``): the
    monitor names the resource, the check as event type, severity, status, summary, time
    and its labels; the category comes from Steward's event types, not the payload."""
    return {
        "fingerprint": event["fingerprint"],
        "resource": event["resource"],
        "event_type": event["event_type"],
        "severity": event["severity"],
        "status": event["status"],
        "summary": event["summary"],
        "time": event["time"],
        "attributes": {**event["attributes"], "value": event["value"], "service": event["service"]},
    }


def http_request(host: str, port: int, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """One encoded HTTP/1.1 POST."""
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}",
            "Content-Type: application/json", f"Content-Length: {len(body)}"]  # fmt: skip
    head += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


# --- The clients ------------------------------------------------------------------------------

# A request as the clients send it: (encoded bytes, events in it). How an answer counts:
# ``accepted(status, body, events) -> events accepted`` (0 for a failure).
Request = tuple[bytes, int]
Accepted = Callable[[int, bytes, int], int]


def accepted_202(status: int, body: bytes, events: int) -> int:
    """Steward's ingestion: 202 with ``{"accepted": n, "refused": [...]}``."""
    if status != 202:
        return 0
    if events == 1:
        return 1
    return int(json.loads(body).get("accepted", 0))


def accepted_201(status: int, body: bytes, events: int) -> int:
    """alerta's POST /alert: 201 with the alert."""
    return events if status == 201 else 0


class _Connection:
    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.sock: socket.socket | None = None
        self.buffer = b""

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=60)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        try:
            self.sock.sendall(request)
            return self._response()
        except OSError:
            self.close()
            raise

    def _read(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        return chunk

    def _response(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._read()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip().lower()
        close = fields.get(b"connection") == b"close"
        if b"content-length" in fields:
            length = int(fields[b"content-length"])
            while len(self.buffer) < length:
                self.buffer += self._read()
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        elif fields.get(b"transfer-encoding") == b"chunked":
            body = self._chunked()
        else:  # delimited by the end of the connection
            try:
                while True:
                    self.buffer += self._read()
            except ConnectionError:
                pass
            body, close = self.buffer, True
        if close:
            self.close()
        return status, body

    def _chunked(self) -> bytes:
        body = b""
        while True:
            while b"\r\n" not in self.buffer:
                self.buffer += self._read()
            size_line, self.buffer = self.buffer.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                self.buffer += self._read()
            body += self.buffer[:size]
            self.buffer = self.buffer[size + 2 :]
            if size == 0:
                return body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


def _client(host: str, port: int, requests: Sequence[Request], first: int, deadline: float,
            accepted: Accepted, out: "multiprocessing.connection.Connection") -> None:  # fmt: skip
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    connection = _Connection(host, port)
    latencies: list[float] = []
    failures: list[tuple[int, int, str]] = []  # (request index, status, body start)
    events = accepted_events = 0
    n = first
    while n < len(requests) and time.monotonic() < deadline:
        request, size = requests[n]
        started = time.perf_counter()
        try:
            status, body = connection.exchange(request)
        except OSError as exc:
            status, body = 0, str(exc).encode()
        latencies.append(time.perf_counter() - started)
        got = accepted(status, body, size)
        if got != size:
            failures.append((n, status, body[:200_000].decode(errors="replace")))
        events += size
        accepted_events += got
        n += 1
    connection.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.send({"next": n, "sent_requests": n - first, "sent_events": events,
              "accepted_events": accepted_events, "failures": failures,
              "latencies": latencies, "cpu_s": usage.ru_utime + usage.ru_stime - cpu})  # fmt: skip
    out.close()


def run_clients(host: str, port: int, per_client: Sequence[Sequence[Request]],
                seconds: float, accepted: Accepted,
                first: Sequence[int] | None = None) -> dict:  # fmt: skip
    """One forked process per list of requests, sending from ``first[i]`` until the list
    or ``seconds`` run out. Returns ``{"wall_s", "results": [per client], "cpu_s",
    "accepted_events", "sent_requests", "latencies"}``."""
    context = multiprocessing.get_context("fork")
    first = list(first or [0] * len(per_client))
    pipes, processes = [], []
    started = time.monotonic()
    deadline = started + seconds
    for n, requests in enumerate(per_client):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_client, args=(host, port, requests, first[n], deadline, accepted, sender)
        )
        process.start()
        sender.close()
        pipes.append(receiver)
        processes.append(process)
    results = [pipe.recv() for pipe in pipes]
    wall = time.monotonic() - started
    for process in processes:
        process.join()
    latencies = sorted(x for r in results for x in r["latencies"])
    return {
        "wall_s": wall,
        "results": results,
        "cpu_s": sum(r["cpu_s"] for r in results),
        "accepted_events": sum(r["accepted_events"] for r in results),
        "sent_events": sum(r["sent_events"] for r in results),
        "sent_requests": sum(r["sent_requests"] for r in results),
        "failures": [f for r in results for f in r["failures"]],
        "latency_p50_ms": round(1000 * latencies[len(latencies) // 2], 2) if latencies else None,
        "latency_p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 2)
        if latencies
        else None,
    }
