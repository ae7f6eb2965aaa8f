"""/healthz: can this node do its work, and how are the others and the queues doing?

Public and cheap, for load balancers and monitoring. 503 when *this* node cannot do its
work: the database does not answer; under RQ, the broker does not answer; or a process
this node is meant to run (``STEWARD_NODE_RUNS``, set by ``steward serve``: its worker,
its scheduler) has no heartbeat from the last minute. Everything else (other nodes, the
queue length, the outbox backlog) is reported for monitoring and never fails the check.

``?scope=web`` answers 503 only for what the web app itself needs (the database): for a
load balancer that should keep serving pages through a broker outage, when the outbox
holds emails and webhooks until the broker is back, instead of taking every node out.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Max
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from steward.core import dispatcher, scheduler, taskqueue
from steward.core.models import WorkerHeartbeat

# Heartbeats are written every 15 s; four missed beats mean the process is gone or stuck.
STALE_AFTER = timedelta(seconds=60)
KINDS = ("worker", "scheduler")
ABSENT = {"status": "absent", "last_seen": None, "processes": 0}


def _liveness(last_seen: datetime | None, fresh: int, now: datetime) -> dict[str, Any]:
    if last_seen is None:
        return dict(ABSENT)
    status = "ok" if now - last_seen <= STALE_AFTER else "stale"
    return {"status": status, "last_seen": last_seen.isoformat(), "processes": fresh}


def _nodes(now: datetime) -> dict[str, dict[str, Any]]:
    """Per node (heartbeats carry the node name), its worker and scheduler."""
    rows = (
        WorkerHeartbeat.objects.filter(kind__in=KINDS)
        .values("hostname", "kind")
        .annotate(last=Max("seen_at"))
        .order_by("hostname", "kind")
    )
    fresh = {
        (r["hostname"], r["kind"]): r["n"]
        for r in WorkerHeartbeat.objects.filter(kind__in=KINDS, seen_at__gte=now - STALE_AFTER)
        .values("hostname", "kind")
        .annotate(n=Count("pk"))
    }
    nodes: dict[str, dict[str, Any]] = {}
    for row in rows:
        node = nodes.setdefault(row["hostname"], {kind: dict(ABSENT) for kind in KINDS})
        node[row["kind"]] = _liveness(
            row["last"], fresh.get((row["hostname"], row["kind"]), 0), now
        )
    return nodes


def _database_error(exc: DatabaseError) -> str:
    text = str(exc).strip()
    return f"unreachable: {text.splitlines()[0] if text else type(exc).__name__}"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    node = scheduler.node_name()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        now = timezone.now()
        nodes = _nodes(now)
        backlog = dispatcher.backlog(now)
        queue = taskqueue.queue_stats()
    except DatabaseError as exc:  # OperationalError and friends: the database is not usable
        body = {"status": "error", "node": node, "database": _database_error(exc)}
        return JsonResponse(body, status=503)
    broker = taskqueue.broker_status()
    here = nodes.get(node, {kind: dict(ABSENT) for kind in KINDS})
    runs = [kind for kind in KINDS if kind in settings.STEWARD_NODE_RUNS]
    problems = [
        f"{kind} on this node: {here[kind]['status']}"
        for kind in runs
        if here[kind]["status"] != "ok"
    ]
    if broker != "ok":
        problems.insert(0, f"broker {broker}")
    if request.GET.get("scope") == "web":
        problems = []  # reported in the body, not held against the web app
    body: dict[str, Any] = {
        "status": "error" if problems else "ok",
        "node": node,
        "database": "ok",
        "broker": {"backend": taskqueue.backend_kind(), "status": broker},
        "queue": queue,
        "outbox": backlog,
        "this_node": {"runs": runs, **here},
        "nodes": nodes,
    }
    if problems:
        body["problems"] = problems
    return JsonResponse(body, status=503 if problems else 200)


urlpatterns = [path("healthz", healthz, name="healthz")]
