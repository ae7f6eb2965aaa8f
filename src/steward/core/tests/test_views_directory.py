"""Directory pages: people, organisations, support groups, roles and memberships."""

import pytest
from django.urls import reverse

from steward.core.choices import JournalKind
from steward.core.models import (
    JournalEntry,
    Organisation,
    OrganisationMembership,
    Person,
    RoleAssignment,
    SupportGroup,
    SupportGroupMembership,
)
from steward.core.tests.factories import (
    OrganisationFactory,
    PersonFactory,
    SupportGroupFactory,
    add_member,
    give_role,
    make_person,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(provider):
    return SupportGroupFactory(name="Service Desk", organisation=provider)


@pytest.fixture
def colleague(provider):
    return make_person(
        "specialist", organisation=provider, username="alan", first_name="Alan", last_name="Turing"
    )


# --- People -----------------------------------------------------------------------------------


def test_person_page_shows_details_organisations_groups_and_roles(
    client, admin_person, colleague, desk
):
    add_member(desk, colleague)
    client.force_login(admin_person)

    response = client.get(colleague.get_absolute_url())

    body = response.content.decode()
    assert response.status_code == 200
    assert "Alan Turing" in body and "Steward IT" in body and "Service Desk" in body
    assert [str(r) for r in response.context["roles"]] == ["Specialist"]
    assert response.context["role_form"] is not None  # an administrator may give roles


def test_analyst_sees_roles_but_may_not_change_them(client, analyst, colleague):
    client.force_login(analyst)

    response = client.get(colleague.get_absolute_url())

    assert [str(r) for r in response.context["roles"]] == ["Specialist"]
    assert response.context["role_form"] is None
    assert "Give role" not in response.content.decode()


def test_customer_sees_no_roles_or_groups_on_a_person(client, requester, customer_org):
    neighbour = make_person("requester", organisation=customer_org, username="neighbour")
    client.force_login(requester)

    response = client.get(neighbour.get_absolute_url())

    assert response.status_code == 200
    assert response.context["roles"] == []
    assert "Support groups" not in [s.title for s in response.context["related"]]
    assert "Last sign-in" not in response.content.decode()


def test_analyst_registers_a_person_who_can_sign_in(client, analyst, customer_org):
    client.force_login(analyst)

    response = client.post(
        reverse("core:person-create"),
        {
            "username": "newbie",
            "first_name": "New",
            "last_name": "Bie",
            "email": "newbie@acme.example",
            "organisation": customer_org.pk,
            "time_zone": "Europe/Amsterdam",
            "is_active": "on",
            "password": "a-long-unusual-passphrase-42",
        },
    )

    person = Person.objects.get(username="newbie")
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    assert person.memberships.get().organisation == customer_org
    assert person.check_password("a-long-unusual-passphrase-42")
    assert JournalEntry.objects.filter(record_id=person.pk, kind=JournalKind.CREATED).exists()


def test_person_form_errors_show_next_to_the_fields(client, analyst):
    client.force_login(analyst)

    response = client.post(
        reverse("core:person-create"),
        {"username": "analyst", "email": "not-an-email", "password": "123", "is_active": "on"},
    )

    errors = response.context["form"].errors
    assert response.status_code == 400
    assert errors["username"] == ["Someone already has this username."]
    assert "email" in errors
    assert "password" in errors
    assert Person.objects.count() == 1


def test_requester_may_not_register_people(client, requester):
    client.force_login(requester)

    assert client.get(reverse("core:person-create")).status_code == 403
    response = client.post(reverse("core:person-create"), {"username": "x", "is_active": "on"})

    assert response.status_code == 403
    assert not Person.objects.filter(username="x").exists()


def test_person_edit_goes_through_the_service_and_journals(client, analyst, colleague):
    client.force_login(analyst)
    url = reverse("core:person-edit", args=[colleague.pk])

    form = client.get(url)
    response = client.post(
        url,
        {
            "first_name": "Alan",
            "last_name": "Turing",
            "email": colleague.email,
            "job_title": "Cryptanalyst",
            "time_zone": "",
            "is_active": "on",
        },
    )

    colleague.refresh_from_db()
    assert form.context["form"].initial["first_name"] == "Alan"
    assert response.status_code == 302
    assert colleague.job_title == "Cryptanalyst"
    change = JournalEntry.objects.get(record_id=colleague.pk, kind=JournalKind.FIELD_CHANGE)
    assert (change.field, change.new_value, change.actor) == ("job_title", "Cryptanalyst", analyst)


def test_person_joins_an_organisation(client, analyst, colleague, customer_org):
    client.force_login(analyst)

    response = client.post(
        reverse("core:person-organisation-add", args=[colleague.pk]),
        {"organisation": customer_org.pk},
    )

    assert response.status_code == 302
    assert OrganisationMembership.objects.filter(
        person=colleague, organisation=customer_org
    ).exists()


# --- Roles ------------------------------------------------------------------------------------


def test_administrator_gives_a_role_everywhere(client, admin_person, colleague):
    client.force_login(admin_person)

    response = client.post(
        reverse("core:person-role-assign", args=[colleague.pk]),
        {"role": "change_manager", "scope": ""},
    )

    assert response.status_code == 302
    assert response["Location"] == colleague.get_absolute_url() + "#roles"
    assignment = RoleAssignment.objects.get(person=colleague, role="change_manager")
    assert assignment.scope is None and assignment.granted_by == admin_person


def test_administrator_gives_a_role_limited_to_a_group(client, admin_person, colleague, desk):
    client.force_login(admin_person)

    client.post(
        reverse("core:person-role-assign", args=[colleague.pk]),
        {"role": "group_coordinator", "scope": f"group:{desk.pk}"},
    )

    assert RoleAssignment.objects.get(person=colleague, role="group_coordinator").scope == desk


def test_role_scope_errors_show_on_the_person_page(client, admin_person, colleague, customer_org):
    client.force_login(admin_person)
    url = reverse("core:person-role-assign", args=[colleague.pk])

    needs_scope = client.post(url, {"role": "group_coordinator", "scope": ""})
    wrong_scope = client.post(
        url, {"role": "group_coordinator", "scope": f"organisation:{customer_org.pk}"}
    )

    assert needs_scope.status_code == 400
    assert "must be limited to a scope" in needs_scope.context["role_form"].errors["scope"][0]
    # This one only the service knows: its ValidationError lands on the scope field.
    assert wrong_scope.status_code == 400
    assert (
        "can be given for: a support group" in wrong_scope.context["role_form"].errors["scope"][0]
    )
    assert not RoleAssignment.objects.filter(person=colleague, role="group_coordinator").exists()


def test_analyst_may_not_give_or_take_roles(client, analyst, colleague):
    assignment = colleague.role_assignments.get()
    client.force_login(analyst)

    give = client.post(
        reverse("core:person-role-assign", args=[colleague.pk]), {"role": "system_administrator"}
    )
    take = client.post(reverse("core:person-role-revoke", args=[colleague.pk, assignment.pk]))

    assert give.status_code == 403 and take.status_code == 403
    assert list(colleague.role_assignments.values_list("role", flat=True)) == ["specialist"]


def test_administrator_takes_a_role_away(client, admin_person, colleague):
    assignment = colleague.role_assignments.get()
    client.force_login(admin_person)

    response = client.post(reverse("core:person-role-revoke", args=[colleague.pk, assignment.pk]))

    assert response.status_code == 302
    assert not colleague.role_assignments.exists()
    assert JournalEntry.objects.filter(
        record_id=colleague.pk, body__contains="No longer Specialist"
    ).exists()


def test_revoking_someone_elses_assignment_through_the_wrong_person_is_404(
    client, admin_person, colleague, analyst
):
    other = analyst.role_assignments.get()
    client.force_login(admin_person)

    response = client.post(reverse("core:person-role-revoke", args=[colleague.pk, other.pk]))

    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=other.pk).exists()


