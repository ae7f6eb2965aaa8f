"""/healthz: public JSON about the database, worker and scheduler; 503 without a database."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from steward.core import tasks
from steward.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def beat(kind: str, seconds_ago: float) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(
        name=f"{kind}:host:1", kind=kind, seen_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


def test_healthy_without_worker_or_scheduler_says_absent(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "worker": {"status": "absent", "last_seen": None},
        "scheduler": {"status": "absent", "last_seen": None},
    }


def test_live_worker_is_ok_and_old_heartbeat_is_stale(client):
    worker = beat("worker", seconds_ago=5)
    beat("scheduler", seconds_ago=120)

    body = client.get("/healthz").json()

    assert body["worker"] == {"status": "ok", "last_seen": worker.seen_at.isoformat()}
    assert body["scheduler"]["status"] == "stale"


def test_latest_of_several_workers_counts(client):
    beat("worker", seconds_ago=600)
    WorkerHeartbeat.objects.create(name="worker:other:2", kind="worker", seen_at=timezone.now())

    assert client.get("/healthz").json()["worker"]["status"] == "ok"


def test_database_backend_reports_the_ready_queue(client, settings):
    settings.TASKS = DATABASE_TASKS
    tasks.prune_job_runs.enqueue()
    tasks.prune_job_runs.enqueue()

    body = client.get("/healthz").json()

    assert body["queue"] == {"ready": 2}


def test_unreachable_database_is_503(client):
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("could not connect to server")
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "unreachable: could not connect to server",
    }


def test_healthz_needs_no_login_and_is_not_cached(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405
