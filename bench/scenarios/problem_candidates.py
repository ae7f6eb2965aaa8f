"""Problem candidates (issue 15, acceptance 2): the quality of the clustering
(``steward.problems.similarity``) on a generated set with planted clusters, and the speed
of the candidate job over 100,000 incidents of the last 90 days.

Quality: ``BENCH_QUALITY_SERVICES`` (8) services; per service planted clusters of sizes
3..40 (one problem each: a subject and a symptom, written in paraphrases: synonyms, word
order, typos, varying hostnames, numbers and users), noise incidents (random subjects and
symptoms, alone), near-miss texts (the subject of a planted cluster with another symptom;
the planted cluster's own words in another service). Each row also carries the structure
real incidents have (``structure``): the subject's CI (one per service and subject, its
class by subject) on 80 % of the rows, none on 10 %, a wrong one on 10 %; the category a
service desk picks for the symptom on 80 %, another on 20 %; so a near miss shares the CI
and often the category. The texts are those drawn before the structure was added (the
structure has its own random stream). Figures:

- ``precision`` / ``recall``: pairwise. Precision: of the incident pairs put in one
  proposed cluster, the share planted together; recall: of the pairs of planted clusters
  (size >= 3), the share proposed together.
- ``planted_ge5_proposed`` (of ``planted_ge5``): a planted cluster of 5 or more is
  proposed when one candidate holds >= 80 % of it and >= 80 % of that candidate is it.
  Every one must be (``all_ge5_proposed``).

Speed: 100,000 incidents (``BENCH_INCIDENTS``) on 100 services over the last 90 days, a
third of them in planted clusters, bulk-created; ``refresh_s`` times
``candidates_refresh`` end to end (read, cluster, write; target < 30 s), ``refresh_cpu_s``
its CPU seconds in this process; a second refresh shows it is idempotent.
"""

import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common

INCIDENTS = int(os.environ.get("BENCH_INCIDENTS", 100_000))
QUALITY_SERVICES = int(os.environ.get("BENCH_QUALITY_SERVICES", 8))
BATCH = 5_000
NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)

SUBJECTS = [
    ["outlook", "outlook client", "outlook desktop client"],
    ["vpn", "vpn client", "vpn connection"],
    ["printer", "network printer", "office printer"],
    ["payroll export", "payroll export file", "monthly payroll export"],
    ["shared drive", "shared network drive", "shared folder drive"],
    ["citrix session", "citrix desktop session", "citrix workspace session"],
    ["laptop docking station", "docking station", "laptop dock station"],
    ["sap login", "sap logon", "sap gui login"],
    ["teams meeting", "teams video meeting", "microsoft teams meeting"],
    ["invoice scanner", "invoice scanning", "invoice scan station"],
    ["wifi", "wifi network", "office wifi"],
    ["password reset portal", "password portal", "password reset page"],
    ["mailbox", "user mailbox", "shared mailbox"],
    ["crm dashboard", "crm sales dashboard", "crm home dashboard"],
    ["backup job", "nightly backup job", "backup schedule job"],
    ["intranet search", "intranet search page", "intranet site search"],
    ["phone headset", "usb headset", "softphone headset"],
    ["expense app", "expense claims app", "expense mobile app"],
    ["calendar sync", "calendar synchronisation", "mobile calendar sync"],
    ["timesheet form", "timesheet entry form", "weekly timesheet form"],
    ["badge reader", "door badge reader", "entrance badge reader"],
    ["database report", "sales database report", "database monthly report"],
    ["web shop checkout", "shop checkout page", "checkout web shop"],
    ["file upload", "document upload", "file upload page"],
]
SYMPTOMS = [
    ["crashes on start", "crashes when started", "keeps crashing at startup"],
    ["is very slow", "extremely slow", "slow to respond"],
    ["disconnects every few minutes", "keeps disconnecting", "disconnects randomly"],
    ["shows certificate error", "certificate error shown", "certificate warning error"],
    ["rejects valid password", "password rejected", "valid password not accepted"],
    ["times out", "timeout error", "request timed out"],
    ["does not sync", "sync not working", "not synchronising"],
    ["missing data", "data is missing", "shows missing data"],
    ["prints blank pages", "blank pages printed", "printing empty blank pages"],
    ["access denied", "access denied error", "denies access"],
    ["freezes", "freezes completely", "frozen screen freezes"],
    ["duplicate entries", "shows duplicate entries", "entries duplicated"],
]
# The category a service desk picks for a symptom (performance, availability, access,
# data, output): near misses of one subject often share it (freezes / is slow).
SYMPTOM_CATEGORY = [2, 1, 2, 3, 3, 1, 4, 4, 5, 3, 1, 4]
CATEGORIES = 5
FILLERS = [
    "since this morning", "for user {user}", "on host {host}", "error code {num}",
    "please help", "again today", "after the update", "ticket from {user}",
    "urgent", "at the branch office", "reported by phone", "since {num} minutes",
]  # fmt: skip
USERS = ["jdoe", "asmith", "kwong", "mgarcia", "pnovak", "lrossi", "tnguyen", "bmuller"]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    k = rng.randrange(1, len(word) - 2)
    return word[:k] + word[k + 1] + word[k] + word[k + 2 :]


