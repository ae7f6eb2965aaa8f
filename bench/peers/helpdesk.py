"""django-helpdesk 2.6.x as a peer in the incident_queue bench (issue 12).

Imported by the bench (Steward's venv) to install, load, serve and drive the peer; the
peer itself runs in its own venv (``var/bench/helpdesk-venv``), so nothing of
helpdesk's code is in this repository. Only this module and the small Django project
beside it (``helpdesk/peer_site``: settings, urls, wsgi; ``helpdesk/load_tickets.py``).

    ensure_venv() -> Path                      the peer's venv (installed once)
    load(database_url, count, seed=5, history=False) -> dict   fresh database, tickets
    serve(port, workers=2, database_url=None) -> Popen   gunicorn, ready to answer
    stop(server)                               terminate it and wait
    login(base_url) -> dict[str, str]          request headers of the staff user
    equivalents(groups_info) -> {name: rng -> (method, path, body)}

Smoke run (Steward's venv): ``python bench/peers/helpdesk.py --smoke 2000``.
"""

import base64
import http.cookiejar
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
import common  # noqa: E402
import incident_data  # noqa: E402

SITE = HERE / "helpdesk"  # the Django project serving helpdesk (working directory)
VENV = common.RESULTS / "helpdesk-venv"
VERSION = "2.6.1"
REQUIREMENTS = [f"django-helpdesk=={VERSION}", "gunicorn", "psycopg[binary]"]
USERNAME = "bench-desk"  # created by load_tickets.py as a staff superuser
PASSWORD = "bench-desk-password"
PAGE = 50  # rows per list page and API page, as Steward's
OPEN = [1, 2]  # helpdesk's Open and Reopened: what its ticket list shows by default

Request = tuple[str, str, bytes | None]
# The HTML equivalents are page shells: helpdesk's list page fetches its rows from a
# JSON endpoint after loading. The page a desk agent sees costs shell + rows.
PAGE_ROWS = {"queue_all_html": "queue_all_api", "queue_group_html": "queue_group_api"}

_last: dict = {}  # what the last load() made, for serve() and equivalents()


def default_database_url(bench_url: str | None = None) -> str:
    """The peer's database beside the bench's: ``<bench database>_helpdesk``."""
    url = bench_url or os.environ.get("BENCH_DATABASE_URL", common.DEFAULT_PG)
    base, name = url.rsplit("/", 1)
    return f"{base}/{name}_helpdesk"


def python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> Path:
    """The peer's venv: python3.11 with django-helpdesk, gunicorn and psycopg
    (installed once: ``common.peer_venv``)."""
    return common.peer_venv(VENV, REQUIREMENTS)


def _recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "peer_site.settings",
        "PYTHONPATH": str(SITE),
        # Steward's own settings variables mean nothing to the peer.
        "HELPDESK_PEER_STATIC_ROOT": str(common.RESULTS / "helpdesk-static"),
        "HELPDESK_PEER_MEDIA_ROOT": str(common.RESULTS / "helpdesk-media"),
    }


def load(database_url: str, count: int, seed: int = 5, history: bool = False) -> dict:
    """Recreate the peer's database, migrate it, and load 20 queues (one per generated
    support group), the staff user and ``count`` tickets of ``incident_data.tickets(count,
    seed)``: same numbers (as ticket ids), titles, descriptions, queues, priorities,
    dates, resolutions; replies as public follow-ups and work notes as private ones;
    open statuses as helpdesk's Open, resolved and closed as its own. Then VACUUM
    ANALYZE. ``history`` adds the follow-ups helpdesk writes itself when a ticket is
    opened, resolved and closed through it (about 2.8 more per ticket): off by default,
    so both products hold the same records. Returns ``{"queues": [id per group], "user", "token", "load_s",
    "database_url", "database", "count"}``."""
    ensure_venv()
    _recreate_database(database_url)
    started = time.perf_counter()
    done = subprocess.run(
        [str(python()), str(SITE / "load_tickets.py"), str(count), str(seed), PASSWORD]
        + (["history"] if history else []),
        cwd=SITE, env=_env(database_url), check=True, capture_output=True, text=True,
    )  # fmt: skip
    info = json.loads(done.stdout.strip().splitlines()[-1])
    info |= {
        "load_s": round(time.perf_counter() - started, 1),
        "database_url": database_url,
        "database": database_url.rsplit("/", 1)[1],
        "count": count,
        "history": history,
    }
    _last.clear()
    _last.update(info)
    return info


