"""``steward worker`` runs queued tasks; ``steward serve`` keeps its processes running."""

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from steward.core import housekeeping, notify, tasks
from steward.core.management.commands import worker as worker_module
from steward.core.management.commands.serve import Supervisor
from steward.core.models import Notification, WorkerHeartbeat
from steward.core.tests.factories import make_person
from steward.core.tests.processes import free_port, use_rq

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_worker_batch_runs_what_is_queued_and_beats(settings, provider):
    settings.TASKS = DATABASE_TASKS  # a real queue instead of the tests' immediate backend
    person = make_person("service_desk_analyst", organisation=provider, username="erin")
    notify.send(recipients=[person], event="incident.assigned", title="Assigned to you")

    # Committed and queued, but nothing has run: no worker yet.
    assert mail.outbox == []
    [queued] = DBTaskResult.objects.all()
    assert queued.status == "READY"

    call_command("worker", "--batch", verbosity=0)

    assert [m.to for m in mail.outbox] == [["erin@example.com"]]
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert Notification.objects.get().emailed_at is not None
    beat = WorkerHeartbeat.objects.get(kind="worker")
    assert beat.pid is not None and beat.hostname

    # A second batch finds nothing to do and sends nothing again.
    call_command("worker", "--batch", verbosity=0)
    assert len(mail.outbox) == 1


def test_worker_refuses_to_run_when_tasks_run_in_the_web_process(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    with pytest.raises(CommandError, match="no worker is needed"):
        call_command("worker", "--batch", verbosity=0)


# --- serve -----------------------------------------------------------------------------------


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


SLEEPER = _python("import time; time.sleep(60)")
SERVE = [sys.executable, "-m", "steward", "serve"]


def test_serve_restarts_a_killed_child_and_leaves_the_others_running(tmp_path):
    runs = tmp_path / "runs"
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(60)
        # The worker is killed (SIGKILL) on its first run; its second run reports in.
        worker = _python(
            "import os, signal, socket, sys, time\n"
            f"runs = {str(runs)!r}\n"
            "n = len(open(runs).read()) if os.path.exists(runs) else 0\n"
            "open(runs, 'a').write('x')\n"
            "if n == 0:\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            f"socket.create_connection(('127.0.0.1', {server.getsockname()[1]})).close()\n"
            "signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))\n"
            "time.sleep(60)"
        )
        supervisor = Supervisor({"web": SLEEPER, "worker": worker}, delay=0.01)
        result: list[int] = []
        thread = threading.Thread(
            target=lambda: result.append(supervisor.run(install_signals=False))
        )
        thread.start()
        try:
            server.accept()[0].close()  # the restarted worker is up
            web = supervisor.children["web"]
            assert web.poll() is None  # the web app never stopped
        finally:
            supervisor._forward(signal.SIGTERM, None)
            thread.join(60)

    assert result == [0]
    assert runs.read_text() == "xx"
    assert supervisor.restarts == 1 and supervisor.children["web"] is web
    assert supervisor.exits == {"web": [], "worker": [supervisor.exits["worker"][0]]}


def test_serve_gives_up_when_a_child_keeps_dying(capsys):
    supervisor = Supervisor(
        {"web": SLEEPER, "worker": _python("raise SystemExit(3)")}, max_restarts=2, delay=0.01
    )

    code = supervisor.run(install_signals=False)

    assert code == 1
    assert supervisor.restarts == 2
    assert all(p.poll() is not None for p in supervisor.children.values())
    assert supervisor.children["worker"].returncode == 3
    assert supervisor.children["web"].returncode == -signal.SIGTERM
    err = capsys.readouterr().err
    assert "worker exited with code 3; restarting it in 0.01 s." in err
    assert "worker exited with code 3, 3 times within 60 s; stopping." in err


def test_serve_tells_its_children_what_this_node_runs(settings):
    settings.TASKS = DATABASE_TASKS
    with (
        mock.patch("steward.core.management.commands.serve.call_command"),
        mock.patch("steward.core.management.commands.serve.Supervisor") as supervisor,
    ):
        supervisor.return_value.run.return_value = 0
        call_command("serve", "--port", "8123", stdout=io.StringIO())

    commands = supervisor.call_args.args[0]
    assert sorted(commands) == ["events", "scheduler", "web", "worker"]
    assert supervisor.call_args.kwargs["env"]["STEWARD_NODE_RUNS"] == "worker,scheduler"
    assert supervisor.call_args.kwargs["housekeeping"] is housekeeping.clean_upload_temp


def test_serve_passes_a_stop_signal_on_and_exits_cleanly():
    # A child that exits 0 on SIGINT, like gunicorn and the worker do.
    graceful = _python(
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, lambda *a: sys.exit(0))\n"
        "time.sleep(60)"
    )
    supervisor = Supervisor({"web": graceful, "worker": graceful})

    # Ask it to stop (as the SIGINT handler would) once the children are up.
    def ask_to_stop_soon() -> None:
        time.sleep(1)
        supervisor._forward(signal.SIGINT, None)

    threading.Thread(target=ask_to_stop_soon, daemon=True).start()
    code = supervisor.run(install_signals=False)

    assert code == 0
    assert [p.returncode for p in supervisor.children.values()] == [0, 0]


