"""``steward worker`` runs queued tasks; ``steward serve`` keeps its processes together."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks_db.models import DBTaskResult

from steward.core import notify
from steward.core.management.commands.serve import Supervisor
from steward.core.models import Notification, WorkerHeartbeat
from steward.core.tests.factories import make_person

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


def test_serve_stops_everything_when_one_process_dies():
    supervisor = Supervisor({"web": SLEEPER, "worker": _python("raise SystemExit(3)")})
    started = time.monotonic()

    code = supervisor.run(install_signals=False)

    assert code == 1
    assert time.monotonic() - started < 20
    assert all(p.poll() is not None for p in supervisor.children.values())
    assert supervisor.children["worker"].returncode == 3
    assert supervisor.children["web"].returncode == -signal.SIGTERM


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


@pytest.mark.parametrize("args", [["--port", "0"], ["--port", "70000"], ["--workers", "0"]])
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
            [sys.executable, "-m", "steward", "serve", "--port", str(port), "--no-worker"],
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
