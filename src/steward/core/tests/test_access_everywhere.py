"""Every page and API endpoint refuses anonymous people and people without a role.

The URL patterns are enumerated, so a new view that forgets the permission check fails
here without anyone having to remember to add a test for it.
"""

import itertools
import uuid

import pytest
from django.urls import NoReverseMatch, URLPattern, reverse

from steward.core.testing.urls import PUBLIC_PAGES, url_patterns
from steward.core.tests.factories import PersonFactory

# Reachable without logging in, on purpose.
PUBLIC = PUBLIC_PAGES | {"api-schema", "api-docs", "admin:login", "admin:logout"}
CANDIDATES = ["1", "core", "person", "x", str(uuid.UUID(int=1))]
# Event ingestion authenticates monitoring sources by their token, never a person: without
# a source token a POST is a 401 whoever is signed in, and there is nothing to GET (405).
SOURCE_TOKEN_ONLY = {"event-ingest-list", "event-alertmanager-list", "event-zabbix-list"}


def _params(pattern: URLPattern) -> list[str]:
    regex = pattern.pattern.regex
    return list(regex.groupindex)


def _urls():
    seen = set()
    for name, pattern in url_patterns():
        if name in PUBLIC:
            continue
        params = _params(pattern)
        for values in itertools.product(CANDIDATES, repeat=len(params)):
            try:
                url = reverse(name, kwargs=dict(zip(params, values, strict=True)))
            except NoReverseMatch:
                continue
            if url not in seen:
                seen.add(url)
                yield name, url
            break


URLS = sorted(_urls())


def test_the_enumeration_finds_the_pages_and_the_api():
    names = {name for name, _ in URLS}
    assert {"core:my-work", "core:person-list", "person-list", "organisation-list"} <= names


def _refused_anonymous(url: str, response) -> bool:
    if url.startswith("/api/"):
        return response.status_code == 401
    if url.startswith("/admin/"):
        return response.status_code == 302 and "/admin/login/" in response["Location"]
    return response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), URLS, ids=[n for n, _ in URLS])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_refused(client, name, url, method):
    response = getattr(client, method)(url)
    if name in SOURCE_TOKEN_ONLY:
        assert response.status_code == {"get": 405, "post": 401}[method], (method, url)
        return
    assert _refused_anonymous(url, response), (method, url, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), URLS, ids=[n for n, _ in URLS])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_person_without_a_role_is_refused(client, name, url, method):
    client.force_login(PersonFactory(username="no-role"))
    response = getattr(client, method)(url)
    if name in SOURCE_TOKEN_ONLY:
        assert response.status_code == {"get": 405, "post": 401}[method], (method, url)
    elif url.startswith("/admin/"):
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    else:
        assert response.status_code == 403, (method, url, response.status_code)
