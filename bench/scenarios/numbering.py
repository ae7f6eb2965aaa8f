"""8 processes creating 250 numbered records each: every number distinct, no error."""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common

PROCESSES = int(os.environ.get("BENCH_PROCESSES", 8))
PER_PROCESS = int(os.environ.get("BENCH_PER_PROCESS", 250))


def main() -> None:
    url = common.fresh_database()
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(common.ROOT / "src")}
    from steward.tests import concurrency_worker

    started = time.perf_counter()
    workers = concurrency_worker.start(PROCESSES, PER_PROCESS, env)
    results, crashed = [], 0
    for worker in workers:
        out, err = worker.communicate()
        if worker.returncode != 0:
            crashed += 1
            print(err, file=sys.stderr)
            continue
        results.append(json.loads(out.strip().splitlines()[-1]))
    elapsed = time.perf_counter() - started

    from steward.service_level.models import Service

    numbers = list(Service.objects.values_list("number", flat=True))
    common.report(
        "numbering",
        {
            "database": common.vendor(),
            "processes": PROCESSES,
            "records_per_process": PER_PROCESS,
            "records": len(numbers),
            "distinct_numbers": len(set(numbers)),
            "errors": sum(r["error_count"] for r in results) + crashed,
            "elapsed_s": round(elapsed, 2),
            "records_per_s": round(len(numbers) / elapsed, 1),
        },
    )


if __name__ == "__main__":
    main()
