"""Deduplication under concurrency (issue 17): the same fingerprints processed by several
processors at once yield one active event each, whose count is exactly what was sent."""

import threading

import pytest
from django.db import connection, connections

from steward.events.models import Event, EventInbox
from steward.events.services.processing import process_inbox
from steward.events.tests.streams import enqueue, normalised

FINGERPRINTS = 5
PER_FINGERPRINT = 400
PROCESSORS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_processors_count_every_repeat_once(source):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers (one IMMEDIATE transaction at a time).")
    stream = [
        normalised(f"host-{n}", "HostDown", severity=("major", "critical")[i % 2])
        for i in range(PER_FINGERPRINT)
        for n in range(FINGERPRINTS)
    ]
    enqueue(source, *stream)
    start = threading.Barrier(PROCESSORS)
    errors: list[BaseException] = []

    def processor() -> None:
        try:
            start.wait()
            while process_inbox(limit=37):  # small batches: many overlap on each key
                pass
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=processor) for _ in range(PROCESSORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert not EventInbox.objects.exists()
    events = Event.objects.filter(source=source)
    assert events.count() == FINGERPRINTS
    assert {e.fingerprint: (e.count, e.active) for e in events} == {
        f"host-{n}/HostDown": (PER_FINGERPRINT, True) for n in range(FINGERPRINTS)
    }
