"""``steward serve``: everything for a single machine (or one node of several) in one command.

Collects static files, then runs gunicorn (the web app), ``steward worker`` and
``steward scheduler`` as child processes. SIGINT/SIGTERM are passed on to all of them.
A child that exits on its own is started again after a short, growing pause (1, 2, 4,
8, 16 s), so a killed worker does not take the web app down with it; only a child that
keeps exiting (more than ``--max-restarts`` times within a minute) stops the whole set,
with exit code 1, for a process supervisor (systemd, Docker) to notice.

Beside them it removes abandoned upload files of this machine every ten minutes
(``core.housekeeping.clean_upload_temp``), and tells its children what this node runs
(``STEWARD_NODE_RUNS``) so ``/healthz`` can answer for them. Once the web app answers it
says so, with the demo logins when the database holds the demo data: the last lines
before the access log, not lost among the children's start-up lines.
"""

import contextlib
import http.client
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from argparse import ArgumentParser
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from steward.core import housekeeping
from steward.core.management.commands.demo import has_demo_people, print_logins
from steward.core.taskqueue import needs_worker

logger = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 15.0
POLL_SECONDS = 0.5
MAX_RESTARTS = 5  # restarts of one child within RESTART_WINDOW before serve gives up
RESTART_WINDOW = 60.0
RESTART_DELAY = 1.0  # before the first restart; doubles with each recent one
HOUSEKEEPING_SECONDS = 600.0
READY_WAIT = 60.0  # the longest the worker and scheduler wait for the web app's first answer


def _say(message: str) -> None:
    sys.stderr.write(f"steward serve: {message}\n")
    sys.stderr.flush()


