"""Take the README tour's screenshots from a running Steward with the demo data.

    .venv/bin/python scripts/readme_screenshots.py http://127.0.0.1:8000 [--out docs]

Signs in as demo people in Debian's chromium (Playwright, from ``make install-test``) and
saves, at 1360 x 860:

- docs/screenshot-queue.png    the service desk analyst's queue (dana.desk)
- docs/screenshot-request.png  the page of a request she works on (else the queue's first)
- docs/screenshot-portal.png   the self-service portal of a requester (ruben.northwind)

Exit 1 with one line when the server cannot be reached or a login fails.
"""

import argparse
import os
import re
import sys
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "steward-demo"
ROOT = Path(__file__).resolve().parent.parent
FIRST_REQUEST = """() => Array.from(document.querySelectorAll("main a[href]"))
    .map((a) => a.getAttribute("href")).find((h) => /^\\/incidents\\/\\d+\\/$/.test(h))"""


def sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    if re.search(r"/login/", page.url):
        raise SystemExit(f"readme_screenshots: could not sign in as {username} (demo data?)")


def save(page, out: Path, name: str) -> Path:
    path = out / f"screenshot-{name}.png"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path))
    print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path


def take(base_url: str, out: Path) -> list[Path]:
    from playwright.sync_api import Error, sync_playwright

    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            base_url=base_url.rstrip("/"), viewport={"width": 1360, "height": 860}, locale="en-GB"
        )
        context.set_default_timeout(20_000)
        page = context.new_page()
        try:
            sign_in(page, "dana.desk")
            page.goto("/incidents/")
            saved.append(save(page, out, "queue"))
            page.goto("/incidents/mine/")  # one she works on; else the first of the queue
            first = page.evaluate(FIRST_REQUEST)
            if not first:
                page.goto("/incidents/")
                first = page.evaluate(FIRST_REQUEST)
            if not first:
                raise SystemExit("readme_screenshots: the analyst's queue lists no request")
            page.goto(first)
            saved.append(save(page, out, "request"))
            sign_in(page, "ruben.northwind")
            page.goto("/portal/")
            saved.append(save(page, out, "portal"))
        except Error as exc:
            raise SystemExit(f"readme_screenshots: {str(exc).splitlines()[0]}") from None
        finally:
            context.close()
            browser.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the running server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(ROOT / "docs"), help="directory (default docs/)")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        print(f"readme_screenshots: {CHROMIUM} not found (apt-get install -y chromium)")
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    take(args.url, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