def text(subject: list[str], symptom: list[str], rng: random.Random) -> tuple[str, str]:
    """One paraphrased incident (title, description) about ``subject`` and ``symptom``."""
    sub, sym = rng.choice(subject), rng.choice(symptom)
    title = rng.choice([f"{sub} {sym}", f"{sym.capitalize()}: {sub}", f"{sub} - {sym}"])
    if rng.random() < 0.3:
        words = title.split()
        k = rng.randrange(len(words))
        words[k] = _typo(words[k], rng)
        title = " ".join(words)
    fill = rng.sample(FILLERS, 2)
    values = {"user": rng.choice(USERS), "host": f"srv-{rng.randrange(1, 99):02d}.corp.local",
              "num": rng.randrange(100, 99999)}  # fmt: skip
    description = " ".join(f.format(**values) for f in fill)
    return title, description


def structure(service: int, subject: int, symptom: int, rng: random.Random) -> dict:
    """The CI, CI class and category an incident about ``subject`` and ``symptom`` is
    recorded with, as a service desk does it: the subject's CI (one per service and
    subject; its class by subject) 80 % of the time, no CI 10 %, a wrong CI of the service
    10 %; the symptom's category 80 %, another one 20 %. So most incidents of one problem
    share CI and category, a near miss (same subject, another symptom) shares the CI and
    often the category, and 20 % of every problem's incidents carry a misleading field."""
    draw = rng.random()
    if draw < 0.8:
        ci, ci_class = service * 100 + subject + 1, subject % 6 + 1
    elif draw < 0.9:
        ci, ci_class = None, None
    else:
        other = rng.randrange(len(SUBJECTS))
        ci, ci_class = service * 100 + other + 1, other % 6 + 1
    category = SYMPTOM_CATEGORY[symptom]
    if rng.random() >= 0.8:
        category = rng.choice([c for c in range(1, CATEGORIES + 1) if c != category])
    return {"ci": ci, "ci_class": ci_class, "category": category}


