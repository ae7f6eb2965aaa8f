"""Run every bench scenario, or the one named: python bench/run.py [name]."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scenarios = sorted(
        p.stem for p in (HERE / "scenarios").glob("*.py") if not p.name.startswith("_")
    )
    wanted = sys.argv[1:] or scenarios
    unknown = [w for w in wanted if w not in scenarios]
    if unknown:
        print(
            f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(scenarios)}",
            file=sys.stderr,
        )
        return 2
    failed = []
    for name in wanted:
        print(f"== {name} ==", flush=True)
        code = subprocess.run(
            [sys.executable, str(HERE / "scenarios" / f"{name}.py")], check=False
        ).returncode
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
