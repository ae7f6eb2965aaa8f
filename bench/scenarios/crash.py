"""Crash run (issue 10, acceptance 3): SIGKILL web and worker processes while clients
register incident requests with attachments; afterwards every committed request has each
notification emailed and each webhook delivered exactly once, and nothing is orphaned.

Two parts, on a scratch PostgreSQL database (``BENCH_DATABASE_URL``, default
``.../steward_bench_crash``), with a local SMTP sink (aiosmtpd) and a local webhook
receiver in this process:

1. ``single_node``: ``steward serve`` (gunicorn, worker, scheduler; database task queue).
   4 clients register requests and attach a file (every 4th one 2.5 MB, spooled to disk)
   for ``BENCH_CRASH_SECONDS`` (40); gunicorn workers, the worker and the scheduler are
   SIGKILLed at random moments (serve restarts them). Then the whole node is SIGKILLed
   (a machine crash), started again, and left to drain.
2. ``two_nodes``: two ``steward serve`` on different ports sharing the database, the
   media folder and a private ``redis-server`` (``STEWARD_TASKS_BACKEND=rq``). Node A's
   worker is SIGKILLed repeatedly, gunicorn workers of both nodes at random, and the broker
   is stopped (``redis-cli shutdown nosave``: queued jobs are lost) for
   ``BENCH_BROKER_DOWN_SECONDS`` (60), then started again on the same port.

Counted per part, from the database and from what the sink and the receiver got:
committed requests (and those whose client saw an error: killed after commit), emails
expected / received once / duplicated / missing (by the notification id in the
Message-ID), webhook deliveries the same (by X-Steward-Delivery), requests without their
delivery, attachment rows without a file, stored files without a row (found, then swept as
``core.sweep_orphan_files`` would an hour later), spooled uploads left behind. Waiting for
the drain can take up to the email lease (5 min) after a worker was killed mid-send.

``BENCH_WEBHOOK_HOST`` (127.0.0.1) is the receiver's address; ``STEWARD_OUTBOUND_ALLOW``
is set to it for the nodes, as an on-premises installation would allow an internal target.
"""

import contextlib
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common

os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_bench_crash"
)
os.environ.pop("REDIS_URL", None)  # this process and part 1 use no Redis
ROOT = common.RESULTS / "crash"
# The nodes' shared media folder; this process counts stored files and orphans in it.
os.environ["MEDIA_ROOT"] = str(ROOT / "media")

SECONDS = int(os.environ.get("BENCH_CRASH_SECONDS", 40))
OUTAGE = int(os.environ.get("BENCH_BROKER_DOWN_SECONDS", 60))
HOOK_HOST = os.environ.get("BENCH_WEBHOOK_HOST", "127.0.0.1")
CLIENTS = 4
DRAIN_LIMIT = 9 * 60  # longer than the email lease (5 min) plus a dispatcher minute
BIG = 2_500_000  # over FILE_UPLOAD_MAX_MEMORY_SIZE: spooled to var/tmp/uploads
NOTE_ID = re.compile(rb"\.steward-n(\d+)@")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- What arrives ----------------------------------------------------------------------------


class Sink:
    """SMTP server counting notification ids (from the Message-ID) of what it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
        self.received: Counter[int] = Counter()
        self.other = 0
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # aiosmtpd's name
                found = NOTE_ID.search(envelope.content)
                with sink.lock:
                    if found:
                        sink.received[int(found.group(1))] += 1
                    else:
                        sink.other += 1
                return "250 OK"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()


class Receiver:
    """Webhook endpoint counting deliveries by X-Steward-Delivery."""

    def __init__(self) -> None:
        self.received: Counter[int] = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received[int(self.headers["X-Steward-Delivery"])] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((HOOK_HOST, 0), Handler)
        self.url = f"http://{HOOK_HOST}:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


# --- Processes -------------------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process (Linux /proc)."""
    found = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        found[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), command)
    return found


def _children(pid: int, table: dict[int, tuple[int, str]]) -> list[tuple[int, str]]:
    return [(p, cmd) for p, (parent, cmd) in table.items() if parent == pid]


