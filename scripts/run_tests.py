"""Run the whole suite on SQLite, then on PostgreSQL.

PostgreSQL is found through TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/steward).
Under CI (CI=true) an unreachable PostgreSQL fails the run; elsewhere that half is
skipped with a message saying how to run it.
"""

import argparse
import os
import subprocess
import sys

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward")
CI = os.environ.get("CI", "").lower() == "true"


def postgres_reachable(url: str) -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        return str(exc)
    # Connect to the maintenance database: the test database is created by the run.
    base, _, _ = url.rpartition("/")
    try:
        with psycopg.connect(f"{base}/postgres", connect_timeout=5) as conn:
            conn.execute("select 1")
    except Exception as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def pytest(env_extra: dict[str, str], extra_args: list[str]) -> int:
    env = {**os.environ, **env_extra}
    cmd = [sys.executable, "-m", "pytest", "-n", os.environ.get("TEST_WORKERS", "2"), *extra_args]
    print("+", " ".join(f"{k}={v}" for k, v in env_extra.items()), " ".join(cmd), flush=True)
    return subprocess.run(cmd, env=env, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args, extra = parser.parse_known_args()
    results: dict[str, int] = {}
    if args.only in (None, "sqlite"):
        print("== SQLite ==", flush=True)
        results["sqlite"] = pytest({"DATABASE_URL": "sqlite:///var/test.sqlite3"}, extra)
    if args.only in (None, "postgres"):
        print("== PostgreSQL ==", flush=True)
        reason = postgres_reachable(PG_URL)
        if reason is None:
            # The browser tests drive the same pages; once (on SQLite) is enough.
            results["postgres"] = pytest({"DATABASE_URL": PG_URL}, ["-m", "not browser", *extra])
        elif CI:
            print(
                f"error: PostgreSQL is required under CI and is not reachable at {PG_URL}: {reason}"
            )
            results["postgres"] = 1
        else:
            print(
                f"skipped: PostgreSQL not reachable at {PG_URL} ({reason}).\n"
                "  Start it (e.g. pg_ctlcluster 15 main start) or set TEST_DATABASE_URL, then "
                "run `make test-postgres`."
            )
    failed = [name for name, code in results.items() if code not in (0,)]
    summary = ", ".join(
        f"{name}: {'ok' if code == 0 else f'FAILED ({code})'}" for name, code in results.items()
    )
    print(f"== {summary} ==")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