# --- Organisations ----------------------------------------------------------------------------


def test_organisation_list_counts_people(client, analyst, customer_org):
    PersonFactory.create_batch(3, organisations=[customer_org])
    client.force_login(analyst)

    response = client.get(reverse("core:organisation-list"), {"kind": "customer"})

    rows = {r["obj"].name: r["obj"].people_count for r in response.context["rows"]}
    assert rows == {"Acme Bank": 3}


def test_organisation_people_count_sorts(client, analyst, customer_org, other_customer_org):
    PersonFactory.create_batch(2, organisations=[other_customer_org])
    client.force_login(analyst)

    response = client.get(reverse("core:organisation-list"), {"sort": "-people"})

    assert [r["obj"].name for r in response.context["rows"]] == [
        "Globex",
        "Steward IT",
        "Acme Bank",
    ]


def test_customer_sees_only_their_own_organisation(
    client, requester, customer_org, other_customer_org
):
    client.force_login(requester)

    listed = client.get(reverse("core:organisation-list"))
    other = client.get(other_customer_org.get_absolute_url())

    assert [r["obj"] for r in listed.context["rows"]] == [customer_org]
    assert other.status_code == 404


def test_organisation_create_and_edit_through_services(client, admin_person):
    client.force_login(admin_person)

    created = client.post(
        reverse("core:organisation-create"),
        {
            "name": "Initech",
            "kind": "customer",
            "code": "initech",
            "website": "initech.example",
            "is_active": "on",
        },
    )
    org = Organisation.objects.get(code="initech")
    edited = client.post(
        reverse("core:organisation-edit", args=[org.pk]),
        {"name": "Initech Ltd", "kind": "customer", "code": "initech", "is_active": "on"},
    )

    org.refresh_from_db()
    assert created.status_code == 302 and edited.status_code == 302
    assert org.name == "Initech Ltd"
    assert JournalEntry.objects.filter(
        record_id=org.pk, kind=JournalKind.FIELD_CHANGE, field="name"
    ).exists()


