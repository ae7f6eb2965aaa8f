"""alerta-server 9.1.0 as a peer in the event_ingest bench (issue 17, acceptance 4).

Imported by the bench (Steward's venv) to install, set up, serve and check the peer; the
peer itself runs in its own venv (``var/bench/alerta-venv``), so nothing of alerta's
code is in this repository, only its settings file (``alerta/alertad.conf``).

    ensure_venv() -> Path                       the peer's venv (installed once)
    setup(database_url) -> str                  fresh database, schema, an API key
    serve(port, workers, database_url) -> Popen gunicorn, ready to answer
    stop(server)                                terminate it and wait
    alert(event) -> dict                        a stream event as alerta's POST /alert body
    tally(database_url) -> dict                 what alerta holds: per alert its
                                                duplicate count, status, severity

How alerta is run: stock alerta-server from PyPI with psycopg2, its default plugins
(remote_ip, reject, heartbeat, blackout, forwarder), authentication on with an API key
(``Authorization: Key ...``, scopes read and write:alerts), DEBUG off, served by gunicorn
with sync workers like ``steward serve``. Its deduplication is its own: an alert is
identified by environment + resource + event; the same severity again adds one to
``duplicateCount``; another severity (our "resolved" is severity ``normal``) correlates:
the alert takes the new severity and status ``closed`` and its duplicate count starts
again at 0.

Smoke run (Steward's venv): ``python bench/peers/alerta.py --smoke`` installs, serves and
posts a few alerts.
"""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
import common  # noqa: E402

SITE = HERE / "alerta"
CONF = SITE / "alertad.conf"
VENV = common.RESULTS / "alerta-venv"
VERSION = "9.1.0"
REQUIREMENTS = [f"alerta-server=={VERSION}", "gunicorn", "psycopg2-binary"]
ADMIN = "bench@example.com"
ENVIRONMENT = "Production"  # one of alerta's default ALLOWED_ENVIRONMENTS
# Steward's severities as alerta's; a resolved event is alerta's "normal" (closes it).
SEVERITY = {"critical": "critical", "major": "major", "minor": "minor",
            "warning": "warning", "info": "informational"}  # fmt: skip
RESOLVED = "normal"


def default_database_url(bench_url: str | None = None) -> str:
    """The peer's database beside the bench's PostgreSQL one: ``<bench database>_alerta``.
    On an SQLite bench the default PostgreSQL server still serves alerta (it has no
    SQLite backend): the comparison is always on PostgreSQL."""
    url = bench_url or os.environ.get("BENCH_DATABASE_URL", common.DEFAULT_PG)
    if not url.startswith("postgres"):
        url = common.DEFAULT_PG
    base, name = url.rsplit("/", 1)
    return f"{base}/{name}_alerta"


def python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> Path:
    """The peer's venv: python3.11 with alerta-server, gunicorn and psycopg2
    (installed once: ``common.peer_venv``)."""
    return common.peer_venv(VENV, REQUIREMENTS)


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STEWARD_"))}
    return {
        **env,
        "ALERTA_SVR_CONF_FILE": str(CONF),
        "DATABASE_URL": url,
        "ADMIN_USERS": ADMIN,
        "DEBUG": "false",
        "FLASK_APP": "alerta",
    }


def _recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup(database_url: str) -> str:
    """Recreate the peer's database; alerta creates its schema on its first start (here
    the ``alertad key`` command, so gunicorn's workers do not race to create it). Returns
    the API key the clients send (``Authorization: Key <key>``), with the scopes a
    monitoring integration gets: read and write:alerts."""
    ensure_venv()
    _recreate_database(database_url)
    key = secrets.token_urlsafe(30)[:40]
    done = subprocess.run(
        [str(VENV / "bin" / "alertad"), "key", "--username", ADMIN, "--key", key,
         "--scope", "write:alerts", "--scope", "read:alerts", "--text", "event_ingest bench"],
        env=_env(database_url), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode or key not in done.stdout:
        raise RuntimeError(f"alertad key failed: {done.stdout[-500:]} {done.stderr[-2000:]}")
    return key


def serve(port: int, workers: int, database_url: str) -> subprocess.Popen:
    """gunicorn serving alerta on 127.0.0.1:``port`` with ``workers`` sync workers, as
    ``steward serve`` runs Steward (access log to stdout, discarded like Steward's in
    the bench); returned once it answers."""
    command = [
        str(python()), "-m", "gunicorn", "alerta:create_app()",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--access-logfile", "-", "--graceful-timeout", "10",
    ]  # fmt: skip
    help_text = subprocess.run(
        [str(python()), "-m", "gunicorn", "--help"], capture_output=True, text=True
    ).stdout
    if "--no-control-socket" in help_text:  # as steward serve does
        command.append("--no-control-socket")
    server = subprocess.Popen(
        command, cwd=SITE, env=_env(database_url),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, process_group=0,
    )  # fmt: skip
    for _ in range(240):
        if server.poll() is not None:
            raise RuntimeError(f"alerta's gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/management/healthcheck",
                                        timeout=2):  # fmt: skip
                return server
        except Exception:
            time.sleep(0.25)
    stop(server)
    raise RuntimeError("alerta's gunicorn did not answer within 60 s")


def stop(server: subprocess.Popen) -> None:
    """Stop a server ``serve()`` started."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def alert(event: dict) -> dict:
    """A stream event (``event_stream``) as the body of alerta's ``POST /alert``: the
    resource, the check and its instance as alerta's event name (alerta deduplicates on
    environment + resource + event), the severity (resolved: ``normal``), the summary as
    text, the labels as attributes, the source as origin."""
    return {
        "resource": event["resource"],
        "event": event["alert_event"],
        "environment": ENVIRONMENT,
        "severity": RESOLVED if event["status"] == "resolved" else SEVERITY[event["severity"]],
        "service": [event["service"]],
        "group": event["event_type"],
        "value": event["value"],
        "text": event["summary"],
        "origin": event["origin"],
        "type": "exceptionAlert",
        "attributes": event["attributes"],
        "createTime": event["time"][:23] + "Z",
    }


def tally(database_url: str) -> dict[tuple[str, str], tuple[int, str, str]]:
    """(resource, event) -> (duplicate count, status, severity) of every alert alerta holds,
    and its own count of received alerts (``alerts.received`` metric) under ``None``."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT resource, event, duplicate_count, status, severity FROM alerts"
        ).fetchall()
        received = conn.execute(
            "SELECT count FROM metrics WHERE \"group\"='alerts' AND name='received'"
        ).fetchone()
    out: dict = {(r, e): (d, s, v) for r, e, d, s, v in rows}
    out[None] = received[0] if received else 0
    return out


def _smoke() -> None:
    import socket

    url = default_database_url()
    key = setup(url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = serve(port, 2, url)
    try:
        event = {"resource": "host-001", "alert_event": "disk_full/var", "status": "firing",
                 "severity": "major", "service": "Online Store", "event_type": "disk_full",
                 "value": "91%", "summary": "Disk /var 91% full", "origin": "bench",
                 "attributes": {"mount": "/var"}, "time": "2025-01-01T00:00:00.000000+00:00"}  # fmt: skip
        for status in ("firing", "firing", "firing", "resolved"):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/alert",
                data=json.dumps(alert({**event, "status": status})).encode(),
                headers={"Authorization": f"Key {key}", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                print(response.status, json.loads(response.read())["alert"]["duplicateCount"])
        print(tally(url))
    finally:
        stop(server)


if __name__ == "__main__":
    if "--smoke" in sys.argv:
        _smoke()
