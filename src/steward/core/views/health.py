"""/healthz: is the database reachable, and are the worker and the scheduler alive?

Public and cheap, for load balancers and monitoring: 200 with details while the
database answers (a stale or absent worker is reported, not fatal), 503 when not.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from steward.core.models import WorkerHeartbeat

# Heartbeats are written every 15 s; four missed beats mean the process is gone or stuck.
STALE_AFTER = timedelta(seconds=60)


def _liveness(kind: str) -> dict[str, Any]:
    beat = WorkerHeartbeat.objects.filter(kind=kind).order_by("-seen_at").first()
    if beat is None:
        return {"status": "absent", "last_seen": None}
    fresh = timezone.now() - beat.seen_at <= STALE_AFTER
    return {"status": "ok" if fresh else "stale", "last_seen": beat.seen_at.isoformat()}


def _queue() -> dict[str, Any] | None:
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return None  # RQ keeps its queue in Redis; its own tools report on it
    from django_tasks_db.models import DBTaskResult

    return {"ready": DBTaskResult.objects.ready().count()}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        body: dict[str, Any] = {
            "status": "ok",
            "database": "ok",
            "worker": _liveness("worker"),
            "scheduler": _liveness("scheduler"),
        }
        queue = _queue()
        if queue is not None:
            body["queue"] = queue
    except DatabaseError as exc:  # OperationalError and friends: the database is not usable
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return JsonResponse({"status": "error", "database": f"unreachable: {reason}"}, status=503)
    return JsonResponse(body)


urlpatterns = [path("healthz", healthz, name="healthz")]