class Supervisor:
    """Start child processes, pass signals on, restart the ones that die."""

    def __init__(
        self,
        commands: dict[str, Sequence[str]],
        *,
        env: dict[str, str] | None = None,
        max_restarts: int = MAX_RESTARTS,
        window: float = RESTART_WINDOW,
        delay: float = RESTART_DELAY,
        housekeeping: Callable[[], Any] | None = None,
        housekeeping_every: float = HOUSEKEEPING_SECONDS,
        when_ready: Callable[[], bool] | None = None,
        after_ready: Sequence[str] = (),
    ) -> None:
        self.commands = commands
        self.env = env
        self.max_restarts, self.window, self.delay = max_restarts, window, delay
        self.housekeeping, self.housekeeping_every = housekeeping, housekeeping_every
        # Called on each round until it returns True (the web app answered and was announced).
        self.when_ready = when_ready
        # Started once ``when_ready`` said so (at most READY_WAIT later): on a small machine
        # the web app's first page comes sooner when the worker and scheduler do not load
        # Django at the same moment.
        self.after_ready = [n for n in after_ready if n in commands] if when_ready else []
        self.children: dict[str, subprocess.Popen] = {}
        self.exits: dict[str, list[float]] = {name: [] for name in commands}
        self.restart_at: dict[str, float] = {}
        self.restarts = 0
        self.stop_signal: int | None = None

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signal = signum

    def _start(self, name: str) -> None:
        # Own process group: a terminal's Ctrl+C reaches only us, and we pass it on once
        # (a second SIGINT would make the worker abandon its running task).
        self.children[name] = subprocess.Popen(
            list(self.commands[name]), process_group=0, env=self.env
        )

    def _exited(self, name: str, code: int | None, now: float) -> bool:
        """Schedule a restart of ``name``; False when it keeps exiting and we give up."""
        recent = [t for t in self.exits[name] if now - t < self.window] + [now]
        self.exits[name] = recent
        if len(recent) > self.max_restarts:
            _say(f"{name} exited with code {code}, {len(recent)} times within "
                 f"{self.window:.0f} s; stopping.")  # fmt: skip
            return False
        wait = self.delay * 2 ** (len(recent) - 1)
        _say(f"{name} exited with code {code}; restarting it in {wait:g} s.")
        self.restart_at[name] = now + wait
        return True

    def _tidy(self, now: float, last: float) -> float:
        if self.housekeeping is None or now - last < self.housekeeping_every:
            return last
        try:
            self.housekeeping()
        except Exception:  # a full disk or a permission problem must not stop the node
            logger.exception("steward serve: housekeeping failed")
        return now

    def run(self, *, install_signals: bool = True) -> int:
        """Run until a signal arrives (exit 0) or a child keeps exiting (exit 1)."""
        if install_signals:
            signal.signal(signal.SIGINT, self._forward)
            signal.signal(signal.SIGTERM, self._forward)
        deferred = list(self.after_ready)
        for name in self.commands:
            if name not in deferred:
                self._start(name)
        tidied, started = float("-inf"), time.monotonic()
        try:
            while self.stop_signal is None:
                now = time.monotonic()
                if deferred and (self.when_ready is None or now - started >= READY_WAIT):
                    for name in deferred:
                        self._start(name)
                    deferred = []
                for name, process in self.children.items():
                    if name in self.restart_at or process.poll() is None:
                        continue
                    if not self._exited(name, process.returncode, now):
                        return 1
                for name, at in list(self.restart_at.items()):
                    if now >= at:
                        del self.restart_at[name]
                        self._start(name)
                        self.restarts += 1
                        _say(f"{name} restarted (pid {self.children[name].pid}).")
                tidied = self._tidy(now, tidied)
                if self.when_ready is not None and self.when_ready():
                    self.when_ready = None
                time.sleep(POLL_SECONDS)
            return 0
        finally:
            self.stop(self.stop_signal or signal.SIGTERM)

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Send ``signum`` to the children still running; kill those that outstay the grace."""
        running = [p for p in self.children.values() if p.poll() is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signum)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _gunicorn_has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


def _answers(host: str, port: int, timeout: float) -> bool:
    """Whether the web app at ``host``:``port`` answers a page (any status)."""
    local = {"0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1"}.get(host, host.strip("[]"))
    connection = http.client.HTTPConnection(local, port, timeout=timeout)
    try:
        connection.request("GET", "/login/", headers={"User-Agent": "steward-serve"})
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _watch_for_answer(host: str, port: int) -> threading.Event:
    """An event set once the web app answers. One request at a time, waiting as long as
    the app takes to start (a request given up would still be answered, and logged, later)."""
    answered = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if _answers(host, port, timeout=120):
                answered.set()
                return
            time.sleep(POLL_SECONDS)

    threading.Thread(target=watch, name="serve-ready", daemon=True).start()
    return answered


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


class Command(BaseCommand):
    help = "Serve Steward on one machine: gunicorn plus the background worker and scheduler."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1)."
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="Port to listen on (default 8000)."
        )
        parser.add_argument(
            "--workers", type=int, default=2, help="Gunicorn web workers (default 2)."
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start the background worker, scheduler and event processor (run them "
            "elsewhere).",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Do not start the scheduler (another machine runs it).",
        )
        parser.add_argument(
            "--max-restarts",
            type=int,
            default=MAX_RESTARTS,
            help=f"Restarts of one process within a minute before serve gives up and "
            f"stops (default {MAX_RESTARTS}).",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        no_worker: bool,
        no_scheduler: bool,
        max_restarts: int,
        **options: Any,
    ) -> None:
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if max_restarts < 0:
            raise CommandError("--max-restarts must be zero or more.")
        call_command("collectstatic", interactive=False, verbosity=0)
        python = sys.executable
        commands: dict[str, list[str]] = {
            "web": [
                python, "-m", "gunicorn", "steward.wsgi:application",
                "--bind", _bind(host, port),
                "--workers", str(workers),
                "--access-logfile", "-",
                "--graceful-timeout", "10",
            ],
        }  # fmt: skip
        if _gunicorn_has_control_socket():
            # gunicorn >= 25.1 opens a control socket under $HOME; a service account may
            # have no home, and two instances would share the path. Nothing here uses it.
            commands["web"].append("--no-control-socket")
        background = not no_worker and needs_worker()
        if background:
            # Quiet (-v 0): this command says what runs; their warnings are still logged.
            commands["worker"] = [python, "-m", "steward", "worker", "-v", "0"]
            if not no_scheduler:
                commands["scheduler"] = [python, "-m", "steward", "scheduler", "-v", "0"]
        # --- processing: the event processor (Event Management), started with the web app:
        # accepted events wait in the inbox until it runs. Not with --no-worker (it runs
        # elsewhere then); it needs no task queue, so not tied to needs_worker().
        if not no_worker:
            commands["events"] = [python, "-m", "steward", "process_events", "-v", "0"]
        shown_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        extras = [name for name in ("worker", "scheduler") if name in commands]
        self.stdout.write(
            f"Steward serving on http://{shown_host}:{port}/"
            + (f" with {' and '.join(extras)}" if extras else "")
            + " (Ctrl+C to stop)"
        )
        self.stdout.flush()
        env = {**os.environ, "STEWARD_NODE_RUNS": ",".join(extras)}
        started = time.monotonic()
        answered = _watch_for_answer(host, port)

        def announce() -> bool:
            if not answered.is_set():
                return False
            self.stdout.write(
                f"Steward is ready on http://{shown_host}:{port}/ "
                f"(answered {time.monotonic() - started:.1f} s after starting)."
            )
            with contextlib.suppress(DatabaseError):  # the page answered; logins are extra
                if has_demo_people():
                    print_logins(self.stdout)
            self.stdout.flush()
            return True

        code = Supervisor(
            commands,
            env=env,
            max_restarts=max_restarts,
            housekeeping=housekeeping.clean_upload_temp,
            when_ready=announce,
            after_ready=("worker", "scheduler"),
        ).run()
        if code:
            sys.exit(code)
