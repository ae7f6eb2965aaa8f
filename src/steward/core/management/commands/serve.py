"""``steward serve``: everything for a single machine in one command.

Collects static files, then runs gunicorn (the web app), ``steward worker`` and
``steward scheduler`` as child processes. SIGINT/SIGTERM are passed on to all of them;
if any child exits on its own, the others are stopped and ``serve`` exits non-zero,
so a process supervisor (systemd, Docker) notices and restarts the whole set.
"""

import contextlib
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from collections.abc import Sequence
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from steward.core.management.commands.worker import needs_worker

STOP_GRACE_SECONDS = 15.0
POLL_SECONDS = 0.5


class Supervisor:
    """Start child processes, pass signals on, and stop them all when one ends."""

    def __init__(self, commands: dict[str, Sequence[str]]) -> None:
        self.commands = commands
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_signal: int | None = None

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signal = signum

    def run(self, *, install_signals: bool = True) -> int:
        """Run until a signal arrives (exit 0) or a child exits (exit 1)."""
        if install_signals:
            signal.signal(signal.SIGINT, self._forward)
            signal.signal(signal.SIGTERM, self._forward)
        for name, argv in self.commands.items():
            # Own process group: a terminal's Ctrl+C reaches only us, and we pass it on
            # once (a second SIGINT would make the worker abandon its running task).
            self.children[name] = subprocess.Popen(list(argv), process_group=0)
        try:
            while self.stop_signal is None:
                ended = [
                    (n, p.returncode) for n, p in self.children.items() if p.poll() is not None
                ]
                if ended:
                    name, code = ended[0]
                    sys.stderr.write(f"steward serve: {name} exited with code {code}; stopping.\n")
                    return 1
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
            help="Do not start the background worker and scheduler (run them elsewhere).",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Do not start the scheduler (another machine runs it).",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        no_worker: bool,
        no_scheduler: bool,
        **options: Any,
    ) -> None:
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
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
            commands["worker"] = [python, "-m", "steward", "worker"]
            if not no_scheduler:
                commands["scheduler"] = [python, "-m", "steward", "scheduler"]
        shown_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        extras = [name for name in ("worker", "scheduler") if name in commands]
        self.stdout.write(
            f"Steward serving on http://{shown_host}:{port}/"
            + (f" with {' and '.join(extras)}" if extras else "")
            + " (Ctrl+C to stop)"
        )
        self.stdout.flush()
        code = Supervisor(commands).run()
        if code:
            sys.exit(code)
