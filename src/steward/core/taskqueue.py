"""The task queue as operations sees it: which backend, is its broker up, how long is it.

Read by ``/healthz`` and ``steward check``; the tasks themselves go through django-tasks.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
RQ_BACKEND = "django_tasks_rq.RQBackend"
RQ_JOB_CLASS = "django_tasks_rq.Job"
BROKER_TIMEOUT = 2  # seconds: a health probe must answer quickly either way


def backend_path() -> str:
    return settings.TASKS["default"]["BACKEND"]


def backend_kind() -> str:
    """``database``, ``rq`` or ``immediate`` (tasks run in the caller's process)."""
    return {DATABASE_BACKEND: "database", RQ_BACKEND: "rq"}.get(backend_path(), "immediate")


def needs_worker() -> bool:
    """False when tasks run inside the web process (immediate backend): no worker to start."""
    return backend_kind() != "immediate"


def queue_names() -> list[str]:
    return list(settings.TASKS["default"].get("QUEUES") or ["default"])


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def rq_connection() -> Any:
    """A Redis connection to the RQ broker with short timeouts (for probes, not workers)."""
    import redis

    url = settings.RQ_QUEUES[queue_names()[0]]["URL"]
    return redis.Redis.from_url(
        url, socket_connect_timeout=BROKER_TIMEOUT, socket_timeout=BROKER_TIMEOUT
    )


def broker_status() -> str:
    """``ok`` or ``unreachable: <reason>``; the database backend's broker is the database."""
    if backend_kind() != "rq":
        return "ok"
    try:
        rq_connection().ping()
    except Exception as exc:  # redis raises several unrelated classes for "not there"
        return f"unreachable: {_reason(exc)}"
    return "ok"


def queue_stats() -> dict[str, int] | None:
    """Tasks waiting, running and failed (RQ: its registries; database: the last day).

    None for the immediate backend, or when the broker cannot be asked.
    """
    kind = backend_kind()
    if kind == "database":
        from django_tasks_db.models import DBTaskResult

        since = timezone.now() - timedelta(days=1)
        return {
            "ready": DBTaskResult.objects.ready().count(),
            "running": DBTaskResult.objects.running().count(),
            "failed_last_day": DBTaskResult.objects.failed().filter(finished_at__gte=since).count(),
        }
    if kind != "rq":
        return None
    import django_rq
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    try:
        connection = rq_connection()
        stats = {"ready": 0, "running": 0, "failed": 0}
        for name in queue_names():
            queue = django_rq.get_queue(name, connection=connection)
            stats["ready"] += queue.count
            stats["running"] += StartedJobRegistry(queue=queue).count
            stats["failed"] += FailedJobRegistry(queue=queue).count
    except Exception:  # broker down: broker_status says so
        return None
    return stats


def rq_job_class_problem() -> str | None:
    """Why RQ workers would fail every task, or None when the job class is right."""
    if backend_kind() != "rq":
        return None
    from django.utils.module_loading import import_string

    configured = getattr(settings, "RQ", {}).get("JOB_CLASS")
    if not configured:
        return "RQ's default job class cannot run django-tasks tasks."
    try:
        job_class = import_string(configured) if isinstance(configured, str) else configured
        required = import_string(RQ_JOB_CLASS)
    except ImportError as exc:
        return f"RQ JOB_CLASS {configured!r} cannot be imported: {exc}."
    if not (isinstance(job_class, type) and issubclass(job_class, required)):
        return f"RQ JOB_CLASS {configured!r} is not {RQ_JOB_CLASS} (or a subclass of it)."
    return None