def serve(port: int, workers: int = 2, database_url: str | None = None) -> subprocess.Popen:
    """gunicorn serving the peer on 127.0.0.1:``port`` with ``workers`` sync workers, as
    ``steward serve`` runs Steward (access log to stdout, graceful timeout 10 s), DEBUG
    off; returned once it answers. The worker timeout is 300 s instead of 30: some of
    helpdesk's calls take seconds at scale and would otherwise be killed, not measured.
    The caller stops it (``terminate()``, ``wait()``)."""
    url = database_url or _last.get("database_url") or default_database_url()
    command = [
        str(python()), "-m", "gunicorn", "peer_site.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--access-logfile", "-", "--graceful-timeout", "10", "--timeout", "300",
    ]  # fmt: skip
    help_text = subprocess.run(
        [str(python()), "-m", "gunicorn", "--help"], capture_output=True, text=True
    ).stdout
    if "--no-control-socket" in help_text:  # as steward serve does
        command.append("--no-control-socket")
    server = subprocess.Popen(
        command, cwd=SITE, env=_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(240):
        if server.poll() is not None:
            raise RuntimeError(f"helpdesk's gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2):
                return server
        except Exception:
            time.sleep(0.25)
    server.terminate()
    raise RuntimeError("helpdesk's gunicorn did not answer within 60 s")


def stop(server: subprocess.Popen) -> None:
    """Stop a server ``serve()`` started (gunicorn finishes requests in flight for up to
    10 s, then it is killed)."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def login(base_url: str) -> dict[str, str]:
    """Headers for requests as the staff user: the session cookie (through helpdesk's
    login form, with its CSRF token) for the pages and their JSON, and the DRF token
    (``Authorization: Token``, checked first, so API writes need no CSRF token) for the
    API. One dict serves every equivalent."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base_url}/login/", timeout=30) as response:
        form = response.read().decode()
    middleware_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({
        "username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": middleware_token,
        "next": "/tickets/",
    }).encode()  # fmt: skip
    with opener.open(f"{base_url}/login/", data=data, timeout=30) as response:
        response.read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("helpdesk's login form did not log the bench user in")
    data = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD}).encode()
    with urllib.request.urlopen(f"{base_url}/api-token-auth/", data=data, timeout=30) as r:
        token = json.loads(r.read())["token"]
    return {
        "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        "X-CSRFToken": cookies.get("csrftoken", ""),
        "Authorization": f"Token {token}",
    }


def _query(params: dict) -> str:
    """The list page's query as helpdesk encodes it into its rows URL."""
    return base64.b64encode(json.dumps(params).encode()).decode("ascii")


def _rows(params: dict, start: int = 0, length: int = PAGE) -> str:
    """The JSON call the list page's DataTable makes for its rows (``order: []`` in the
    page's script: no order parameter, so the query's own sort applies)."""
    arguments = urllib.parse.urlencode(
        {"draw": 1, "start": start, "length": length, "search[value]": "",
         "search[regex]": "false"}
    )  # fmt: skip
    return f"/datatables_ticket_list/{_query(params)}?{arguments}"


def _list_params(filtering: dict, search: str = "") -> dict:
    # What views.staff.ticket_list builds when filters are given in the URL.
    return {"filtering": filtering, "filtering_null": {}, "sorting": "created",
            "sortreverse": None, "search_string": search}  # fmt: skip


def equivalents(groups_info: dict | list | None = None) -> dict[str, Callable[..., Request]]:
    """helpdesk's equivalents of the bench's Steward calls, each a function of a
    ``random.Random`` giving ``(method, path, body)``; send them with ``login()``'s
    headers (and ``Content-Type: application/json`` for a body). ``groups_info`` is
    ``load()``'s answer (or its ``queues`` list); default: the last load.

    - ``queue_all_html``: the ticket list as a desk agent opens it (``/tickets/``: Open
      and Reopened, oldest first). It is a shell; its rows come from
      ``queue_all_api`` right after, so the page costs both (``PAGE_ROWS``).
    - ``queue_all_api``: those rows, the first 50 (its DataTables JSON endpoint, which is
      where its list's filtering, sorting and paging live).
    - ``queue_group_html`` / ``queue_group_api``: the same for one queue, as its filter
      form gives it (``?queue=ID&status=1&status=2``).
    - ``queue_deep_api``: page 20 of the all-open rows (``start=950``, 50 rows).
    - ``rest_all_api`` / ``rest_deep_api``: its DRF API, ``/api/tickets/?status=1,2``,
      first and 20th page of 50. It has no queue filter, search or sort, and loads every
      matching ticket before paging (``TicketViewSet.get_queryset``).
    - ``search_1_word`` .. ``search_3_words``: its navigation-bar search (``q`` with
      statuses Open, Reopened, Resolved, as the bar's form sends them): the rows call
      with that query; the shell around it is the same page as ``queue_all_html``.
      Words from ``incident_data.WORDS``; helpdesk matches the words as one phrase.
    - ``register``: POST ``/api/tickets/`` (queue, title, description, submitter e-mail,
      priority), which goes through its ticket form and sends its e-mails.
    """
    info = groups_info if groups_info is not None else _last
    queues = list(info["queues"] if isinstance(info, dict) else info)
    all_open = {"filtering": {"status__in": OPEN}, "sorting": "created",
                "search_string": "", "sortreverse": False}  # fmt: skip

    def group(rng: random.Random) -> int:
        return rng.choice(queues)

    def search(words: int) -> Callable[[random.Random], Request]:
        def call(rng: random.Random) -> Request:
            text = " ".join(rng.sample(incident_data.WORDS, words))
            return "GET", _rows(_list_params({"status__in": [1, 2, 3]}, text)), None

        return call

    def register(rng: random.Random) -> Request:
        words = rng.sample(incident_data.WORDS, 4)
        body = {
            "queue": group(rng),
            "title": f"{words[0].capitalize()} {words[1]} problem",
            "description": f"The {words[2]} shows an {words[3]} since this morning.",
            "submitter_email": f"user{rng.randrange(incident_data.REQUESTERS)}@example.com",
            "priority": int(rng.choice(incident_data.PRIORITIES)),
        }
        return "POST", "/api/tickets/", json.dumps(body).encode()

    return {
        "queue_all_html": lambda rng: ("GET", "/tickets/", None),
        "queue_all_api": lambda rng: ("GET", _rows(all_open), None),
        "queue_group_html": lambda rng: (
            "GET", f"/tickets/?queue={group(rng)}&status=1&status=2", None),
        "queue_group_api": lambda rng: (
            "GET", _rows(_list_params({"queue__id__in": [group(rng)], "status__in": OPEN})),
            None),
        "queue_deep_api": lambda rng: ("GET", _rows(all_open, start=19 * PAGE), None),
        "rest_all_api": lambda rng: ("GET", f"/api/tickets/?status=1,2&page_size={PAGE}", None),
        "rest_deep_api": lambda rng: (
            "GET", f"/api/tickets/?status=1,2&page_size={PAGE}&page=20", None),
        "search_1_word": search(1),
        "search_2_words": search(2),
        "search_3_words": search(3),
        "register": register,
    }  # fmt: skip


