"""SQLite's single writer: the ingestion's INSERT asks for the write lock alone, again and
again, while the event processor holds it, and writes once it has it; it gives up (the
endpoint answers 503) only after the connection's timeout. Run with fakes: no sleeping,
no second process."""

import pytest
from django.db import OperationalError

from steward.events import ingest
from steward.events.services import processing


class FakeCursor:
    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.executed: list[str] = []

    def execute(self, sql: str, params: object = None) -> None:
        self.executed.append(sql.split(" (")[0])
        if sql == "BEGIN IMMEDIATE" and self.refusals:
            self.refusals -= 1
            raise OperationalError("database is locked")

    def __enter__(self) -> "FakeCursor":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class FakeConnection:
    in_atomic_block = False
    settings_dict = {"OPTIONS": {"timeout": 30}}

    def __init__(self, cursor: FakeCursor) -> None:
        self._cursor = cursor

    def ensure_connection(self) -> None:
        return None

    def cursor(self) -> FakeCursor:
        return self._cursor


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(ingest.time, "sleep", waits.append)
    return waits


def test_the_insert_waits_for_the_lock_then_writes_and_commits(no_wait: list[float]) -> None:
    cursor = FakeCursor(refusals=3)
    ingest._sqlite_write(FakeConnection(cursor), [("INSERT INTO inbox (a) VALUES (%s)", [1])])
    assert cursor.executed == [
        "PRAGMA busy_timeout = 0",
        "BEGIN IMMEDIATE", "BEGIN IMMEDIATE", "BEGIN IMMEDIATE", "BEGIN IMMEDIATE",
        "INSERT INTO inbox", "COMMIT", "PRAGMA busy_timeout = 30000",
    ]  # fmt: skip
    assert no_wait == [ingest.SQLITE_RETRY_SECONDS] * 3


def test_past_the_timeout_nothing_is_written_and_the_error_reaches_the_endpoint(
    no_wait: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    moments = iter([0.0, 10.0, 31.0])  # the start, a refused try, a try past 30 s
    monkeypatch.setattr(ingest.time, "monotonic", lambda: next(moments))
    cursor = FakeCursor(refusals=5)
    with pytest.raises(OperationalError):
        ingest._sqlite_write(FakeConnection(cursor), [("INSERT INTO inbox (a) VALUES (%s)", [1])])
    assert "INSERT INTO inbox" not in cursor.executed
    assert cursor.executed[-1] == "PRAGMA busy_timeout = 30000"  # the connection as it was


@pytest.mark.django_db
def test_the_processor_pauses_between_batches_on_sqlite_only() -> None:
    from django.db import connection

    expected = processing.SQLITE_PAUSE_SECONDS if connection.vendor == "sqlite" else 0.0
    assert processing.pause_between_batches() == expected
