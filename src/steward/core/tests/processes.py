"""Helpers for tests that run Steward in other processes: a database they share with the
test, a private Redis, an SMTP sink and a webhook receiver the test can count on.
"""

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

CI = os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def shared_database(folder: Path) -> Iterator[str]:
    """A DATABASE_URL other processes can open, holding what the test wrote so far.

    PostgreSQL: the test database itself (use ``django_db(transaction=True)`` so the
    test's rows are committed). SQLite's test database lives in this process's memory:
    it is copied to a file for the other processes, and what they wrote is copied back
    when the block ends, so the test then asserts on it as usual.
    """
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
        yield f"postgres://{s['USER']}@{host}:{port}/{s['NAME']}"
        return
    if not connection.creation.is_in_memory_db(s["NAME"]):
        yield f"sqlite:///{s['NAME']}"
        return
    path = folder / "shared.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    try:
        yield f"sqlite:///{path}"
    finally:
        with sqlite3.connect(path) as source:
            source.backup(connection.connection)


def child_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment of a Steward process that works on ``database_url`` like the test does."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STEWARD_VAR_DIR": str(var_dir),
        # Message-IDs are keyed with it: every process of one site shares it.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "STEWARD_TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # The local receivers below are on 127.0.0.1: allowed on purpose (on-premises).
        "STEWARD_OUTBOUND_ALLOW": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def run_module(
    env: dict[str, str], module: str, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess:
    """``python -m <module> <args>`` in its own process, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_child(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m steward.core.tests.outbox_child <args>`` in its own process."""
    return run_module(env, "steward.core.tests.outbox_child", *args, timeout=timeout)


def run_steward(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess:
    return run_module(env, "steward", *args, timeout=timeout)


def use_rq(settings: Any, redis_url: str) -> None:
    """Make this (test) process enqueue to RQ at ``redis_url``, as a web node would."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    settings.RQ = {"JOB_CLASS": "django_tasks_rq.Job"}


def _missing(what: str) -> None:
    if CI:
        pytest.fail(f"{what} is required under CI")
    pytest.skip(f"{what} is not available here; CI runs this test")


@contextmanager
def redis_server(folder: Path, port: int | None = None) -> Iterator[str]:
    """A private redis-server on 127.0.0.1 for one test; yields its URL.

    Private rather than the machine's shared Redis: RQ keys its queues by name only
    ("rq:queue:default"), so parallel runs on a shared server would take each other's
    jobs; and a test may stop its own server to play a broker outage.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        _missing("redis-server")
    port = port or free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder), "--loglevel", "notice"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:  # blocks until redis says it is ready (or exits)
        if "Ready to accept connections" in line:
            break
    else:
        process.wait()
        pytest.fail(f"redis-server did not start (exit {process.returncode})")
    drain = threading.Thread(target=process.stdout.read, daemon=True)
    drain.start()
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # aiosmtpd's name
                sink.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def env(self) -> dict[str, str]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
        }

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def close(self) -> None:
        self.controller.stop()


class HookReceiver:
    """A local HTTP endpoint on 127.0.0.1 that records every request it is sent (path,
    headers, body) and answers with the next of ``statuses`` (200 once none is left), or
    lets ``answer(handler)`` reply."""

    def __init__(self, answer: Callable[[BaseHTTPRequestHandler], None] | None = None) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                if answer is not None:
                    answer(self)
                    return
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def __enter__(self) -> "HookReceiver":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def deliveries(self) -> list[str]:
        """The webhook delivery ids received, in order."""
        return [request["headers"]["X-Steward-Delivery"] for request in self.requests]

    @property
    def events(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
