"""Content Security Policy: every page sends one that allows scripts and styles from this
site only, and no template or rendered page carries inline code the policy would block.

The browser tests (core/tests/browser/conftest.py) fail on any violation a real browser
reports; these tests keep inline code from creeping back without starting one.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from steward.core.models import Person
from steward.core.tests.test_access_everywhere import URLS

SRC = Path(settings.BASE_DIR)

# What the policy refuses, as it appears in HTML: an inline <script> (a JSON data block is
# not executed, so it is allowed), a <style> element, a style="" attribute, an on*=""
# handler, a javascript: URL, htmx attributes that evaluate code.
INLINE_CODE = {
    "inline <script>": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*\btype=[\"']application/(?:ld\+)?json)[^>]*>", re.I
    ),
    "<style> element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[a-z][^<>]*\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"<[a-z][^<>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.I),
    "hx-on": re.compile(r"\b(?:data-)?hx-on\b", re.I),
    "htmx eval": re.compile(r"\bhx-vars\b|\bhx-(?:vals|headers)\s*=\s*[\"']\s*(?:js|javascript):"),
}

# Templates rendered for email only, never served as a page: mail clients drop <style>
# and linked stylesheets, so an HTML email keeps its styles inline.
EMAIL_ONLY = {
    "service_level/templates/service_level/review_service_report.html",
}


def inline_code(html: str) -> list[str]:
    """The kinds of inline code in ``html``, with the offending text."""
    found = []
    for kind, pattern in INLINE_CODE.items():
        found += [f"{kind}: {m.group(0)[:80]!r}" for m in pattern.finditer(html)]
    return found


def directives(header: str) -> dict[str, list[str]]:
    parts = (p.split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize(
    ("snippet", "kind"),
    [
        ("<script>alert(1)</script>", "inline <script>"),
        ('<script defer>document.title = "x"</script>', "inline <script>"),
        ("<style>.a{}</style>", "<style> element"),
        ('<div class="x" style="width: 3%">', "style attribute"),
        ('<rect\n   style="fill: red"/>', "style attribute"),
        ('<button type="button" onclick="go()">', "event handler attribute"),
        ('<a href="javascript:go()">', "javascript: URL"),
        ('<input hx-on:keydown="x()">', "hx-on"),
        ('<li hx-on::after-request="x()">', "hx-on"),
        ("<form hx-vals='js:{a: 1}'>", "htmx eval"),
    ],
)
def test_the_scan_finds_each_kind_of_inline_code(snippet, kind):
    assert inline_code(snippet) and inline_code(snippet)[0].startswith(kind)


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/steward/steward.js" defer></script>',
        '<script type="application/json" id="data">{"a": 1}</script>',
        '<button type="button" data-print>Print</button>',
        '<rect class="hbar" width="40" fill="#fff"/>',
        'Action("Close", url, style="primary")',  # a Python keyword, not an attribute
        '<input data-enter-stays hx-get="/x" hx-trigger="input changed delay:250ms">',
        '<body hx-headers=\'{"X-CSRFToken": "abc"}\'>',
    ],
)
def test_the_scan_leaves_allowed_markup_alone(snippet):
    assert inline_code(snippet) == []


def _sources() -> list[Path]:
    templates = sorted(SRC.glob("**/templates/**/*.html"))
    # Python that builds HTML (template tags, format_html): the same rules hold.
    python = sorted(p for p in SRC.glob("**/*.py") if "tests" not in p.relative_to(SRC).parts)
    return templates + python


def test_no_template_or_module_has_inline_code_the_policy_blocks():
    sources = _sources()
    assert len([p for p in sources if p.suffix == ".html"]) > 60  # the scan sees them all

    offending = {
        str(path.relative_to(SRC)): found
        for path in sources
        if str(path.relative_to(SRC)) not in EMAIL_ONLY
        and (found := inline_code(path.read_text(encoding="utf-8")))
    }

    assert offending == {}
    for name in EMAIL_ONLY:  # an exception that no longer exists is removed
        assert (SRC / name).exists(), name


def test_the_policy_allows_this_site_only_and_nothing_inline(client, admin_person):
    client.force_login(admin_person)

    for url in ["/", "/people/", "/login/", "/no-such-page/", "/admin/", "/api/docs/"]:
        response = client.get(url, HTTP_HX_REQUEST="true" if url == "/people/" else None)
        policy = directives(response["Content-Security-Policy"])

        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"], url
        assert policy["base-uri"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
        assert policy["form-action"] == ["'self'"], url
        expected_images = ["'self'", "data:"] if url == "/api/docs/" else ["'self'"]
        assert policy["img-src"] == expected_images, url
        header = response["Content-Security-Policy"]
        assert "unsafe-inline" not in header and "unsafe-eval" not in header, url


def test_every_kind_of_response_carries_the_browser_security_headers(
    client, api, no_role_person, analyst
):
    """ASVS 5.0 3.4.3-3.4.6: every response, not only pages: refusals, redirects, API
    answers and errors, static files, the health check."""
    client.force_login(no_role_person)
    responses = {
        "denied page": client.get("/people/"),
        "API answer": api.as_(analyst).get("/api/v1/people/"),
        "API error": api.get("/api/v1/no-such-thing/"),
        "static file": client.get("/static/steward/steward.css"),
        "health check": client.get("/healthz"),
    }
    client.logout()
    responses["redirect to sign in"] = client.get("/people/")

    assert [r.status_code for r in responses.values()] == [403, 200, 404, 200, 200, 302]
    for name, response in responses.items():
        policy = directives(response.get("Content-Security-Policy", ""))
        assert policy.get("script-src") == ["'self'"], name
        assert policy.get("object-src") == ["'none'"], name
        assert policy.get("base-uri") == ["'none'"], name
        assert policy.get("frame-ancestors") == ["'none'"], name
        assert response.get("X-Content-Type-Options") == "nosniff", name
        assert response.get("Referrer-Policy") == "same-origin", name


def test_a_report_address_can_be_configured(tmp_path):
    # Settings are read from the environment once, at start-up: start a fresh interpreter.
    env = {**os.environ, "STEWARD_VAR_DIR": str(tmp_path)}
    show = "from steward import settings as s; print(s.CONTENT_SECURITY_POLICY['DIRECTIVES'])"

    plain = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True)
    env["STEWARD_CSP_REPORT_URI"] = "https://csp.example/report"
    reporting = subprocess.run(
        [sys.executable, "-c", show], env=env, capture_output=True, text=True
    )

    assert "report-uri" not in plain.stdout, plain.stderr
    assert "'report-uri': ['https://csp.example/report']" in reporting.stdout, reporting.stderr


# The URLs name records by id 1: the shared demo is loaded with each table's ids from 1.
def test_every_page_renders_without_inline_code(client, demo):
    """Every page URL of the project, filled with the demo data, as the administrator and
    (the portal) as a requester: what Python and third-party templates (the admin, the API
    docs, the browsable API) produce is checked too, not only our templates."""
    admin = Person.objects.get(username="admin")
    requester = Person.objects.get(username="ruben.northwind")
    pages = [url for _, url in URLS if not url.startswith(("/api/", "/admin/"))]
    pages += ["/admin/", "/admin/core/person/", "/admin/core/person/1/change/", "/api/docs/"]
    pages += ["/api/v1/", "/api/v1/incidents/", "/api/v1/cis/1/"]  # the browsable API
    checked, offending = 0, {}
    for person, urls in ((admin, pages), (requester, [u for u in pages if "portal" in u])):
        client.force_login(person)
        for url in urls:
            response = client.get(url, HTTP_ACCEPT="text/html")
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            checked += 1
            assert "Content-Security-Policy" in response, url
            if found := inline_code(response.content.decode()):
                offending[url] = found

    assert offending == {}
    assert checked > 100  # the demo fills the record pages, so most of them render