class Node:
    """One ``steward serve`` with its own var folder, node name and port."""

    def __init__(self, name: str, env: dict[str, str], workers: int = 2) -> None:
        self.name, self.port = name, _free_port()
        self.var = ROOT / name
        self.var.mkdir(parents=True, exist_ok=True)
        self.env = {**env, "STEWARD_VAR_DIR": str(self.var), "STEWARD_NODE_NAME": name}
        self.workers = workers
        self.log = open(self.var / "serve.log", "a")  # noqa: SIM115 - closed in stop()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "steward", "serve", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not become healthy; see {self.var / 'serve.log'}")

    def targets(self, kind: str) -> list[int]:
        """pids of this node's gunicorn workers ("web"), worker (with any RQ work horse)
        or scheduler."""
        if self.process is None:
            return []
        table = _processes()
        found = []
        for pid, command in _children(self.process.pid, table):
            if kind == "web" and "gunicorn" in command:
                found += [p for p, _ in _children(pid, table)]
            elif kind in ("worker", "scheduler") and f"steward {kind}" in command:
                found.append(pid)
                found += [p for p, _ in _children(pid, table)]  # RQ's work horse
        return found

    def kill(self, kind: str, rng: random.Random) -> bool:
        pids = self.targets(kind)
        if not pids:
            return False
        try:
            os.kill(rng.choice(pids), signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    def crash(self) -> None:
        """SIGKILL serve and everything under it, as a machine crash would."""
        assert self.process is not None
        table = _processes()
        doomed, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            doomed.append(pid)
            todo += [p for p, _ in _children(pid, table)]
        for pid in doomed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.crash()
        self.log.close()

    def restarts(self) -> int:
        return (self.var / "serve.log").read_text(errors="replace").count(" restarted (pid ")


class Broker:
    """A private redis-server the run can stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(ROOT)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                              text=True).stdout.strip() == "PONG":  # fmt: skip
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def shutdown(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
                       capture_output=True)  # fmt: skip
        if self.process is not None:
            self.process.wait(timeout=30)


# --- Load ------------------------------------------------------------------------------------


def _multipart(fields: dict[str, str], name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _call(url: str, key: str, body: bytes, content_type: str, stats: Counter) -> dict | None:
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Authorization": f"Token {key}", "Content-Type": content_type},
    )  # fmt: skip
    for _ in range(5):
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 429:  # throttled: wait as told, then try again
                stats["throttled"] += 1
                time.sleep(float(exc.headers.get("Retry-After") or 1))
                continue
            stats[f"http_{exc.code}"] += 1
            return None
        except (OSError, urllib.error.URLError, json.JSONDecodeError):
            stats["connection_errors"] += 1  # a killed gunicorn worker
            return None
    return None


def _client(n: int, bases: list[str], key: str, world: dict, stop: threading.Event,
            stats: Counter) -> None:  # fmt: skip
    rng = random.Random(n)
    small = b"Ping output and the error message the user saw.\n" * 20
    big = b"%PDF-1.7\n" + bytes(rng.getrandbits(8) for _ in range(1000)) * (BIG // 1000)
    count = 0
    while not stop.is_set():
        base = bases[count % len(bases)]
        count += 1
        body = json.dumps({"requester": rng.choice(world["requesters"]),
                           "title": f"Crash run {n}-{count}",
                           "description": "Registered by bench crash."}).encode()  # fmt: skip
        created = _call(f"{base}/api/v1/incidents/", key, body, "application/json", stats)
        if created is None:
            continue
        stats["created"] += 1
        name, content = ("trace.pdf", big) if count % 4 == 0 else ("ping.txt", small)
        fields = {"record_type": "incidents.incidentrequest", "record_id": str(created["id"])}
        data, content_type = _multipart(fields, name, content)
        if _call(f"{base}/api/v1/attachments/", key, data, content_type, stats) is not None:
            stats["attached"] += 1


def _killer(plan: list[tuple[Node, str]], rng: random.Random, stop: threading.Event,
            kills: Counter, pause: tuple[float, float] = (1.5, 4.0)) -> None:  # fmt: skip
    while not stop.wait(rng.uniform(*pause)):
        node, kind = rng.choice(plan)
        if node.kill(kind, rng):
            kills[f"{node.name}:{kind}"] += 1


# --- Set-up and counting -----------------------------------------------------------------------


def _world(receiver: Receiver) -> dict:
    from steward.core.api_auth import token_create
    from steward.core.models import WebhookSubscription
    from steward.core.tests.factories import (
        OrganisationFactory,
        SupportGroupFactory,
        add_member,
        make_person,
    )
    from steward.incidents.models import RoutingRule

    provider = OrganisationFactory(kind="provider", name="Provider", code="provider")
    customer = OrganisationFactory(kind="customer", name="Customer", code="customer")
    group = SupportGroupFactory(name="Server team", organisation=provider)
    coordinator = make_person("group_coordinator", organisation=provider, scope=group,
                              username="coord")  # fmt: skip
    add_member(group, coordinator)
    analyst = make_person("service_desk_analyst", organisation=provider, username="desk")
    requesters = [
        make_person("requester", organisation=customer, username=f"user{n}").pk for n in range(20)
    ]
    RoutingRule.objects.create(order=10, name="Everything", support_group=group)
    WebhookSubscription.objects.create(name="Crash receiver", url=receiver.url,
                                       secret="bench-secret-" + "x" * 24)  # fmt: skip
    _, key = token_create(actor=analyst, name="bench crash")
    return {"key": key, "requesters": requesters}


def _baseline() -> dict[str, int]:
    from django.db.models import Max

    from steward.core.models import Notification, WebhookDelivery
    from steward.incidents.models import IncidentRequest

    def top(model: type) -> int:
        return model.objects.aggregate(m=Max("pk"))["m"] or 0

    return {"incident": top(IncidentRequest), "note": top(Notification),
            "delivery": top(WebhookDelivery)}  # fmt: skip


def _drain(base: dict[str, int]) -> float:
    """Seconds until nothing is left to send (or DRAIN_LIMIT)."""
    from django.db import close_old_connections

    from steward.core.choices import DeliveryStatus
    from steward.core.models import Notification, WebhookDelivery

    began = time.monotonic()
    while time.monotonic() - began < DRAIN_LIMIT:
        close_old_connections()
        emails = Notification.objects.filter(
            pk__gt=base["note"], emailed_at__isnull=True, email_due_at__isnull=False
        ).exists()
        hooks = WebhookDelivery.objects.filter(
            pk__gt=base["delivery"],
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
        ).exists()
        if not emails and not hooks:
            break
        time.sleep(2)
    return round(time.monotonic() - began, 1)


def _count(base: dict, sink: Sink, receiver: Receiver, nodes: list[Node], stats: Counter) -> dict:
    from django.core.files.storage import default_storage
    from django.db.models import Count
    from django.test import override_settings

    from steward.core import housekeeping
    from steward.core.choices import DeliveryStatus
    from steward.core.models import Attachment, Notification, WebhookDelivery
    from steward.incidents.models import IncidentRequest

    incidents = IncidentRequest.objects.filter(pk__gt=base["incident"])
    notes = Notification.objects.filter(pk__gt=base["note"], send_email=True)
    expected_notes = set(notes.values_list("pk", flat=True))
    deliveries = WebhookDelivery.objects.filter(pk__gt=base["delivery"])
    expected_hooks = set(deliveries.values_list("pk", flat=True))
    got_notes = {pk: n for pk, n in sink.received.items() if pk > base["note"]}
    got_hooks = {pk: n for pk, n in receiver.received.items() if pk > base["delivery"]}
    per_incident = Counter(
        dict(
            Notification.objects.filter(pk__gt=base["note"], record_id__in=incidents.values("pk"))
            .values_list("record_id")
            .annotate(n=Count("pk"))
        )
    )
    with_delivery = set(
        deliveries.filter(event="incident.created").values_list("record_id", flat=True)
    )
    ids = list(incidents.values_list("pk", flat=True))
    attachments = Attachment.objects.filter(record_id__in=ids, record_type__model="incidentrequest")
    spooled = 0
    for node in nodes:
        folder = node.var / "tmp" / "uploads"
        spooled += sum(1 for p in folder.glob("*") if p.is_file()) if folder.exists() else 0
        with override_settings(FILE_UPLOAD_TEMP_DIR=folder):
            housekeeping.clean_upload_temp(older_than=timedelta(0))
    orphans = housekeeping.orphan_files(grace=timedelta(0))
    housekeeping.sweep_orphan_files(grace=timedelta(0))
    figures = {
        "registrations_confirmed": stats["created"],
        "committed_requests": len(ids),
        "committed_but_client_saw_an_error": len(ids) - stats["created"],
        "attachments_confirmed": stats["attached"],
        "attachment_rows": attachments.count(),
        "client_connection_errors": stats["connection_errors"],
        "client_http_errors": sum(v for k, v in stats.items() if k.startswith("http_")),
        "throttled": stats["throttled"],
        "emails_expected": len(expected_notes),
        "emails_marked_sent": notes.filter(emailed_at__isnull=False).count(),
        "emails_received_once": sum(1 for pk in expected_notes if got_notes.get(pk) == 1),
        "emails_duplicated": sum(n - 1 for pk, n in got_notes.items() if n > 1),
        "emails_missing": len(expected_notes - set(got_notes)),
        "emails_unexpected": len(set(got_notes) - expected_notes),
        "emails_given_up": notes.filter(emailed_at__isnull=True, email_due_at__isnull=True).count(),
        "requests_without_two_notifications": sum(1 for pk in ids if per_incident[pk] != 2),
        "webhooks_expected": len(expected_hooks),
        "webhooks_marked_delivered": deliveries.filter(status=DeliveryStatus.DELIVERED).count(),
        "webhooks_received_once": sum(1 for pk in expected_hooks if got_hooks.get(pk) == 1),
        "webhooks_duplicated": sum(n - 1 for pk, n in got_hooks.items() if n > 1),
        "webhooks_missing": len(expected_hooks - set(got_hooks)),
        "requests_without_created_webhook": len(set(ids) - with_delivery),
        "attachment_rows_without_file": sum(
            1 for a in attachments if not default_storage.exists(a.file.name)
        ),
        "orphan_files_found": len(orphans),
        "orphan_files_after_sweep": len(housekeeping.orphan_files(grace=timedelta(0))),
        "spooled_uploads_left": spooled,
        "serve_restarts": sum(node.restarts() for node in nodes),
    }
    figures["exactly_once"] = (
        figures["emails_received_once"] == figures["emails_expected"]
        and figures["webhooks_received_once"] == figures["webhooks_expected"]
        and figures["emails_duplicated"] == figures["webhooks_duplicated"] == 0
        and figures["requests_without_created_webhook"] == 0
        and figures["requests_without_two_notifications"] == 0
    )
    figures["no_orphans"] = (
        figures["attachment_rows_without_file"] == 0 and figures["orphan_files_after_sweep"] == 0
    )
    return figures


def _run_load(bases: list[str], key: str, world: dict, seconds: float, plan: list,
              rng: random.Random, stats: Counter, kills: Counter,
              events: list[tuple[float, object]] = ()) -> float:  # fmt: skip
    """Clients and the killer for ``seconds``; ``events`` are (at second, callable)."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=_client, args=(n, bases, key, world, stop, stats))
        for n in range(CLIENTS)
    ]
    threads.append(threading.Thread(target=_killer, args=(plan, rng, stop, kills)))
    began = time.monotonic()
    for t in threads:
        t.start()
    for at, action in sorted(events, key=lambda e: e[0]):
        time.sleep(max(0.0, began + at - time.monotonic()))
        action()
    time.sleep(max(0.0, began + seconds - time.monotonic()))
    stop.set()
    for t in threads:
        t.join()
    return round(time.monotonic() - began, 1)