def planted_set(services: int, seed: int = 15) -> tuple[list[dict], dict[int, int]]:
    """(rows, {row id: planted cluster}) of the quality set; noise has no cluster."""
    rng = random.Random(seed)
    srng = random.Random(seed + 1)  # the structure: the texts stay those of ``seed``
    rows: list[dict] = []
    truth: dict[int, int] = {}
    cluster_no = 0
    sizes = [3, 4, 5, 6, 8, 12, 20, 40]
    planted: dict[tuple[int, int, int], int] = {}

    def add(service: int, subject: list[str], symptom: list[str], cluster: int | None) -> None:
        title, description = text(subject, symptom, rng)
        rid = len(rows) + 1
        a, b = SUBJECTS.index(subject), SYMPTOMS.index(symptom)
        rows.append({"id": rid, "service": service, "title": title, "description": description,
                     "days": rng.uniform(0, 89), "weight": rng.choice([1, 1, 2, 3, 4]),
                     "problem": (service, a, b), **structure(service, a, b, srng)})  # fmt: skip
        if cluster is not None:
            truth[rid] = cluster
            planted[(service, a, b)] = cluster

    for service in range(1, services + 1):
        pairs = [(a, b) for a in range(len(SUBJECTS)) for b in range(len(SYMPTOMS))]
        rng.shuffle(pairs)
        used_subjects = set()
        chosen = []
        for a, b in pairs:
            if a not in used_subjects and len(chosen) < 6:
                used_subjects.add(a)
                chosen.append((a, b))
        for (a, b), size in zip(chosen, rng.sample(sizes, len(chosen)), strict=False):
            cluster_no += 1
            for _ in range(size):
                add(service, SUBJECTS[a], SYMPTOMS[b], cluster_no)
            # Near misses: the same subject with another symptom (alone, or a pair)...
            others = [s for s in range(len(SYMPTOMS)) if s != b]
            for other in rng.sample(others, 2):
                for _ in range(rng.choice([1, 2])):
                    add(service, SUBJECTS[a], SYMPTOMS[other], None)
            # ... and the very same problem, twice, in another service.
            elsewhere = service % services + 1
            for _ in range(2):
                add(elsewhere if services > 1 else services + 1, SUBJECTS[a], SYMPTOMS[b], None)
        for _ in range(40):  # noise: unused subjects with random symptoms, alone
            a = rng.choice([s for s in range(len(SUBJECTS)) if s not in used_subjects])
            add(service, SUBJECTS[a], rng.choice(SYMPTOMS), None)
    # The copies sent to another service that planted the very same problem itself are
    # that problem's incidents there: the truth says so.
    for row in rows:
        if row["id"] not in truth and row["problem"] in planted:
            truth[row["id"]] = planted[row["problem"]]
    return rows, truth


def _row_objects(rows: list[dict]) -> list:
    from steward.problems.similarity import Row

    return [
        Row(id=r["id"], service_id=r["service"], text=r["title"], description=r["description"],
            weight=r["weight"], created_at=NOW - timedelta(days=r["days"]),
            category_id=r["category"], ci_id=r["ci"], ci_class_id=r["ci_class"])
        for r in rows
    ]  # fmt: skip


def _pairs(groups: list[list[int]]) -> set[tuple[int, int]]:
    return {pair for ids in groups for pair in combinations(sorted(ids), 2)}


def quality() -> dict:
    from steward.problems.similarity import cluster

    rows, truth = planted_set(QUALITY_SERVICES)
    began = time.perf_counter()
    found = cluster(_row_objects(rows))
    seconds = time.perf_counter() - began
    planted: dict[int, list[int]] = {}
    for rid, c in truth.items():
        planted.setdefault(c, []).append(rid)
    proposed = [c.ids for c in found]
    got, want = _pairs(proposed), _pairs(list(planted.values()))
    precision = len(got & want) / len(got) if got else 0.0
    recall = len(got & want) / len(want) if want else 0.0
    ge5 = [set(ids) for ids in planted.values() if len(ids) >= 5]

    def is_proposed(p: set[int]) -> bool:
        return any(len(p & set(c)) >= 0.8 * len(p) and len(p & set(c)) >= 0.8 * len(c)
                   for c in proposed)  # fmt: skip

    matched = sum(1 for p in ge5 if is_proposed(p))
    clean = sum(
        1 for c in proposed
        if any(len(set(c) & set(p)) >= 0.8 * len(c) for p in planted.values())
    )  # fmt: skip
    return {
        "quality_incidents": len(rows),
        "planted_clusters": len(planted),
        "planted_ge5": len(ge5),
        "planted_ge5_proposed": matched,
        "all_ge5_proposed": matched == len(ge5),
        "proposed_clusters": len(proposed),
        "proposed_clusters_clean": clean,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "quality_cluster_s": round(seconds, 3),
    }