def test_organisation_duplicate_code_is_an_error_on_the_field(client, admin_person, customer_org):
    client.force_login(admin_person)

    response = client.post(
        reverse("core:organisation-create"),
        {"name": "Other", "kind": "customer", "code": "acme", "is_active": "on"},
    )

    assert response.status_code == 400
    assert "code" in response.context["form"].errors
    assert not Organisation.objects.filter(name="Other").exists()


def test_analyst_may_not_edit_organisations(client, analyst, customer_org):
    client.force_login(analyst)

    response = client.post(
        reverse("core:organisation-edit", args=[customer_org.pk]),
        {"name": "Hacked", "kind": "customer", "code": "acme", "is_active": "on"},
    )

    customer_org.refresh_from_db()
    assert response.status_code == 403
    assert customer_org.name == "Acme Bank"


# --- Support groups ---------------------------------------------------------------------------


def test_group_pages_are_for_provider_staff(client, requester, desk):
    client.force_login(requester)

    assert client.get(reverse("core:group-list")).status_code == 403
    assert client.get(desk.get_absolute_url()).status_code == 403


def test_group_list_counts_members_and_filters_by_organisation(client, analyst, desk, colleague):
    add_member(desk, colleague)
    SupportGroupFactory(name="Elsewhere", organisation=OrganisationFactory(kind="supplier"))
    client.force_login(analyst)

    response = client.get(reverse("core:group-list"), {"organisation": desk.organisation_id})

    assert [(r["obj"].name, r["obj"].member_count) for r in response.context["rows"]] == [
        ("Service Desk", 1)
    ]


def test_administrator_adds_and_removes_a_member(client, admin_person, desk, colleague):
    client.force_login(admin_person)

    added = client.post(reverse("core:group-member-add", args=[desk.pk]), {"person": colleague.pk})
    assert SupportGroupMembership.objects.filter(group=desk, person=colleague).exists()
    removed = client.post(reverse("core:group-member-remove", args=[desk.pk, colleague.pk]))

    assert added.status_code == 302 and removed.status_code == 302
    assert not SupportGroupMembership.objects.filter(group=desk, person=colleague).exists()
    texts = list(
        JournalEntry.objects.filter(record_id=desk.pk, kind=JournalKind.SYSTEM).values_list(
            "body", flat=True
        )
    )
    assert texts == ["Alan Turing joined the group.", "Alan Turing left the group."]


def test_customer_people_are_not_offered_as_members(
    client, admin_person, desk, requester, colleague
):
    client.force_login(admin_person)

    form = client.get(desk.get_absolute_url()).context["member_form"]
    refused = client.post(
        reverse("core:group-member-add", args=[desk.pk]), {"person": requester.pk}
    )

    offered = list(form.fields["person"].queryset)
    assert colleague in offered and requester not in offered
    assert refused.status_code == 400
    assert not SupportGroupMembership.objects.filter(person=requester).exists()


def test_analyst_may_not_change_members(client, analyst, desk, colleague):
    client.force_login(analyst)

    response = client.post(
        reverse("core:group-member-add", args=[desk.pk]), {"person": colleague.pk}
    )

    assert response.status_code == 403
    assert not SupportGroupMembership.objects.exists()


def test_group_create_and_edit(client, admin_person, provider):
    client.force_login(admin_person)

    created = client.post(
        reverse("core:group-create"),
        {"name": "Network", "organisation": provider.pk, "is_active": "on"},
    )
    group = SupportGroup.objects.get(name="Network")
    edited = client.post(
        reverse("core:group-edit", args=[group.pk]),
        {
            "name": "Network",
            "organisation": provider.pk,
            "skills": "routing, dns",
            "is_active": "on",
        },
    )

    group.refresh_from_db()
    assert created.status_code == 302 and edited.status_code == 302
    assert group.skills == "routing, dns"


def test_sign_in_works_for_a_person_registered_on_the_page(client, analyst, customer_org):
    client.force_login(analyst)
    client.post(
        reverse("core:person-create"),
        {
            "username": "carol",
            "organisation": customer_org.pk,
            "is_active": "on",
            "password": "very-long-passphrase-9",
        },
    )
    give_role(Person.objects.get(username="carol"), "requester")
    client.logout()

    response = client.post("/login/", {"username": "carol", "password": "very-long-passphrase-9"})

    assert response.status_code == 302
    # A requester lands on the self-service portal (issue 13).
    landing = client.get("/", follow=True)
    assert landing.status_code == 200
    assert landing.redirect_chain == [("/portal/", 302)]


