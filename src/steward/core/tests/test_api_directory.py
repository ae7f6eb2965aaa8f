"""The directory over the API: people, organisations, groups, role assignments, roles."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from steward.core import permissions
from steward.core.choices import JournalKind, Role
from steward.core.models import (
    JournalEntry,
    Organisation,
    Person,
    RoleAssignment,
    SupportGroup,
    SupportGroupMembership,
)
from steward.core.tests.api import field_errors
from steward.core.tests.factories import (
    PersonFactory,
    SupportGroupFactory,
    add_member,
    give_role,
    make_person,
)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def network(db, provider):
    return SupportGroupFactory(name="Network", organisation=provider)


# --- People ------------------------------------------------------------------------------


def test_people_are_paged_with_a_cursor(api, admin_person, provider):
    for _ in range(5):
        PersonFactory(organisations=[provider])
    everyone = set(Person.objects.values_list("pk", flat=True))

    seen: list[int] = []
    response = api.as_(admin_person).get("/api/v1/people/?page_size=2")
    pages = 0
    while True:
        assert response.status_code == 200
        body = response.json()
        assert len(body["results"]) <= 2
        seen += [row["id"] for row in body["results"]]
        pages += 1
        if not body["next"]:
            break
        assert "cursor=" in body["next"]
        response = api.get(body["next"])

    assert len(everyone) == 6 and pages == 3  # the admin and five more, two per page
    assert sorted(seen) == sorted(everyone)
    assert len(seen) == len(set(seen))


def test_person_representation_never_holds_the_password(api, admin_person):
    response = api.as_(admin_person).get(f"/api/v1/people/{admin_person.pk}/")

    body = response.json()
    assert response.status_code == 200
    assert "password" not in body
    assert admin_person.password not in response.content.decode()
    assert "is_superuser" not in body
    assert body["username"] == "admin"
    assert body["can_log_in"] is True
    assert body["organisations"] == [admin_person.memberships.get().organisation_id]


def test_people_filters(api, analyst, provider, customer_org, network):
    alice = make_person("specialist", organisation=customer_org, username="alice", job_title="DBA")
    bob = make_person("requester", organisation=customer_org, username="bob")
    add_member(network, alice)
    client = api.as_(analyst)

    assert ids(client.get(f"/api/v1/people/?organisation={customer_org.pk}")) == sorted(
        [alice.pk, bob.pk], reverse=True
    )
    assert ids(client.get("/api/v1/people/?q=dba")) == [alice.pk]
    assert ids(client.get(f"/api/v1/people/?group={network.pk}")) == [alice.pk]
    assert ids(client.get("/api/v1/people/?role=requester")) == [bob.pk]


def test_customer_sees_only_people_of_their_organisation(
    api, requester, analyst, customer_org, other_customer_org
):
    colleague = PersonFactory(organisations=[customer_org])
    stranger = PersonFactory(organisations=[other_customer_org])
    client = api.as_(requester)

    assert sorted(ids(client.get("/api/v1/people/"))) == sorted([requester.pk, colleague.pk])
    assert client.get(f"/api/v1/people/{colleague.pk}/").status_code == 200
    assert client.get(f"/api/v1/people/{stranger.pk}/").status_code == 404
    assert client.get(f"/api/v1/people/{analyst.pk}/").status_code == 404


def test_person_registration(api, admin_person, customer_org, other_customer_org):
    response = api.as_(admin_person).post(
        "/api/v1/people/",
        {
            "username": "carol",
            "password": "a-Long-and-unusual-42",
            "first_name": "Carol",
            "last_name": "Jones",
            "email": "carol@acme.example",
            "organisations": [customer_org.pk, other_customer_org.pk],
            "primary_organisation": other_customer_org.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["display_name"] == "Carol Jones"
    assert sorted(body["organisations"]) == sorted([customer_org.pk, other_customer_org.pk])
    assert body["primary_organisation"] == other_customer_org.pk
    assert "password" not in body
    carol = Person.objects.get(username="carol")
    assert carol.check_password("a-Long-and-unusual-42")
    assert JournalEntry.objects.filter(kind=JournalKind.CREATED, record_id=carol.pk).count() == 1


def test_contact_without_password_cannot_log_in(api, analyst):
    response = api.as_(analyst).post("/api/v1/people/", {"username": "contact"}, format="json")

    assert response.status_code == 201
    assert response.json()["can_log_in"] is False
    assert not Person.objects.get(username="contact").has_usable_password()


def test_weak_password_is_refused_with_a_field_message(api, admin_person):
    response = api.as_(admin_person).post(
        "/api/v1/people/", {"username": "dave", "password": "password"}, format="json"
    )

    assert response.status_code == 400
    assert list(field_errors(response)) == ["password"]
    assert not Person.objects.filter(username="dave").exists()


def test_analyst_edits_a_person_and_the_journal_records_it(api, analyst, requester):
    response = api.as_(analyst).patch(
        f"/api/v1/people/{requester.pk}/", {"job_title": "Teller"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["job_title"] == "Teller"
    change = JournalEntry.objects.get(kind=JournalKind.FIELD_CHANGE, record_id=requester.pk)
    assert (change.field, change.new_value, change.actor) == ("job_title", "Teller", analyst)


def test_username_cannot_be_changed_after_registration(api, analyst, requester):
    response = api.as_(analyst).patch(
        f"/api/v1/people/{requester.pk}/", {"username": "hijack"}, format="json"
    )

    requester.refresh_from_db()
    # Refused and said so, not silently dropped (issue 10).
    assert response.status_code == 400
    assert field_errors(response) == {"username": ["No such field here: it cannot be set."]}
    assert requester.username == "requester"


# --- Organisations -------------------------------------------------------------------------


def test_customer_sees_only_their_organisation(
    api, requester, provider, customer_org, other_customer_org
):
    client = api.as_(requester)

    assert ids(client.get("/api/v1/organisations/")) == [customer_org.pk]
    assert client.get(f"/api/v1/organisations/{other_customer_org.pk}/").status_code == 404
    assert client.get(f"/api/v1/organisations/{provider.pk}/").status_code == 404


def test_organisation_filters(api, analyst, provider, customer_org, other_customer_org):
    client = api.as_(analyst)

    assert ids(client.get("/api/v1/organisations/?kind=provider")) == [provider.pk]
    assert ids(client.get("/api/v1/organisations/?q=glob")) == [other_customer_org.pk]
    Organisation.objects.filter(pk=customer_org.pk).update(is_active=False)
    assert ids(client.get("/api/v1/organisations/?is_active=false")) == [customer_org.pk]


def test_organisation_create_and_update(api, admin_person):
    client = api.as_(admin_person)
    created = client.post(
        "/api/v1/organisations/",
        {"name": "Initech", "kind": "customer", "code": "initech", "email": "it@initech.example"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]

    updated = client.patch(
        f"/api/v1/organisations/{pk}/", {"phone": "+31 20 555 0100"}, format="json"
    )

    assert updated.status_code == 200
    assert Organisation.objects.get(pk=pk).phone == "+31 20 555 0100"
    kinds = list(JournalEntry.objects.filter(record_id=pk).values_list("kind", "field"))
    assert kinds == [(JournalKind.CREATED, ""), (JournalKind.FIELD_CHANGE, "phone")]


def test_full_update_with_put(api, admin_person, customer_org):
    response = api.as_(admin_person).put(
        f"/api/v1/organisations/{customer_org.pk}/",
        {"name": "Acme Bank plc", "kind": "customer", "code": "acme"},
        format="json",
    )

    assert response.status_code == 200
    assert Organisation.objects.get(pk=customer_org.pk).name == "Acme Bank plc"


# --- Support groups --------------------------------------------------------------------------


def test_group_create_with_members_listed(api, admin_person, provider, analyst):
    client = api.as_(admin_person)
    response = client.post(
        "/api/v1/groups/",
        {"name": "Database", "organisation": provider.pk, "skills": "postgres, oracle"},
        format="json",
    )
    assert response.status_code == 201, response.content
    group = SupportGroup.objects.get(name="Database")
    add_member(group, analyst)

    body = client.get(f"/api/v1/groups/{group.pk}/").json()

    assert body["organisation"] == provider.pk
    assert body["members"] == [
        {
            "person": analyst.pk,
            "display_name": analyst.display_name,
            "skills": "",
            "is_available": True,
        }
    ]


def test_group_members_are_added_and_removed(api, admin_person, analyst, network):
    client = api.as_(admin_person)

    added = client.post(
        f"/api/v1/groups/{network.pk}/members/",
        {"person": analyst.pk, "skills": "BGP"},
        format="json",
    )
    assert added.status_code == 201
    assert added.json()["skills"] == "BGP"
    assert SupportGroupMembership.objects.filter(group=network, person=analyst).exists()

    removed = client.delete(f"/api/v1/groups/{network.pk}/members/{analyst.pk}/")
    assert removed.status_code == 204
    assert not SupportGroupMembership.objects.filter(group=network, person=analyst).exists()
    texts = list(JournalEntry.objects.filter(record_id=network.pk).values_list("body", flat=True))
    assert texts == [f"{analyst} joined the group.", f"{analyst} left the group."]

    again = client.delete(f"/api/v1/groups/{network.pk}/members/{analyst.pk}/")
    assert again.status_code == 404


def test_customer_person_cannot_join_a_group(api, admin_person, requester, network):
    response = api.as_(admin_person).post(
        f"/api/v1/groups/{network.pk}/members/", {"person": requester.pk}, format="json"
    )

    assert response.status_code == 400
    assert list(field_errors(response)) == ["person"]
    assert not network.memberships.exists()


def test_group_filters_and_customer_denial(api, analyst, requester, provider, network):
    other = SupportGroupFactory(name="Desk")

    assert ids(api.as_(analyst).get(f"/api/v1/groups/?organisation={provider.pk}")) == [network.pk]
    assert ids(api.get("/api/v1/groups/?q=des")) == [other.pk]
    assert api.as_(requester).get("/api/v1/groups/").status_code == 403


# --- Role assignments and the role catalogue ----------------------------------------------------


def test_role_given_for_a_group_and_taken_away(api, admin_person, analyst, network):
    client = api.as_(admin_person)
    response = client.post(
        "/api/v1/role-assignments/",
        {
            "person": analyst.pk,
            "role": "group_coordinator",
            "scope_type": "group",
            "scope_id": network.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["role"], body["scope_type"], body["scope_id"], body["scope_name"]) == (
        "group_coordinator", "group", network.pk, "Network",
    )  # fmt: skip
    assert body["granted_by"] == admin_person.pk
    assert permissions.has(Person.objects.get(pk=analyst.pk), "core.access")

    listed = client.get(f"/api/v1/role-assignments/?role=group_coordinator&person={analyst.pk}")
    assert ids(listed) == [body["id"]]

    assert client.delete(f"/api/v1/role-assignments/{body['id']}/").status_code == 204
    assert not RoleAssignment.objects.filter(pk=body["id"]).exists()
    assert JournalEntry.objects.filter(record_id=analyst.pk, kind=JournalKind.SYSTEM).count() == 2


def test_global_role_and_scope_rules(api, admin_person, analyst, customer_org):
    client = api.as_(admin_person)

    ok = client.post(
        "/api/v1/role-assignments/", {"person": analyst.pk, "role": "specialist"}, format="json"
    )
    assert ok.status_code == 201
    assert ok.json()["scope_type"] == "none"

    wrong_scope = client.post(
        "/api/v1/role-assignments/",
        {
            "person": analyst.pk,
            "role": "specialist",
            "scope_type": "organisation",
            "scope_id": customer_org.pk,
        },
        format="json",
    )
    assert wrong_scope.status_code == 400
    assert list(field_errors(wrong_scope)) == ["scope_type"]

    rep = client.post(
        "/api/v1/role-assignments/",
        {"person": analyst.pk, "role": "customer_representative", "scope_type": "organisation",
         "scope_id": customer_org.pk},
        format="json",
    )  # fmt: skip
    assert rep.status_code == 201
    assert rep.json()["scope_name"] == "Acme Bank"


def test_role_catalogue(api, analyst, requester):
    response = api.as_(analyst).get("/api/v1/roles/")

    assert response.status_code == 200
    roles = {r["role"]: r for r in response.json()}
    assert set(roles) == set(Role.values)
    admin = roles["system_administrator"]
    assert admin["label"] == "System administrator"
    assert "core.role.change" in [p["name"] for p in admin["permissions"]]
    assert roles["customer_representative"]["allowed_scopes"] == ["organisation"]
    assert "core.role.change" not in [p["name"] for p in roles["requester"]["permissions"]]
    one = api.get("/api/v1/roles/specialist/")
    assert one.json()["allowed_scopes"] == ["group", "none"]
    assert api.get("/api/v1/roles/wizard/").status_code == 404
    assert api.as_(requester).get("/api/v1/roles/").status_code == 403


def test_scoped_role_holder_can_use_the_api(api, network):
    coordinator = PersonFactory(username="coord")
    give_role(coordinator, "group_coordinator", network)

    assert api.as_(coordinator).get("/api/v1/groups/").status_code == 200


# --- Query counts: lists must not grow a query per row ----------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/api/v1/people/", "/api/v1/groups/", "/api/v1/role-assignments/", "/api/v1/organisations/"],
)
def test_list_query_count_does_not_grow_with_rows(api, admin_person, provider, url):
    def count() -> int:
        # A fresh instance each time, as each request has: no roles cached from before.
        client = api.as_(Person.objects.get(pk=admin_person.pk))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def grow(n: int) -> None:
        for _ in range(n):
            person = make_person("specialist", organisation=provider)
            group = SupportGroupFactory(organisation=provider)
            add_member(group, person)
            give_role(person, "group_coordinator", group)

    grow(1)
    few = count()
    grow(6)
    assert count() == few
