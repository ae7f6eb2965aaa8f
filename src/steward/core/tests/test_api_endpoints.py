"""What integrators rely on in every list and create endpoint: a filter value or query
parameter the API cannot use is 400 naming it (never ignored), ``page_size`` is 1-500,
every 201 says where the new thing is (``Location``); and ``GET /api/v1/me/``."""

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from steward.core.api_auth import token_create
from steward.core.models import RoleAssignment
from steward.core.tests.api import error_detail, field_errors
from steward.core.tests.factories import PersonFactory, SupportGroupFactory, add_member, make_person


@pytest.fixture
def people(provider, admin_person, analyst):
    """The admin and the analyst, plus an inactive person at the provider."""
    PersonFactory(username="gone", organisations=[provider], is_active=False)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"is_active": "yes"}, "is_active"),  # django-filter would read "not given"
        ({"is_active": "1"}, "is_active"),  # exactly true or false
        ({"is_active": ["true", "false"]}, "is_active"),  # one value where one is taken
        ({"role": "wizard"}, "role"),  # not a role
        ({"organisation": "abc"}, "organisation"),  # not an id
        ({"staus": "new"}, "staus"),  # misspelt filter: would return everything
        ({"page_size": "0"}, "page_size"),  # answered one row before
        ({"page_size": "501"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": "²"}, "page_size"),
        ({"cursor": "not-ours"}, "cursor"),
    ],
)
def test_list_refuses_what_it_cannot_use_naming_the_parameter(
    api, people, admin_person, query, parameter
):
    response = api.as_(admin_person).get("/api/v1/people/", query)

    assert response.status_code == 400, response.content
    assert list(field_errors(response)) == [parameter]


def test_unknown_parameter_error_lists_what_the_endpoint_takes(api, admin_person):
    response = api.as_(admin_person).get("/api/v1/organisations/", {"colour": "red"})

    message = field_errors(response)["colour"][0]
    assert "is_active" in message and "page_size" in message and "q" in message


def test_booleans_filter_with_true_and_false(api, people, admin_person):
    client = api.as_(admin_person)

    active = client.get("/api/v1/people/", {"is_active": "true", "page_size": "500"}).json()
    inactive = client.get("/api/v1/people/", {"is_active": "false"}).json()

    assert "gone" not in {p["username"] for p in active["results"]}
    assert [p["username"] for p in inactive["results"]] == ["gone"]


def test_page_size_bounds_are_accepted(api, people, admin_person):
    client = api.as_(admin_person)

    one = client.get("/api/v1/people/", {"page_size": "1"}).json()
    most = client.get("/api/v1/people/", {"page_size": "500"}).json()

    assert len(one["results"]) == 1 and one["next"]
    assert len(most["results"]) == 3


@pytest.mark.parametrize("path", ["/api/v1/tokens/", "/api/v1/roles/", "/api/v1/lockouts/"])
def test_endpoint_without_filters_refuses_any_filter(api, admin_person, path):
    response = api.as_(admin_person).get(path, {"name": "x"})

    assert response.status_code == 400
    assert list(field_errors(response)) == ["name"]


