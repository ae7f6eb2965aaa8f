"""Shared set-up for bench scenarios: a fresh database, Django, and the JSON result line."""

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/steward_bench"


def _pg_reachable(url: str) -> bool:
    import psycopg

    base = url.rsplit("/", 1)[0]
    try:
        with psycopg.connect(f"{base}/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def fresh_database() -> str:
    """Create an empty bench database, point DATABASE_URL at it, migrate; return its URL."""
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
    if url.startswith("postgres") and _pg_reachable(url):
        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = url
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return url


def setup_django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    os.environ.setdefault("STEWARD_TASKS_BACKEND", "immediate")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()


def vendor() -> str:
    from django.db import connection

    return connection.vendor


def report(name: str, figures: dict) -> None:
    """Write the figures to var/bench/<name>.json and print them as the last line."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    figures = {
        "scenario": name,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **figures,
    }
    line = json.dumps(figures, sort_keys=False)
    (RESULTS / f"{name}.json").write_text(line + "\n")
    print(line, flush=True)


def cpu_ticks() -> tuple[int, int] | None:
    """(all, stolen) CPU ticks of the machine so far, from /proc/stat (Linux only)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


def steal_pct(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """Share of the machine's CPU time taken by the hypervisor between two ``cpu_ticks``:
    on a shared virtual machine, figures measured while it is high are not comparable."""
    if before is None or after is None or after[0] <= before[0]:
        return None
    return round(100 * (after[1] - before[1]) / (after[0] - before[0]), 1)


def python_speed_s() -> float:
    """Seconds this machine takes for 10 million trivial Python loop steps: a yardstick
    for comparing runs on different or busy machines."""
    started = time.perf_counter()
    total = 0
    for step in range(10_000_000):
        total += step
    return round(time.perf_counter() - started, 2)


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


class CpuMeter:
    """CPU seconds this bench process and its own PostgreSQL backend have used: the cost
    of an in-process operation whatever else the (shared, 2-core) machine is doing. Wall
    time alone moves with the machine's load; CPU per operation hardly does.

    ``with meter.measure("name"): ...`` adds that block's CPU to ``name``; ``figures()``
    gives ``<name>_cpu_ms`` per operation. The backend's CPU comes from /proc in clock
    ticks (10 ms), so single operations are coarse but the mean over many is sound."""

    def __init__(self) -> None:
        self.backend = _backend_pid()
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.totals: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def now(self) -> float:
        used = time.process_time()
        if self.backend is not None:
            try:
                fields = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
                used += (int(fields[11]) + int(fields[12])) / self.tick
            except OSError:  # PostgreSQL on another machine: the bench process alone
                self.backend = None
        return used

    def measure(self, name: str) -> "_Measure":
        return _Measure(self, name)

    def figures(self) -> dict[str, float]:
        return {
            f"{name}_cpu_ms": round(1000 * total / self.counts[name], 2)
            for name, total in self.totals.items()
        }


class _Measure:
    def __init__(self, meter: CpuMeter, name: str) -> None:
        self.meter, self.name = meter, name

    def __enter__(self) -> None:
        self.started = self.meter.now()

    def __exit__(self, *exc: object) -> None:
        used = self.meter.now() - self.started
        self.meter.totals[self.name] = self.meter.totals.get(self.name, 0.0) + used
        self.meter.counts[self.name] = self.meter.counts.get(self.name, 0) + 1


class keep_timestamps:
    """Within this block, ``auto_now_add`` / ``auto_now`` date-time fields of ``model`` keep
    the values a loader gives them. Django's ``pre_save`` overwrites them even in
    ``bulk_create``: without this, generated records spread over two years would all be
    created in the few minutes the load takes, and age sorting would be unrealistically easy."""

    def __init__(self, model: type) -> None:
        self.fields = [
            f for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False)
            or getattr(f, "auto_now", False)
        ]  # fmt: skip
        self.saved = [(f.auto_now, f.auto_now_add) for f in self.fields]

    def __enter__(self) -> None:
        for field in self.fields:
            field.auto_now = field.auto_now_add = False

    def __exit__(self, *exc: object) -> None:
        for field, (now, now_add) in zip(self.fields, self.saved, strict=True):
            field.auto_now, field.auto_now_add = now, now_add


def _proc_table() -> dict[int, tuple[int, bytes, float, float]]:
    """pid -> (parent pid, command line, own CPU seconds, CPU seconds of its reaped
    children) for every process /proc shows (Linux; empty elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    table: dict[int, tuple[int, bytes, float, float]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        table[int(entry.name)] = (
            int(fields[1]),
            command,
            (int(fields[11]) + int(fields[12])) / tick,
            (int(fields[13]) + int(fields[14])) / tick,
        )
    return table


def _database_processes(table: dict, database: str) -> set[int]:
    """The PostgreSQL backends connected to ``database`` (``postgres: [CLUSTER: ]USER
    DATABASE HOST(PORT) ...``; Debian names the cluster, ``15/main:``) and the parallel
    workers running for them; not autovacuum, not other databases' backends."""
    name = database.encode()
    backends, workers = set(), {}
    for pid, (_, command, _, _) in table.items():
        parts = command.split()
        if not parts or parts[0] != b"postgres:":
            continue
        if len(parts) > 1 and parts[1].endswith(b":"):  # the cluster's name
            del parts[1]
        if parts[1:4] == [b"parallel", b"worker", b"for"] and len(parts) > 5:
            workers[pid] = parts[5]
        elif len(parts) > 2 and parts[2] == name:
            backends.add(pid)
    leaders = {str(pid).encode() for pid in backends}
    return backends | {pid for pid, leader in workers.items() if leader in leaders}


def server_cpu_seconds(server_pid: int, database_name: str) -> dict[str, float]:
    """CPU seconds used so far by a web server the bench started and by the PostgreSQL
    backends of the database it serves, from /proc (Linux; zeros elsewhere).

    ``web``: ``server_pid`` and its live descendants, plus the CPU of descendants that
    have exited and been reaped (a restarted gunicorn worker), which /proc adds to their
    parent. ``postgres``: the backends connected to ``database_name`` and their running
    parallel workers. Other processes (other runs, other databases, autovacuum) are not
    counted. A parallel worker that has already exited is lost to /proc: take the
    difference of two calls around short operations, or use ``ServerCpu`` to catch them.
    """
    table = _proc_table()
    web = {server_pid}
    grew = True
    while grew:  # the server's descendants (serve -> gunicorn master -> workers)
        grew = False
        for pid, (parent, _, _, _) in table.items():
            if parent in web and pid not in web:
                web.add(pid)
                grew = True
    return {
        "web": sum(table[pid][2] + table[pid][3] for pid in web if pid in table),
        "postgres": sum(table[pid][2] for pid in _database_processes(table, database_name)),
    }


class ServerCpu:
    """``server_cpu_seconds`` that also counts PostgreSQL parallel workers which exit
    between two readings: while it runs (``with ServerCpu(pid, name) as cpu:``), a thread
    looks at the database's processes every ``interval`` seconds and remembers the last
    CPU it saw for each, so a worker is counted up to its last look (a worker living
    less than ``interval`` can still be missed). ``cpu.seconds()`` gives
    ``{"web", "postgres"}`` used since the start. Command lines are read once per
    process, so a look costs the bench little more than listing /proc."""

    def __init__(self, server_pid: int, database_name: str, interval: float = 0.05) -> None:
        import threading

        self.server_pid, self.database, self.interval = server_pid, database_name, interval
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._lock = threading.Lock()
        self._commands: dict[int, bytes] = {}
        self._seen: dict[tuple[int, str], list[float]] = {}  # (pid, start) -> [first, last]
        self._started = False

    def _look(self) -> None:
        with self._lock:  # the watching thread and seconds() both look
            self._look_locked()

    def _look_locked(self) -> None:
        pids = {int(entry.name) for entry in Path("/proc").glob("[0-9]*")}
        for pid in pids - self._commands.keys():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            # A backend just forked still shows the postmaster's command line until it
            # sets its title: look at it again next time.
            if b"postgres" not in command or command.startswith(b"postgres: "):
                self._commands[pid] = command
        for pid in self._commands.keys() - pids:
            del self._commands[pid]
        table = {pid: (0, command, 0.0, 0.0) for pid, command in self._commands.items()}
        for pid in _database_processes(table, self.database):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used = (int(fields[11]) + int(fields[12])) / self.tick
            # A process first seen after the start did all its work since then; the
            # start time tells a reused pid from the process seen before.
            first = used if not self._started else 0.0
            self._seen.setdefault((pid, fields[19]), [first, used])[1] = used

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self._look()

    def __enter__(self) -> "ServerCpu":
        self._look()
        self._web = server_cpu_seconds(self.server_pid, self.database)["web"]
        self._started = True
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def seconds(self) -> dict[str, float]:
        """CPU seconds of the server and of its database since the block started."""
        self._look()
        with self._lock:
            postgres = sum(last - first for first, last in self._seen.values())
        web = server_cpu_seconds(self.server_pid, self.database)["web"] - self._web
        return {"web": web, "postgres": postgres}


def peer_venv(venv: Path, requirements: list[str]) -> Path:
    """A peer's own venv (python3.11) with ``requirements`` installed; a marker naming the
    requirements makes the next call instant (bench/peers/*)."""
    marker = venv / f".installed-{hashlib.sha1(' '.join(requirements).encode()).hexdigest()[:12]}"
    if marker.exists():
        return venv
    if not (venv / "bin" / "python").exists():
        subprocess.run(["python3.11", "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    *requirements], check=True)  # fmt: skip
    marker.touch()
    return venv
