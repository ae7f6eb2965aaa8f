"""/healthz: public JSON on this node's database, broker, worker and scheduler, the other
nodes, the queue and the outbox; 503 when this node cannot do its work."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from steward.core import notify, tasks
from steward.core.models import WorkerHeartbeat
from steward.core.tests.factories import make_person
from steward.core.tests.processes import free_port, redis_server, use_rq

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def node(settings):
    settings.STEWARD_NODE_NAME = "node-a"
    settings.STEWARD_NODE_RUNS = []


def beat(kind: str, seconds_ago: float, node: str = "node-a", pid: int = 1) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(
        name=f"{kind}:{node}:{pid}",
        kind=kind,
        hostname=node,
        pid=pid,
        seen_at=timezone.now() - timedelta(seconds=seconds_ago),
    )


ABSENT = {"status": "absent", "last_seen": None, "processes": 0}


def test_a_web_only_node_is_healthy_without_worker_or_scheduler(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "node": "node-a",
        "database": "ok",
        "broker": {"backend": "immediate", "status": "ok"},
        "queue": None,
        "outbox": {"emails_due": 0, "webhooks_due": 0, "oldest_due_seconds": 0},
        "this_node": {"runs": [], "worker": ABSENT, "scheduler": ABSENT},
        "nodes": {},
    }


def test_each_node_reports_its_own_worker_and_scheduler(client):
    worker = beat("worker", seconds_ago=5)
    beat("worker", seconds_ago=8, pid=2)
    beat("scheduler", seconds_ago=120)
    other = beat("worker", seconds_ago=3, node="node-b")

    body = client.get("/healthz").json()

    assert body["nodes"] == {
        "node-a": {
            "worker": {"status": "ok", "last_seen": worker.seen_at.isoformat(), "processes": 2},
            "scheduler": {
                "status": "stale",
                "last_seen": body["nodes"]["node-a"]["scheduler"]["last_seen"],
                "processes": 0,
            },
        },
        "node-b": {
            "worker": {"status": "ok", "last_seen": other.seen_at.isoformat(), "processes": 1},
            "scheduler": ABSENT,
        },
    }
    assert body["this_node"]["worker"]["status"] == "ok"


def test_503_when_a_process_this_node_runs_is_stale_even_if_another_nodes_is_fresh(
    client, settings
):
    settings.STEWARD_NODE_RUNS = ["worker", "scheduler"]
    beat("worker", seconds_ago=300)  # this node's worker died five minutes ago
    beat("scheduler", seconds_ago=5)
    beat("worker", seconds_ago=1, node="node-b")

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["problems"] == ["worker on this node: stale"]
    assert body["nodes"]["node-b"]["worker"]["status"] == "ok"


def test_200_when_everything_this_node_runs_is_alive(client, settings):
    settings.STEWARD_NODE_RUNS = ["worker", "scheduler"]
    beat("worker", seconds_ago=5)
    beat("scheduler", seconds_ago=5)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["this_node"]["runs"] == ["worker", "scheduler"]


def test_503_when_the_rq_broker_is_unreachable(client, settings):
    use_rq(settings, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["backend"] == "rq"
    assert body["broker"]["status"].startswith("unreachable")
    assert body["problems"][0].startswith("broker unreachable")
    assert body["queue"] is None


def test_scope_web_keeps_a_node_in_the_load_balancer_through_a_broker_outage(client, settings):
    settings.STEWARD_NODE_RUNS = ["worker"]
    use_rq(settings, f"redis://127.0.0.1:{free_port()}/0")

    response = client.get("/healthz", {"scope": "web"})

    assert response.status_code == 200
    body = response.json()
    assert body["broker"]["status"].startswith("unreachable")
    assert body["this_node"]["worker"]["status"] == "absent"
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        assert client.get("/healthz", {"scope": "web"}).status_code == 503


def test_rq_queue_length_is_reported(client, settings, tmp_path):
    with redis_server(tmp_path) as url:
        use_rq(settings, url)
        tasks.prune_job_runs.enqueue()
        tasks.prune_job_runs.enqueue()

        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"] == {"backend": "rq", "status": "ok"}
    assert response.json()["queue"] == {"ready": 2, "running": 0, "failed": 0}


def test_database_backend_reports_the_ready_queue(client, settings):
    settings.TASKS = DATABASE_TASKS
    tasks.prune_job_runs.enqueue()
    tasks.prune_job_runs.enqueue()

    body = client.get("/healthz").json()

    assert body["broker"] == {"backend": "database", "status": "ok"}
    assert body["queue"] == {"ready": 2, "running": 0, "failed_last_day": 0}


def test_outbox_backlog_shows_unsent_emails_and_their_age(client, provider):
    person = make_person("service_desk_analyst", organisation=provider, username="erin")
    with mock.patch.object(notify, "_enqueue_emails"):  # the enqueue was lost
        notify.send(recipients=[person], event="x", title="Lost")

    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=2)
    ):
        body = client.get("/healthz").json()

    assert body["outbox"]["emails_due"] == 1
    assert 110 <= body["outbox"]["oldest_due_seconds"] <= 130
    assert body["status"] == "ok"  # reported for monitoring, not this node's fault


def test_unreachable_database_is_503(client):
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("could not connect to server")
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "node": "node-a",
        "database": "unreachable: could not connect to server",
    }


def test_healthz_needs_no_login_and_is_not_cached(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405
