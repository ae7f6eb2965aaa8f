"""/api/schema/ is a valid OpenAPI 3 document; /api/docs/ needs nothing from the internet."""

import re
from typing import Any

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client, override_settings
from drf_spectacular.validation import validate_schema

ENDPOINTS = [
    "/api/v1/people/",
    "/api/v1/people/{id}/",
    "/api/v1/organisations/",
    "/api/v1/organisations/{id}/",
    "/api/v1/groups/",
    "/api/v1/groups/{id}/members/",
    "/api/v1/groups/{id}/members/{person_id}/",
    "/api/v1/role-assignments/",
    "/api/v1/role-assignments/{id}/",
    "/api/v1/roles/",
    "/api/v1/roles/{role}/",
    "/api/v1/tokens/",
    "/api/v1/tokens/{id}/",
    "/api/v1/attachments/",
    "/api/v1/attachments/{id}/",
    "/api/v1/attachments/{id}/download/",
]


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict[str, Any]:
    # Generating the schema takes seconds; the tests below only read it, so it is served once.
    # No rate limit, as around each test (src/steward/conftest.py): nothing left in the cache.
    with django_db_blocker.unblock(), override_settings(STEWARD_API_RATES={"user": "", "anon": ""}):
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def test_schema_is_a_valid_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on anything the OpenAPI 3 JSON schema rejects
    for ref in refs(schema):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schema["components"]["schemas"], f"dangling {ref}"


def test_schema_is_also_served_as_yaml(client, db):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "Steward API"


def test_schema_lists_the_directory_token_and_attachment_endpoints(schema):
    assert set(ENDPOINTS) <= set(schema["paths"])
    ops = schema["paths"]["/api/v1/groups/{id}/members/{person_id}/"]
    assert set(ops) == {"delete"}
    upload = schema["paths"]["/api/v1/attachments/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload


def test_schema_describes_token_and_session_auth(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "An API token from /api/v1/tokens/, sent as `Token <key>`.",
    }
    assert "cookieAuth" in schemes


def test_schema_never_exposes_secrets(schema):
    components = schema["components"]["schemas"]
    assert "password" not in components["Person"]["properties"]
    assert "password" in components["PersonCreateRequest"]["properties"]  # write-only
    assert "key_hash" not in components["ApiToken"]["properties"]
    assert "key" not in components["ApiToken"]["properties"]
    assert "key" in components["ApiTokenCreated"]["properties"]


def test_schema_generates_without_warnings(tmp_path):
    # The same check as `steward spectacular --validate --fail-on-warn` in CI.
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert yaml.safe_load(target.read_text())["paths"]


def test_docs_page_loads_everything_from_this_site(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    # No CDN: no absolute http(s) URL at all, every asset under /static/ and present.
    assert re.findall(r"https?://", html) == []
    assets = re.findall(r'(?:src|href)="([^"]*)"', html)
    scripts = re.findall(r'<script[^>]+src="([^"]*)"', html)
    # Swagger UI's start-up script comes from the page's own URL (no inline script: CSP).
    start_up = "/api/docs/?script="
    assert start_up in scripts
    assert all(src.startswith("/static/") for src in scripts if src != start_up)
    for asset in assets:
        if asset == start_up:
            continue
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not shipped"
    script = client.get(start_up)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert re.findall(r"https?://", script.content.decode()) == []