def _env(sink: Sink, url: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-crash-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "MEDIA_ROOT": str(ROOT / "media"),
        "STEWARD_OUTBOUND_ALLOW": HOOK_HOST,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def single_node(url: str, sink: Sink, receiver: Receiver, world: dict) -> dict:
    rng, stats, kills = random.Random(1), Counter(), Counter()
    base = _baseline()
    node = Node("node-1", _env(sink, url, {"STEWARD_TASKS_BACKEND": "database"}))
    node.start()
    try:
        plan = [(node, "web")] * 3 + [(node, "worker")] * 2 + [(node, "scheduler")]
        load_s = _run_load([node.base], world["key"], world, SECONDS, plan, rng, stats, kills)
        node.crash()  # the whole machine goes down...
        node.start()  # ...and comes back
        drain_s = _drain(base)
    finally:
        node.stop()
    figures = _count(base, sink, receiver, [node], stats)
    return {"load_s": load_s, "kills": dict(kills), "node_crashed_and_restarted": True,
            "drain_s": drain_s, **figures}  # fmt: skip


def two_nodes(url: str, sink: Sink, receiver: Receiver, world: dict) -> dict:
    from django.utils import timezone

    from steward.incidents.models import IncidentRequest

    rng, stats, kills = random.Random(2), Counter(), Counter()
    base = _baseline()
    broker = Broker()
    broker.start()
    rq = {"STEWARD_TASKS_BACKEND": "rq", "REDIS_URL": broker.url}
    nodes = [Node("node-a", _env(sink, url, rq)), Node("node-b", _env(sink, url, rq))]
    outage: dict = {}

    def stop_broker() -> None:
        outage["from"], outage["from_at"] = time.monotonic(), timezone.now()
        broker.shutdown()

    def start_broker() -> None:
        broker.start()
        outage["to"], outage["to_at"] = time.monotonic(), timezone.now()

    for node in nodes:
        node.start()
    try:
        plan = [(nodes[0], "web"), (nodes[1], "web"), (nodes[0], "worker"), (nodes[0], "worker")]
        events = [(10, stop_broker), (10 + OUTAGE, start_broker)]
        load_s = _run_load([n.base for n in nodes], world["key"], world, SECONDS + OUTAGE, plan,
                           rng, stats, kills, events)  # fmt: skip
        drain_s = _drain(base)
    finally:
        for node in nodes:
            node.stop()
        broker.shutdown()
    figures = _count(base, sink, receiver, nodes, stats)
    during = IncidentRequest.objects.filter(
        pk__gt=base["incident"], created_at__range=(outage["from_at"], outage["to_at"])
    ).count()
    return {"load_s": load_s, "kills": dict(kills),
            "broker_down_s": round(outage["to"] - outage["from"], 1),
            "registered_while_broker_down": during, "drain_s": drain_s, **figures}  # fmt: skip


def main() -> None:
    if shutil.which("redis-server") is None:
        raise SystemExit("bench crash needs redis-server (apt-get install redis-server)")
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir(parents=True)
    url = common.fresh_database()
    if common.vendor() != "postgresql":
        raise SystemExit("bench crash needs PostgreSQL (BENCH_DATABASE_URL)")
    sink, receiver = Sink(), Receiver()
    world = _world(receiver)
    began = time.monotonic()
    figures = {"database": common.vendor(), "clients": CLIENTS, "cores": os.cpu_count()}
    figures["single_node"] = single_node(url, sink, receiver, world)
    figures["two_nodes"] = two_nodes(url, sink, receiver, world)
    figures["total_s"] = round(time.monotonic() - began, 1)
    figures["all_exactly_once_and_no_orphans"] = all(
        figures[part]["exactly_once"] and figures[part]["no_orphans"]
        for part in ("single_node", "two_nodes")
    )
    sink.controller.stop()
    common.report("crash", figures)


if __name__ == "__main__":
    main()
