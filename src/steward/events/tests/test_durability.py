"""Acceptance 3 of issue 17: an event answered 202 is never lost. ``steward serve`` takes
batches and single events from several threads, is killed with SIGKILL (the supervisor,
gunicorn and its workers, the worker and the event processor, all at once) right after
202 answers arrived and while more requests are in flight, and started again: every
accepted event is then present exactly once, and handled."""

import contextlib
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from steward.core.tests.processes import child_env, free_port, shared_database
from steward.events.choices import Handling
from steward.events.ingest import ENDPOINTS
from steward.events.models import Event

pytestmark = pytest.mark.django_db(transaction=True)

GENERIC = ENDPOINTS["generic"]
THREADS = 4
KILL_AFTER_EVENTS = 120  # accepted events (about 22 answers 202) before the kill
START_TIMEOUT = 180.0  # seconds: serve's first answer on a loaded two-core machine
DRAIN_TIMEOUT = 120.0  # seconds for the processor to empty the inbox after the restart


def _children_of(pid: int) -> list[int]:
    """Every process under ``pid`` (Linux /proc), the deepest last."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill_all(serve: subprocess.Popen) -> None:
    """SIGKILL serve and everything it started (each child has its own process group)."""
    victims = [serve.pid, *_children_of(serve.pid)]
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    serve.wait(timeout=30)


def _post(port: int, token: str, body: object) -> int | None:
    """The status of one POST, or None when no answer came (the server died)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            GENERIC,
            json.dumps(body),
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def _wait_until_answering(port: int, serve: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert serve.poll() is None, log.read_text()[-3000:]
        if _post(port, "evt_none", {}) == 401:
            return
        time.sleep(0.2)
    pytest.fail(
        f"steward serve did not answer within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}"
    )


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    port = free_port()
    # The web app (two workers), the task worker and the event processor; no scheduler.
    command = [sys.executable, "-m", "steward", "serve", "--port", str(port), "--no-scheduler"]
    with log.open("a") as out:
        serve = subprocess.Popen(
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    try:
        _wait_until_answering(port, serve, log)
        yield port, serve
    finally:
        if serve.poll() is None:
            _kill_all(serve)


class Senders:
    """THREADS threads posting events with unique fingerprints until stopped: batches of 10
    and single events in turn. Keeps the fingerprints of every 202."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.accepted: list[str] = []
        self.unexpected: list[int] = []
        self.answered = threading.Condition()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._send, args=(n,)) for n in range(THREADS)]

    def _send(self, thread: int) -> None:
        n = 0
        while not self.stop.is_set():
            size = 10 if n % 2 == 0 else 1
            fingerprints = [f"t{thread}-r{n}-e{i}" for i in range(size)]
            events = [
                {"resource": "web-01", "event_type": "durability", "fingerprint": f}
                for f in fingerprints
            ]
            status = _post(self.port, self.token, events if size > 1 else events[0])
            if status is None:  # killed: whatever was in flight is unknown, not accepted
                return
            if status != 202:
                self.unexpected.append(status)
                return
            with self.answered:
                self.accepted.extend(fingerprints)
                self.answered.notify_all()
            n += 1

    def __enter__(self) -> "Senders":
        for thread in self.threads:
            thread.start()
        return self

    def wait_for_answers(self, count: int) -> None:
        with self.answered:
            assert self.answered.wait_for(lambda: len(self.accepted) >= count, timeout=120)

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)


def _inbox_size(url: str) -> int:
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)) as db:
            return db.execute("SELECT COUNT(*) FROM events_eventinbox").fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM events_eventinbox")
        return cursor.fetchone()[0]


def _wait_for_empty_inbox(url: str) -> None:
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while (left := _inbox_size(url)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == 0, f"{left} events still in the inbox after {DRAIN_TIMEOUT} s"


def test_every_event_answered_202_survives_a_sigkill_exactly_once_and_handled(
    source, source_token, tmp_path
):
    log = tmp_path / "serve.log"
    with shared_database(tmp_path) as url:
        env = child_env(url, tmp_path, LOG_LEVEL="WARNING")
        with serving(env, log) as (port, serve), Senders(port, source_token) as senders:
            senders.wait_for_answers(KILL_AFTER_EVENTS)
            _kill_all(serve)  # requests are in flight on every thread
        accepted = list(senders.accepted)
        with serving(env, log):
            _wait_for_empty_inbox(url)

    assert senders.unexpected == []
    assert len(accepted) >= KILL_AFTER_EVENTS
    assert len(set(accepted)) == len(accepted)
    events = list(Event.objects.filter(event_type="durability").values_list(
        "fingerprint", "count", "handling"
    ))  # fmt: skip
    stored = [fingerprint for fingerprint, _, _ in events]
    assert len(stored) == len(set(stored)), "an event was stored twice"
    assert set(accepted) <= set(stored), f"lost: {sorted(set(accepted) - set(stored))[:10]}"
    assert {count for _, count, _ in events} == {1}
    assert [f for f, _, handling in events if handling == Handling.PENDING] == []