@pytest.mark.parametrize(
    "args", [["--port", "0"], ["--port", "70000"], ["--workers", "0"], ["--max-restarts", "-1"]]
)
def test_serve_rejects_bad_options(args):
    with pytest.raises(CommandError):
        call_command("serve", *args)


def test_serve_command_exits_non_zero_when_a_child_fails(tmp_path):
    """End to end: gunicorn cannot bind a port that is taken, so serve stops and fails."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        result = subprocess.run(
            # Give up at the first exit: gunicorn retries the bind for 5 s each start.
            [*SERVE, "--port", str(port), "--no-worker", "--max-restarts", "0"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "STEWARD_VAR_DIR": str(tmp_path)},
        )
    finally:
        taken.close()

    assert result.returncode == 1
    assert f"Steward serving on http://127.0.0.1:{port}/" in result.stdout
    assert "web exited" in result.stderr


# --- steward check: background work -------------------------------------------------------


@pytest.fixture
def admin_registry_kept():
    """Installing django_rq for one test re-runs the admin's autodiscovery, which registers
    django_rq's dashboard for good; later tests in this process (the admin pages) would
    then look for an app that is no longer installed."""
    from django.contrib import admin

    kept = dict(admin.site._registry)
    yield
    admin.site._registry.clear()
    admin.site._registry.update(kept)


@pytest.mark.django_db
def test_check_reports_an_rq_set_up_that_cannot_run_tasks(settings, admin_registry_kept):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq", "django_tasks_rq"]
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{free_port()}/0"}}
    settings.RQ = {}  # RQ's own job class: "'Task' object is not callable"
    out = io.StringIO()

    with pytest.raises(CommandError, match="error"):
        call_command("stewardcheck", stdout=out)

    text = out.getvalue()
    assert "steward.E003" in text and "django_tasks_rq.Job" in text
    assert "steward.E004" in text and "unreachable" in text


@pytest.mark.django_db
def test_check_warns_when_no_worker_runs_and_when_tasks_failed(settings):
    settings.TASKS = DATABASE_TASKS
    result = tasks.prune_job_runs.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(status="FAILED", finished_at=timezone.now())
    out = io.StringIO()

    call_command("stewardcheck", stdout=out)

    text = out.getvalue()
    assert "steward.W005: No background worker has reported in the last minute." in text
    assert "steward.W006: 1 background task(s) failed recently." in text


# --- steward worker under RQ: a broker that is down -----------------------------------------


@pytest.mark.django_db
def test_worker_batch_with_the_broker_down_fails_with_one_line(settings):
    use_rq(settings, f"redis://127.0.0.1:{free_port()}/0")

    with pytest.raises(CommandError, match=r"^The task broker \(Redis\) is unreachable"):
        call_command("worker", "--batch", verbosity=0)


@pytest.mark.django_db
def test_worker_waits_for_a_broker_that_is_down_instead_of_exiting(settings, tmp_path):
    """Under steward serve an exiting worker would be restarted until serve gave up and
    stopped the node: it waits for the broker instead, then works."""
    use_rq(settings, f"redis://127.0.0.1:{free_port()}/0")
    looks = iter(["unreachable: refused", "unreachable: refused", "ok"])
    with (
        mock.patch.object(worker_module.taskqueue, "broker_status", lambda: next(looks)),
        mock.patch.object(worker_module.time, "sleep") as pause,
        mock.patch.object(worker_module, "call_command") as rqworker,
        mock.patch.object(worker_module.scheduler, "Heartbeat"),
    ):
        call_command("worker", verbosity=0)

    assert [c.args[0] for c in pause.call_args_list] == [1.0, 2.0]
    assert rqworker.call_args.args == ("rqworker", "default")
    assert rqworker.call_args.kwargs["job_class"] == "django_tasks_rq.Job"


def test_serve_starts_the_worker_and_scheduler_once_the_web_app_answered():
    answered: list[bool] = []
    seen: list[set[str]] = []

    def ready() -> bool:
        seen.append(set(supervisor.children))
        answered.append(len(answered) >= 2)
        if answered[-1]:  # stop a little later: the next round starts the others
            threading.Timer(1.5, supervisor._forward, (signal.SIGTERM, None)).start()
        return answered[-1]

    supervisor = Supervisor(
        {"web": SLEEPER, "worker": SLEEPER, "scheduler": SLEEPER},
        when_ready=ready,
        after_ready=("worker", "scheduler"),
    )

    assert supervisor.run(install_signals=False) == 0
    assert answered == [False, False, True]
    assert seen[0] == seen[1] == seen[2] == {"web"}  # not before the first answer
    assert set(supervisor.children) == {"web", "worker", "scheduler"}
    assert all(p.poll() is not None for p in supervisor.children.values())