def speed_rows(count: int, seed: int = 90) -> list[dict]:
    """``count`` incidents on 100 services: per service the planted clusters of one
    quality service (about a third), the rest one-off texts over a 4,000-word vocabulary
    (every incident about something else, as most incidents are)."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = sorted({"".join(rng.choices(letters, k=rng.randint(4, 9))) for _ in range(4000)})
    per_service = max(count // 100, 1)
    rows: list[dict] = []
    for service in range(100):
        planted, truth = planted_set(1, seed=seed + service)
        mine = [r for r in planted if r["id"] in truth][: per_service // 3]
        while len(mine) < per_service:
            words = rng.sample(vocabulary, 4)
            mine.append({"title": " ".join(words), "description": rng.choice(FILLERS).format(
                user=rng.choice(USERS), host="srv-01", num=rng.randrange(100, 999)),
                "weight": rng.choice([1, 1, 2, 3, 4])})  # fmt: skip
        rows += [{**r, "service": service} for r in mine]
    return rows[:count]


def populate(count: int) -> None:
    """``count`` incidents (``speed_rows``) created over the last 90 days."""
    from steward.core.models import Person
    from steward.core.numbering import format_number
    from steward.incidents.models import IncidentRequest
    from steward.service_level.models import Service

    services = Service.objects.bulk_create(
        Service(number=f"SVC{n:06d}", name=f"Service {n}", status="active") for n in range(100)
    )
    requester = Person.objects.create(username="bench.requester", first_name="Bench",
                                      last_name="Requester")  # fmt: skip
    rows = speed_rows(count)
    rng = random.Random(7)
    weights = {1: "4", 2: "3", 3: "2", 4: "1"}
    for start in range(0, len(rows), BATCH):
        batch = []
        for n, row in enumerate(rows[start : start + BATCH], start=start):
            created = NOW - timedelta(days=rng.uniform(0, 89.9))
            batch.append(IncidentRequest(
                number=format_number("INC", n + 1), title=row["title"][:200],
                description=row["description"], requester=requester,
                service=services[row["service"]], impact=weights[row["weight"]],
                created_at=created, updated_at=created,
            ))  # fmt: skip
        with common.keep_timestamps(IncidentRequest):
            IncidentRequest.objects.bulk_create(batch, batch_size=BATCH)


def speed() -> dict:
    from django.db import connection

    from steward.problems.models import ProblemCandidate
    from steward.problems.services.candidates import candidates_refresh

    began = time.perf_counter()
    populate(INCIDENTS)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    populate_s = time.perf_counter() - began
    meter = common.CpuMeter()
    began = time.perf_counter()
    with meter.measure("refresh"):
        result = candidates_refresh(now=NOW)
    refresh_s = time.perf_counter() - began
    again = candidates_refresh(now=NOW)
    return {
        "incidents": INCIDENTS,
        "refresh_s": round(refresh_s, 2),
        "refresh_under_30s": refresh_s < 30,
        "refresh_read_s": result.get("read_seconds"),
        "refresh_cluster_s": result.get("cluster_seconds"),
        "candidates": ProblemCandidate.objects.filter(status="open").count(),
        "clustered_incidents": result.get("clustered"),
        "second_refresh_created": again["created"],
        "second_refresh_removed": again["removed"],
        "populate_s": round(populate_s, 1),
        **meter.figures(),
    }


def main() -> None:
    common.fresh_database()
    figures = {"database": common.vendor(), **quality()}
    figures.update(speed())
    figures["python_speed_s"] = common.python_speed_s()
    common.report("problem_candidates", figures)


if __name__ == "__main__":
    main()
