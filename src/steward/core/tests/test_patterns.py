"""The list-page and record-page patterns, exercised through the people pages."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from steward.core.choices import JournalKind
from steward.core.csvsafe import escape as csv_safe
from steward.core.models import JournalEntry
from steward.core.testing.exports import csv_rows
from steward.core.tests.factories import (
    BusinessCalendarFactory,
    OrganisationFactory,
    PersonFactory,
    SupportGroupFactory,
    add_member,
    make_person,
)
from steward.core.views.patterns import Column

pytestmark = pytest.mark.django_db


PEOPLE = reverse("core:person-list")


def names(response) -> list[str]:
    """The linked names in the first column of the rendered list, in order."""
    return [row["cells"][0].text for row in response.context["rows"]]


@pytest.fixture
def acme_people(customer_org):
    return [
        PersonFactory(
            username=u,
            first_name=f,
            last_name=last,
            email=f"{u}@acme.example",
            organisations=[customer_org],
        )
        for u, f, last in [("zoe", "Zoe", "Adams"), ("bob", "Bob", "Young"), ("mia", "Mia", "Moss")]
    ]


# --- sorting ----------------------------------------------------------------------------------


def test_list_sorts_by_a_whitelisted_column_both_ways(client, admin_person, acme_people):
    client.force_login(admin_person)

    by_name = client.get(PEOPLE)
    up = client.get(PEOPLE, {"sort": "username"})
    down = client.get(PEOPLE, {"sort": "-username"})

    me = admin_person.display_name  # "FirstN LastN": sorts between Adams and Moss
    assert names(by_name) == ["Zoe Adams", me, "Mia Moss", "Bob Young"]
    assert names(up) == [me, "Bob Young", "Mia Moss", "Zoe Adams"]  # admin, bob, mia, zoe
    assert names(down) == list(reversed(names(up)))
    assert up.context["sort"] == "username"
    assert down.context["sort"] == "-username"


@pytest.mark.parametrize(
    "sort", ["password", "-password", "memberships__organisation__name", "is_superuser", "?"]
)
def test_unknown_sort_is_ignored_not_obeyed(client, admin_person, acme_people, sort):
    client.force_login(admin_person)

    response = client.get(PEOPLE, {"sort": sort})

    assert response.status_code == 200
    assert response.context["sort"] == "name"
    assert names(response) == ["Zoe Adams", admin_person.display_name, "Mia Moss", "Bob Young"]


def test_sort_headers_link_to_the_other_direction(client, admin_person):
    client.force_login(admin_person)

    headers = {h["key"]: h for h in client.get(PEOPLE, {"sort": "email"}).context["headers"]}

    assert headers["email"]["direction"] == "asc"
    assert headers["email"]["next"] == "-email"
    assert headers["username"]["next"] == "username"
    assert "sortable" not in headers["organisation"]  # computed column: not sortable


# --- pagination -------------------------------------------------------------------------------


def test_list_is_paginated_and_survives_bad_page_numbers(client, admin_person, provider):
    PersonFactory.create_batch(55, organisations=[provider])
    client.force_login(admin_person)

    first = client.get(PEOPLE)
    second = client.get(PEOPLE, {"page": 2})
    garbage = client.get(PEOPLE, {"page": "abc"})
    beyond = client.get(PEOPLE, {"page": 999})

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 6
    assert garbage.context["page_obj"].number == 1
    assert beyond.context["page_obj"].number == 2
    assert "51–56 of 56" in second.content.decode()  # noqa: RUF001


def test_page_size_only_from_the_allowed_list(client, admin_person, provider):
    PersonFactory.create_batch(30, organisations=[provider])
    client.force_login(admin_person)

    assert len(client.get(PEOPLE, {"per_page": 25}).context["rows"]) == 25
    assert len(client.get(PEOPLE, {"per_page": 100000}).context["rows"]) == 31


# --- CSV export -------------------------------------------------------------------------------


def test_csv_export_has_the_columns_and_only_the_filtered_rows(
    client, admin_person, acme_people, customer_org
):
    client.force_login(admin_person)

    response = client.get(
        PEOPLE, {"format": "csv", "organisation": customer_org.pk, "sort": "-username"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    rows = csv_rows(response)
    assert rows[0] == ["Name", "Username", "Email", "Job title", "Organisation", "Active"]
    assert rows[1:] == [
        ["Zoe Adams", "zoe", "zoe@acme.example", "", "Acme Bank", "Yes"],
        ["Mia Moss", "mia", "mia@acme.example", "", "Acme Bank", "Yes"],
        ["Bob Young", "bob", "bob@acme.example", "", "Acme Bank", "Yes"],
    ]


def test_csv_export_is_not_paginated(client, admin_person, provider):
    PersonFactory.create_batch(60, organisations=[provider])
    client.force_login(admin_person)

    rows = csv_rows(client.get(PEOPLE, {"format": "csv", "page": 1}))

    assert len(rows) == 1 + 61


def test_csv_export_defuses_spreadsheet_formulas(client, admin_person, customer_org):
    PersonFactory(
        username="evil",
        first_name='=HYPERLINK("http://x")',
        last_name="",
        organisations=[customer_org],
    )
    client.force_login(admin_person)

    rows = csv_rows(client.get(PEOPLE, {"format": "csv", "q": "evil"}))

    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert csv_safe("+1 555") == "'+1 555"
    assert csv_safe("plain") == "plain"


def test_csv_export_is_refused_to_anonymous_and_roleless_people(client, no_role_person):
    anonymous = client.get(PEOPLE, {"format": "csv"})
    client.force_login(no_role_person)
    roleless = client.get(PEOPLE, {"format": "csv"})

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/?next=")
    assert roleless.status_code == 403
    assert "text/csv" not in roleless["Content-Type"]


def test_customer_csv_export_holds_only_their_organisation(
    client, requester, acme_people, other_customer_org
):
    PersonFactory(username="stranger", organisations=[other_customer_org])
    client.force_login(requester)

    rows = csv_rows(client.get(PEOPLE, {"format": "csv"}))

    assert sorted(r[1] for r in rows[1:]) == ["bob", "mia", "requester", "zoe"]


# --- htmx -------------------------------------------------------------------------------------


def test_htmx_request_gets_only_the_results_partial(client, admin_person, acme_people):
    client.force_login(admin_person)

    full = client.get(PEOPLE, {"q": "moss"})
    partial = client.get(PEOPLE, {"q": "moss"}, headers={"HX-Request": "true"})

    assert "<html" in full.content.decode()
    assert 'class="filters"' in full.content.decode()
    body = partial.content.decode()
    assert "<html" not in body and 'class="filters"' not in body
    assert "Mia Moss" in body and "Zoe Adams" not in body
    assert 'hx-swap-oob="true"' in body  # keeps the form's hidden sort in step
    assert "HX-Request" in partial["Vary"] and "HX-Request" in full["Vary"]


def test_htmx_history_restore_gets_the_full_page(client, admin_person):
    client.force_login(admin_person)

    response = client.get(
        PEOPLE, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()


def test_htmx_request_from_anonymous_redirects_the_whole_page(client):
    response = client.get(PEOPLE, headers={"HX-Request": "true"})

    assert response.status_code == 401
    assert response["HX-Redirect"] == "/login/?next=/people/"


# --- visibility and filters -------------------------------------------------------------------


def test_customer_sees_only_their_own_organisations_people(
    client, requester, acme_people, other_customer_org
):
    PersonFactory(
        username="stranger", first_name="Stan", last_name="Ger", organisations=[other_customer_org]
    )
    client.force_login(requester)

    everyone = client.get(PEOPLE)
    forced = client.get(PEOPLE, {"organisation": other_customer_org.pk})

    assert sorted(r["obj"].username for r in everyone.context["rows"]) == [
        "bob",
        "mia",
        "requester",
        "zoe",
    ]
    # Another organisation's id is not a valid choice: ignored, never a way in.
    assert "stranger" not in [r["obj"].username for r in forced.context["rows"]]
    assert "Globex" not in everyone.content.decode()


def test_customer_filter_form_offers_only_what_they_may_see(client, requester, other_customer_org):
    client.force_login(requester)

    form = client.get(PEOPLE).context["filter_form"]

    assert list(form.fields["organisation"].queryset) == [requester.memberships.get().organisation]
    assert "role" not in form.fields  # customers may not see who holds which role
    assert "group" not in form.fields


def test_filter_labels_read_well_and_offer_any(client, admin_person):
    client.force_login(admin_person)

    form = client.get(PEOPLE).context["filter_form"]

    assert form.fields["organisation"].label == "Organisation"
    assert form.fields["role"].label == "Role"
    assert next(iter(form.fields["role"].widget.choices)) == ("", "Any")
    assert form.fields["is_active"].label == "Active"
    assert form.fields["is_active"].widget.choices[0] == ("unknown", "Any")


def test_record_the_actor_may_not_see_is_404(client, requester, other_customer_org):
    stranger = PersonFactory(username="stranger", organisations=[other_customer_org])
    client.force_login(requester)

    assert client.get(reverse("core:person-detail", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("core:person-detail", args=[999999])).status_code == 404
    assert client.get(reverse("core:person-detail", args=[requester.pk])).status_code == 200


# --- query counts -----------------------------------------------------------------------------


def _count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url", ["core:person-list", "core:organisation-list", "core:group-list", "core:calendar-list"]
)
def test_list_pages_do_not_query_per_row(
    client, admin_person, provider, url, django_assert_max_num_queries
):
    def grow(n: int) -> None:
        for _ in range(n):
            org = OrganisationFactory()
            person = PersonFactory(organisations=[org, provider])
            group = SupportGroupFactory(organisation=org)
            add_member(group, person)
            BusinessCalendarFactory()

    client.force_login(admin_person)
    grow(3)
    few = _count_queries(client, reverse(url))
    grow(12)
    many = _count_queries(client, reverse(url))

    assert many == few
    with django_assert_max_num_queries(14):
        client.get(reverse(url))


def test_record_page_query_count_is_bounded(
    client, admin_person, customer_org, django_assert_max_num_queries
):
    people = [PersonFactory(organisations=[customer_org]) for _ in range(20)]
    client.force_login(admin_person)
    for person in people[:5]:
        JournalEntry.objects.create(
            record_type=ContentType.objects.get_for_model(customer_org),
            record_id=customer_org.pk,
            kind=JournalKind.SYSTEM,
            actor=person,
            body="x",
        )

    with django_assert_max_num_queries(20):
        response = client.get(customer_org.get_absolute_url())

    assert response.status_code == 200
    assert len(response.context["entries"]) == 5


# --- record page: notes -----------------------------------------------------------------------


def test_note_is_added_to_the_timeline(client, admin_person, customer_org):
    client.force_login(admin_person)
    url = customer_org.get_absolute_url()

    response = client.post(url, {"body": "Renewal <b>due</b> <script>alert(1)</script>"})

    assert response.status_code == 302
    assert response["Location"] == url + "#timeline"
    entry = JournalEntry.objects.get(kind=JournalKind.WORK_NOTE)
    assert entry.actor == admin_person
    assert entry.body == "Renewal <b>due</b> "
    page = client.get(url).content.decode()
    assert "Renewal <b>due</b>" in page and "<script>alert(1)" not in page


def test_note_by_htmx_returns_the_timeline_partial(client, admin_person, customer_org):
    client.force_login(admin_person)

    response = client.post(
        customer_org.get_absolute_url(), {"body": "Called them."}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="timeline-body"')
    assert "Called them." in body and "<html" not in body


def test_empty_note_shows_the_error_and_writes_nothing(client, admin_person, customer_org):
    client.force_login(admin_person)

    response = client.post(customer_org.get_absolute_url(), {"body": "   "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not JournalEntry.objects.filter(kind=JournalKind.WORK_NOTE).exists()


def test_note_is_refused_without_the_right_to_change_the_record(client, analyst, customer_org):
    client.force_login(analyst)  # may see organisations, may not change them

    page = client.get(customer_org.get_absolute_url())
    response = client.post(customer_org.get_absolute_url(), {"body": "Sneaky"})

    assert page.context["note_form"] is None
    assert response.status_code == 403
    assert not JournalEntry.objects.filter(kind=JournalKind.WORK_NOTE).exists()


def test_actions_shown_are_only_those_allowed(client, admin_person, analyst, customer_org):
    client.force_login(analyst)
    as_analyst = client.get(customer_org.get_absolute_url()).context["actions"]
    client.force_login(admin_person)
    as_admin = client.get(customer_org.get_absolute_url()).context["actions"]

    assert as_analyst == []
    assert [a.label for a in as_admin] == ["Edit"]


def test_column_reads_paths_callables_and_choice_labels(customer_org):
    person = make_person(
        "requester", organisation=customer_org, username="p1", first_name="Pat", last_name="Lee"
    )

    assert Column("name", "Name", value="display_name").display(person) == "Pat Lee"
    assert Column("kind", "Kind").display(customer_org) == "Customer"
    assert Column("kind", "Kind").raw(customer_org) == "customer"
    assert Column("n", "N", value=lambda p: p.username.upper()).display(person) == "P1"
    assert Column("x", "X", value="memberships.nothing").display(person) == ""
