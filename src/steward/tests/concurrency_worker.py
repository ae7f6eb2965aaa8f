"""Creates numbered records from a separate process, for the concurrency test and bench.

Usage: python -m steward.tests.concurrency_worker <label> <count>
Prints one JSON line: {"created": n, "errors": [...]}. DATABASE_URL selects the database.
``start`` launches several at once.
"""

import json
import os
import subprocess
import sys


def main(label: str, count: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    import django

    django.setup()
    from django.db import transaction

    from steward.core import numbering
    from steward.service_level.models import Service

    created, errors = 0, []
    for i in range(count):
        try:
            with transaction.atomic():
                service = Service(name=f"concurrency {label} {i}")
                numbering.assign(service)
                service.save()
            created += 1
        except Exception as exc:  # counted and reported: the caller asserts there are none
            errors.append(f"{type(exc).__name__}: {exc}")
    return {"created": created, "errors": errors[:5], "error_count": len(errors)}


def start(processes: int, per_process: int, env: dict[str, str]) -> list[subprocess.Popen]:
    """``processes`` workers running at once, each creating ``per_process`` records."""
    return [
        subprocess.Popen(
            [sys.executable, "-m", "steward.tests.concurrency_worker", f"p{n}", str(per_process)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
