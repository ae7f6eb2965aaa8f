"""The API contract from a client's side: what /api/schema/ promises about errors, and that
every error the API gives is JSON in the one shape the schema documents (``Error``).

Two halves: a walk over the schema (every operation documents its error answers with the
error component, and describes itself to integrators), and a table of requests that
provoke each error status, whose answers are validated against the schema's component.
"""

import json
import re
from functools import cache
from typing import Any

import jsonschema
import pytest
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework import exceptions
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient

from steward.core.api_auth import token_create
from steward.core.errors import DomainError, InvalidTransition
from steward.core.tests.api import error_body, error_code, field_errors
from steward.core.views import errors as errors_views


@cache
def schema() -> dict[str, Any]:
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(None, True)))


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in schema()["paths"].items()
        for method, operation in methods.items()
    ]


def resolved(node: Any) -> Any:
    """``node`` with its ``$ref``s replaced and OpenAPI 3.0's ``nullable`` as JSON Schema."""
    if isinstance(node, list):
        return [resolved(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return resolved(schema()["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]])
    out = {key: resolved(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def conforms(response: Any, status: int) -> dict[str, Any]:
    """The answer's body, checked against what the schema documents for the error."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    name = "PreconditionFailed" if status == 412 else "Error"
    jsonschema.validate(body, resolved({"$ref": f"#/components/schemas/{name}"}))
    return error_body(body)


# --- The schema's promises -------------------------------------------------------------------


def documented(operation: dict[str, Any], status: str) -> str | None:
    answer = operation["responses"].get(status)
    if answer is None:
        return None
    return answer["content"]["application/json"]["schema"].get("$ref", "").rsplit("/", 1)[-1]


OPERATIONS = operations()
IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_documents_its_error_answers_with_the_error_component(
    path, method, operation
):
    expected = {"401", "403", "429"}
    if method != "get" or any(p["in"] == "query" for p in operation.get("parameters", [])):
        expected.add("400")
    if "{" in path:
        expected.add("404")
    if method != "get":
        expected.add("409")
    if "requestBody" in operation:
        expected.add("415")
    for status in expected:
        assert documented(operation, status) == "Error", status
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    if any(p["name"] == "If-Match" for p in operation.get("parameters", [])):
        assert documented(operation, "412") == "PreconditionFailed"


# Words that belong to the code, not to a client's view of the API.
INTERNAL = re.compile(
    r"service layer|queryset|serializer|self\.|``|mixin|viewset|docstring|\bkwargs\b|"
    r"\bdef \w|\.py\b|transaction|select_for_update",
    re.IGNORECASE,
)


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_is_described_for_integrators(path, method, operation):
    description = operation.get("description", "")

    assert description.strip(), "no description"
    assert not INTERNAL.search(description), description
    assert "Who may call it" in description or "Any signed-in person" in description


def test_choices_are_enums_not_prose():
    prose = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "One of:" in str(node.get("description", "")) and "enum" not in json.dumps(node):
                prose.append(where)
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for n, value in enumerate(node):
                walk(value, f"{where}.{n}")

    walk(schema(), "")
    incident = schema()["components"]["schemas"]["Incident"]["properties"]["status"]
    [record_type] = [
        p
        for p in schema()["paths"]["/api/v1/attachments/"]["get"]["parameters"]
        if p["name"] == "record_type"
    ]

    assert prose == []
    assert "resolved" in json.dumps(incident)
    # Choices from a function (the registry of record types) are an enum too.
    assert "incidents.incidentrequest" in record_type["schema"]["enum"]


# --- Every error status, as a client meets it ------------------------------------------------


@api_view(["GET", "POST"])
@permission_classes([AllowAny])
def raises(request: Any, what: str) -> Any:
    """A test-only API view raising what the services and DRF raise."""
    raise {
        "validation": ValidationError({"name": "Give a name."}),
        "whole": ValidationError("Not like this."),
        "transition": InvalidTransition("Incident", "closed", "resolved"),
        "domain": DomainError("Only the owner may do this."),
        "throttled": exceptions.Throttled(wait=7),
        "crash": RuntimeError("secret internals at 0xdeadbeef"),
    }[what]


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals at 0xdeadbeef")


urlpatterns = [
    path("api/v1/contract-test/<str:what>/", raises),
    path("api/v1/contract-crash/", crash),
    path("contract-crash/", crash),
    path("", include("steward.urls")),
]
handler404 = "steward.core.views.errors.page_not_found"
handler500 = "steward.core.views.errors.server_error"


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def token(admin_person) -> str:
    return token_create(actor=admin_person, name="contract")[1]


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


ORG = "/api/v1/organisations/"


def test_an_unknown_api_path_is_a_json_404(token):
    body = conforms(with_token(token).get("/api/v1/nonexistent/"), 404)

    assert error_code(body) == "not_found"


def test_a_token_post_to_an_unknown_api_path_is_a_json_404_not_a_csrf_page(token):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    body = conforms(client.post("/api/v1/nonexistent/", {"a": 1}, format="json"), 404)

    assert error_code(body) == "not_found"


def test_a_wrong_method_is_a_json_405(token):
    body = conforms(with_token(token).delete(ORG), 405)

    assert error_code(body) == "method_not_allowed"


def test_malformed_json_is_a_json_400(token):
    response = with_token(token).post(ORG, "{not json", content_type="application/json")

    assert error_code(conforms(response, 400)) == "parse_error"


def test_an_unsupported_media_type_is_a_json_415(token):
    response = with_token(token).post(ORG, "name=x", content_type="text/plain")

    assert error_code(conforms(response, 415)) == "unsupported_media_type"


def test_an_unacceptable_answer_type_is_a_json_406(token):
    response = with_token(token).get(ORG, HTTP_ACCEPT="application/xml")

    assert response.status_code == 406
    assert error_code(json.loads(response.content)) == "not_acceptable"


def test_a_session_post_without_csrf_token_is_a_json_403(admin_person):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin_person)

    response = client.post(ORG, {"name": "Initech", "kind": "customer", "code": "ini"})

    body = conforms(response, 403)
    assert "CSRF" in body["errors"][0]["detail"]


def test_the_csrf_failure_view_answers_json_under_api_and_html_elsewhere(db):
    factory = RequestFactory()

    api = errors_views.csrf_failure(factory.post("/api/v1/organisations/"), reason="no token")
    page = errors_views.csrf_failure(factory.post("/login/"), reason="no token")

    assert api.status_code == page.status_code == 403
    assert error_code(json.loads(api.content)) == "csrf_failed"
    assert page["Content-Type"].startswith("text/html")


def test_no_credentials_is_a_json_401(db):
    response = APIClient().get("/api/v1/people/")

    assert error_code(conforms(response, 401)) == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_a_person_without_the_right_gets_a_json_403(no_role_person):
    client = APIClient()
    client.force_authenticate(no_role_person)

    assert error_code(conforms(client.get("/api/v1/people/"), 403)) == "permission_denied"


def test_an_unknown_record_is_a_json_404(token):
    assert error_code(conforms(with_token(token).get(f"{ORG}999999/"), 404)) == "not_found"


def test_invalid_fields_are_a_400_naming_each_field(token):
    response = with_token(token).post(ORG, {"kind": "alien"}, format="json")

    body = conforms(response, 400)
    assert body["type"] == "validation_error"
    assert {"name", "kind", "code"} <= set(field_errors(body))


def test_a_stale_if_match_is_a_412_with_the_version_and_changes(token, customer_org):
    url = f"{ORG}{customer_org.pk}/"
    current = with_token(token).get(url)["ETag"]
    with_token(token).patch(url, {"name": "Acme Renamed"}, format="json")

    response = with_token(token).patch(
        url, {"name": "Acme Again"}, format="json", HTTP_IF_MATCH=current
    )

    body = conforms(response, 412)
    assert error_code(body) == "precondition_failed"
    assert body["lock_version"] == int(response["ETag"].strip('"'))
    assert [change["field"] for change in body["changes"]] == ["name"]


def test_an_oversized_body_is_a_json_413(token, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    response = with_token(token).post(
        "/api/v1/attachments/", {"x": "y"}, format="multipart", CONTENT_LENGTH=str(10 * 1024**2)
    )

    assert error_code(conforms(response, 413)) == "too_large"


@pytest.mark.parametrize(
    ("what", "status", "code", "attr"),
    [
        ("validation", 400, "invalid", "name"),
        ("whole", 400, "invalid", None),
        ("transition", 409, "invalid_transition", None),
        ("domain", 409, "conflict", None),
        ("throttled", 429, "throttled", None),
    ],
)
def test_service_and_framework_errors_answer_in_the_one_shape(
    test_urls, db, what, status, code, attr
):
    response = APIClient().post(f"/api/v1/contract-test/{what}/")

    [error] = conforms(response, status)["errors"]
    assert (error["code"], error["attr"]) == (code, attr)
    if status == 429:
        assert response["Retry-After"] == "7"


@pytest.mark.parametrize("url", ["/api/v1/contract-test/crash/", "/api/v1/contract-crash/"])
def test_a_crash_on_an_api_path_is_a_json_500_without_internals(test_urls, db, url):
    response = Client(raise_request_exception=False).get(url)

    body = conforms(response, 500)
    assert body["type"] == "server_error"
    assert "secret" not in response.content.decode()


def test_a_crash_on_a_page_keeps_the_html_500_page(test_urls, db):
    response = Client(raise_request_exception=False).get("/contract-crash/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
