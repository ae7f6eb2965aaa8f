"""The project's URL patterns, walked, for tests that must cover every page or endpoint."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

# Pages open without signing in, on purpose: signing in and out, resetting a forgotten
# password (the emailed one-time link is the credential), the load balancer's health check.
PUBLIC_PAGES = frozenset(
    {
        "login",
        "logout",
        "core:healthz",
        "core:password-reset",
        "core:password-reset-done",
        "core:password-reset-confirm",
        "core:password-reset-complete",
    }
)


def routes(
    patterns: list | None = None, namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str, URLPattern, str]]:
    """(namespaced name, pattern, whole route) of every named URL pattern."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry.url_patterns, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry, prefix + str(entry.pattern)


def url_patterns() -> Iterator[tuple[str, URLPattern]]:
    """(namespaced name, pattern) of every named URL pattern."""
    for name, pattern, _ in routes():
        yield name, pattern
