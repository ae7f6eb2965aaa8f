"""Latency of the people list (API and page) over a generated directory of 5,000 people."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common
import generate

PEOPLE = int(os.environ.get("BENCH_PEOPLE", 5000))
REQUESTS = 40


def _timed(client, url: str) -> tuple[list[float], int]:
    from django.db import connection

    client.get(url)  # warm-up
    executed = []
    # Count statements with a wrapper: the request cycle resets connection.queries.
    with connection.execute_wrapper(
        lambda execute, sql, *a: executed.append(sql) or execute(sql, *a)
    ):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(REQUESTS):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    return times, len(executed)


def main() -> None:
    common.fresh_database()
    generate.generate_directory(PEOPLE)
    from django.test import Client

    from steward.core.models import Person

    admin = Person.objects.create_superuser("bench-admin", "", "x")
    client = Client()
    client.force_login(admin)
    figures = {"database": common.vendor(), "people": PEOPLE, "requests": REQUESTS}
    for label, url in [("api", "/api/v1/people/"), ("api_search", "/api/v1/people/?q=bakker"),
                       ("page", "/people/")]:  # fmt: skip
        times, queries = _timed(client, url)
        times.sort()
        figures[f"{label}_median_ms"] = round(statistics.median(times), 1)
        figures[f"{label}_p95_ms"] = round(times[int(len(times) * 0.95) - 1], 1)
        figures[f"{label}_queries"] = queries
    common.report("api_people", figures)


if __name__ == "__main__":
    main()
