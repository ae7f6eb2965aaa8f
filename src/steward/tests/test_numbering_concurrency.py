import json
import os

import pytest
from django.db import connection

from steward.service_level.models import Service
from steward.tests import concurrency_worker

PROCESSES, PER_PROCESS = 8, 250


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_eight_processes_creating_records_get_distinct_numbers():
    env = {**os.environ, "DATABASE_URL": _database_url()}
    workers = concurrency_worker.start(PROCESSES, PER_PROCESS, env)
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    assert [r["error_count"] for r in results] == [0] * PROCESSES
    numbers = list(Service.objects.values_list("number", flat=True))
    assert len(numbers) == PROCESSES * PER_PROCESS
    assert len(set(numbers)) == PROCESSES * PER_PROCESS
    # Gapless: every number from 1 to 2000 was handed out exactly once.
    assert sorted(int(n[3:]) for n in numbers) == list(range(1, PROCESSES * PER_PROCESS + 1))
