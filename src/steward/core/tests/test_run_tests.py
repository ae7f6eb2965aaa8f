"""scripts/run_tests.py: each run's databases are its own, and gone when it ends."""

import psycopg
import pytest
from django.db import connection

from scripts import run_tests

URL = "postgres://postgres@127.0.0.1:5432/steward"


def test_two_runs_never_share_a_database_name():
    first, second = run_tests.run_id(), run_tests.run_id()

    names = {run_tests.test_database_name(URL, run) for run in (first, second)}

    assert len(names) == 2
    # PostgreSQL keeps 63 bytes of a name; pytest-xdist adds "_gw<N>".
    assert all(name.startswith("test_steward_") and len(name) + 5 <= 63 for name in names)


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_the_run_drops_its_databases_and_no_one_elses():
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/postgres"
    mine = run_tests.test_database_name(url, run_tests.run_id())
    other = run_tests.test_database_name(url, run_tests.run_id())
    with psycopg.connect(run_tests.maintenance_url(url), autocommit=True) as conn:
        for name in (f"{mine}_gw0", f"{mine}_gw1", f"{other}_gw0"):
            conn.execute(f'create database "{name}"')
        try:
            dropped = run_tests.drop_test_databases(url, mine)

            left = {row[0] for row in conn.execute("select datname from pg_database")}
            assert sorted(dropped) == [f"{mine}_gw0", f"{mine}_gw1"]
            assert f"{other}_gw0" in left and not {f"{mine}_gw0", f"{mine}_gw1"} & left
        finally:
            conn.execute(f'drop database if exists "{other}_gw0"')