def test_schema_shows_bounds_and_types_of_list_parameters(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    untyped, unbounded = [], []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                if not parameter.get("schema", {}).get("type"):
                    untyped.append((method, path, parameter["name"]))
                if parameter["name"] == "page_size" and parameter["schema"] != {
                    "type": "integer", "minimum": 1, "maximum": 500
                }:  # fmt: skip
                    unbounded.append((method, path))
    assert untyped == [] and unbounded == []
    people = {p["name"]: p for p in schema["paths"]["/api/v1/people/"]["get"]["parameters"]}
    assert people["is_active"]["schema"] == {"type": "boolean"}
    assert "`true` or `false`" in people["is_active"]["description"]
    assert "requester" in people["role"]["schema"]["enum"]


# --- Location on 201 ---------------------------------------------------------------------------


def test_created_record_location_reads_it_back(api, admin_person, provider):
    client = api.as_(admin_person)

    response = client.post(
        "/api/v1/people/",
        {"username": "newbie", "first_name": "New", "last_name": "Person",
         "email": "newbie@example.com", "organisations": [provider.pk]},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    location = response["Location"]
    assert location == f"http://testserver/api/v1/people/{response.json()['id']}/"
    assert client.get(location).json()["username"] == "newbie"


def test_created_token_and_group_member_say_where_they_are(api, admin_person, analyst):
    client = api.as_(admin_person)
    group = SupportGroupFactory(organisation=admin_person.memberships.get().organisation)

    token = client.post("/api/v1/tokens/", {"name": "ci"}, format="json")
    member = client.post(
        f"/api/v1/groups/{group.pk}/members/", {"person": analyst.pk}, format="json"
    )

    assert token["Location"].endswith(f"/api/v1/tokens/{token.json()['id']}/")
    assert client.get(token["Location"]).json()["name"] == "ci"
    assert member.status_code == 201, member.content
    assert member["Location"].endswith(f"/api/v1/groups/{group.pk}/")


def test_schema_documents_location_on_every_201(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    created = [
        (method, path, "Location" in operation["responses"]["201"].get("headers", {}))
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "201" in operation.get("responses", {})
    ]
    assert len(created) > 20
    assert [c for c in created if not c[2]] == []


# --- /api/v1/me/ -------------------------------------------------------------------------------


def test_me_describes_the_caller(api, analyst, provider):
    group = SupportGroupFactory(organisation=provider, name="Service desk")
    add_member(group, analyst)

    body = api.as_(analyst).get("/api/v1/me/").json()

    assert body["id"] == analyst.pk and body["username"] == "analyst"
    assert body["name"] == analyst.display_name and body["email"] == analyst.email
    assert body["customer_side"] is False
    assert [(o["id"], o["kind"], o["represents"]) for o in body["organisations"]] == [
        (provider.pk, "provider", False)
    ]
    assert [g["name"] for g in body["support_groups"]] == ["Service desk"]
    assert [(r["role"], r["scope_type"]) for r in body["roles"]] == [
        ("service_desk_analyst", "none")
    ]
    assert "incidents.incident.view" in body["permissions"]
    assert "core.role.change" not in body["permissions"]
    assert body["tokens"] == "http://testserver/api/v1/tokens/"


def test_me_of_a_representative_by_token(customer_org, other_customer_org):
    person = make_person("requester", organisation=customer_org, username="rep")
    RoleAssignment.objects.create(
        person=person,
        role="customer_representative",
        scope_type=ContentType.objects.get_for_model(customer_org),
        scope_id=customer_org.pk,
    )
    _, key = token_create(actor=person, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    body = client.get("/api/v1/me/").json()

    assert body["customer_side"] is True
    assert [(o["name"], o["represents"]) for o in body["organisations"]] == [("Acme Bank", True)]
    assert {(r["role"], r["scope_type"], r["scope_name"]) for r in body["roles"]} == {
        ("requester", "none", ""),
        ("customer_representative", "organisation", "Acme Bank"),
    }
    assert "core.token.own" in body["permissions"]
    assert "core.group.view" not in body["permissions"]


def test_me_needs_a_login_and_a_role(api, no_role_person):
    anonymous = APIClient().get("/api/v1/me/")
    without_role = api.as_(no_role_person).get("/api/v1/me/")

    assert anonymous.status_code in (401, 403) and error_detail(anonymous)
    assert without_role.status_code == 403


def test_me_is_in_the_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    answer = schema["paths"]["/api/v1/me/"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Me"}


def test_removing_a_member_with_an_impossible_id_is_404(api, admin_person, provider):
    # Path ids are integers in the schema now, so the fuzz test sends ones beyond any id.
    group = SupportGroupFactory(organisation=provider)

    response = api.as_(admin_person).delete(
        f"/api/v1/groups/{group.pk}/members/833922497625510248448/"
    )

    assert response.status_code == 404