def call(base_url: str, headers: dict[str, str], request: Request, timeout: float = 300) -> int:
    """Send one equivalent's request; the HTTP status (the body is read and dropped)."""
    method, path, body = request
    sent = dict(headers)
    if body is not None:
        sent["Content-Type"] = "application/json"
    try:
        with urllib.request.urlopen(
            urllib.request.Request(base_url + path, data=body, headers=sent, method=method),
            timeout=timeout,
        ) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return (
        round(statistics.median(ordered) * 1000, 1),
        round(ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000, 1),
    )


def smoke(
    count: int, samples: int = 5, url: str | None = None, workers: int = 2, history: bool = False
) -> dict:
    """Install, load ``count`` tickets, serve, and call every equivalent ``samples``
    times, interleaved (one of each per round): median and p95 ms, CPU ms per call
    (gunicorn + the database's PostgreSQL backends), HTTP statuses."""
    url = url or os.environ.get("BENCH_HELPDESK_DATABASE_URL") or default_database_url()
    started = time.perf_counter()
    ensure_venv()
    venv_s = round(time.perf_counter() - started, 1)
    info = load(url, count, history=history)
    port = _free_port()
    server = serve(port, workers=workers, database_url=url)
    base = f"http://127.0.0.1:{port}"
    figures: dict = {"peer": f"django-helpdesk {VERSION}", "tickets": count, "history": history,
                     "venv_s": venv_s, "load_s": info["load_s"], "workers": workers,
                     "samples": samples, "python_10m_loop_s": common.python_speed_s()}  # fmt: skip
    try:
        headers = login(base)
        calls = equivalents(info)
        rng = random.Random(7)
        times: dict[str, list[float]] = {name: [] for name in calls}
        web = {name: 0.0 for name in calls}
        db = {name: 0.0 for name in calls}
        statuses: dict[str, set[int]] = {name: set() for name in calls}
        for make in calls.values():  # warm each worker's caches and connection
            for _ in range(workers):
                call(base, headers, make(rng))
        ticks = common.cpu_ticks()
        for _ in range(samples):
            for name, make in calls.items():
                request = make(rng)
                with common.ServerCpu(server.pid, info["database"]) as meter:
                    t0 = time.perf_counter()
                    statuses[name].add(call(base, headers, request))
                    times[name].append(time.perf_counter() - t0)
                    used = meter.seconds()
                web[name] += used["web"]
                db[name] += used["postgres"]
        figures["cpu_steal_pct"] = common.steal_pct(ticks, common.cpu_ticks())
        for name in calls:
            median, p95 = _ms(times[name])
            figures[name] = {"median_ms": median, "p95_ms": p95,
                             "cpu_ms": round(1000 * (web[name] + db[name]) / samples, 1),
                             "web_cpu_ms": round(1000 * web[name] / samples, 1),
                             "db_cpu_ms": round(1000 * db[name] / samples, 1),
                             "status": sorted(statuses[name])}  # fmt: skip
        for shell, rows in PAGE_ROWS.items():
            sums = [a + b for a, b in zip(times[shell], times[rows], strict=True)]
            median, p95 = _ms(sums)
            figures[shell.replace("_html", "_page")] = {
                "median_ms": median, "p95_ms": p95,
                "cpu_ms": round(figures[shell]["cpu_ms"] + figures[rows]["cpu_ms"], 1),
                "is": f"{shell} + {rows}",
            }  # fmt: skip
    finally:
        stop(server)
    return figures


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", type=int, metavar="TICKETS", required=True)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--history", action="store_true", help="load helpdesk's own follow-ups")
    args = parser.parse_args()
    figures = smoke(args.smoke, args.samples, args.database_url, args.workers, args.history)
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
