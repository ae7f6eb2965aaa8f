"""Make sure Debian's chromium is present for the Playwright tests.

Under CI (CI=true) a missing chromium is installed with apt-get, or the run fails.
Elsewhere a missing chromium only means the browser tests skip, with a message.
"""

import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def main() -> int:
    if os.path.exists(CHROMIUM):
        return 0
    if os.environ.get("CI", "").lower() != "true":
        print(f"note: {CHROMIUM} not found; browser tests will skip (apt-get install -y chromium).")
        return 0
    if shutil.which("apt-get") is None:
        print(f"error: CI needs {CHROMIUM} and there is no apt-get to install it.", file=sys.stderr)
        return 1
    print("installing Debian's chromium for the browser tests...")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        if subprocess.run(cmd, check=False).returncode != 0:
            print(f"error: {' '.join(cmd)} failed; browser tests cannot run.", file=sys.stderr)
            return 1
    return 0 if os.path.exists(CHROMIUM) else 1


if __name__ == "__main__":
    sys.exit(main())