# --- Django admin (configuration data) ------------------------------------------------------


@pytest.fixture
def superuser(provider):
    return PersonFactory(
        username="root", is_staff=True, is_superuser=True, organisations=[provider]
    )


def test_admin_saves_go_through_the_services_and_journal(client, superuser):
    client.force_login(superuser)

    response = client.post(
        "/admin/core/organisation/add/",
        {"name": "Umbrella", "kind": "supplier", "code": "umbrella", "is_active": "on"},
    )

    org = Organisation.objects.get(code="umbrella")
    assert response.status_code == 302
    entry = JournalEntry.objects.get(record_id=org.pk, kind=JournalKind.CREATED)
    assert entry.actor == superuser


def test_admin_edit_of_a_person_journals_the_change(client, superuser, colleague):
    client.force_login(superuser)
    url = f"/admin/core/person/{colleague.pk}/change/"
    data = {
        "first_name": "Alan",
        "last_name": "Turing",
        "email": colleague.email,
        "job_title": "Codebreaker",
        "is_active": "on",
    }

    response = client.post(url, data)

    colleague.refresh_from_db()
    assert response.status_code == 302, response.content.decode()[:500]
    assert colleague.job_title == "Codebreaker"
    assert JournalEntry.objects.filter(record_id=colleague.pk, field="job_title").exists()


def test_admin_never_shows_secrets_or_token_hashes(client, superuser):
    from steward.core.models import ApiToken, WebhookSubscription

    hook = WebhookSubscription.objects.create(name="H", url="https://h.example/", secret="z" * 40)
    token = ApiToken.objects.create(person=superuser, name="t", prefix="stw_x", key_hash="f" * 64)
    client.force_login(superuser)

    hook_page = client.get(f"/admin/core/webhooksubscription/{hook.pk}/change/").content.decode()
    token_page = client.get(f"/admin/core/apitoken/{token.pk}/change/").content.decode()

    assert "z" * 40 not in hook_page
    assert "f" * 64 not in token_page
    assert client.post(f"/admin/core/webhooksubscription/{hook.pk}/delete/").status_code == 403


def test_admin_refuses_staff_without_django_permissions(client, provider):
    staff = PersonFactory(username="staffer", is_staff=True, organisations=[provider])
    client.force_login(staff)

    assert client.get("/admin/core/organisation/add/").status_code == 403


def test_admin_calendar_with_inline_hours_and_holidays(client, superuser):
    client.force_login(superuser)

    def inline(prefix: str, rows: list[dict]) -> dict:
        data = {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for i, row in enumerate(rows):
            data |= {f"{prefix}-{i}-{k}": v for k, v in row.items()}
        return data

    data = {"name": "Weekend desk", "time_zone": "Europe/London", "description": ""}
    data |= inline("periods", [{"weekday": "5", "start_time": "09:00", "end_time": "13:00"}])
    data |= inline("holidays", [{"date": "2026-12-25", "name": "Christmas"}])
    overlapping = data | inline(
        "periods",
        [
            {"weekday": "5", "start_time": "09:00", "end_time": "13:00"},
            {"weekday": "5", "start_time": "12:00", "end_time": "14:00"},
        ],
    )

    refused = client.post("/admin/core/businesscalendar/add/", overlapping)
    saved = client.post("/admin/core/businesscalendar/add/", data)

    from steward.core.models import BusinessCalendar

    assert refused.status_code == 200 and "overlaps" in refused.content.decode()
    assert saved.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Weekend desk")
    assert [(p.weekday, str(p.start_time)) for p in calendar.periods.all()] == [(5, "09:00:00")]
    assert list(calendar.holidays.values_list("name", flat=True)) == ["Christmas"]
    assert JournalEntry.objects.filter(record_id=calendar.pk, kind=JournalKind.CREATED).exists()


def test_admin_group_edit_keeps_members_read_only(client, superuser, desk, colleague):
    add_member(desk, colleague)
    client.force_login(superuser)
    data = {
        "name": "Service Desk",
        "organisation": desk.organisation_id,
        "skills": "printers",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": str(desk.memberships.get().pk),
        "memberships-0-group": str(desk.pk),
    }

    response = client.post(f"/admin/core/supportgroup/{desk.pk}/change/", data)

    desk.refresh_from_db()
    assert response.status_code == 302, response.content.decode()[:800]
    assert desk.skills == "printers"
    assert list(desk.members.all()) == [colleague]
