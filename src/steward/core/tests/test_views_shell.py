"""The shell: access to every page, sign-in, navigation, My work, search, profile, notifications."""

import re

import pytest
from django.urls import reverse

from steward.core import registry
from steward.core.api_auth import hash_key
from steward.core.models import ApiToken, Notification, WebhookDelivery, WebhookSubscription
from steward.core.registry import SearchHit, WorkSection
from steward.core.testing.urls import PUBLIC_PAGES, routes
from steward.core.tests.factories import (
    PASSWORD,
    PersonFactory,
    SupportGroupFactory,
    add_member,
    make_person,
)

pytestmark = pytest.mark.django_db


# --- Every page: anonymous to the login page, no role 403 -------------------------------------


def _page_urls() -> list[tuple[str, str]]:
    """(name, url) of every page outside the API and Django's admin, with 1 for each argument."""
    found = {
        (name, reverse(name, kwargs={key: 1 for key in pattern.pattern.converters}))
        for name, pattern, route in routes()
        if name not in PUBLIC_PAGES and not route.startswith(("api/", "admin/"))
    }
    return sorted(found)


PAGE_URLS = _page_urls()


def test_the_walk_finds_the_core_pages():
    names = {name for name, _ in PAGE_URLS}
    assert {
        "core:my-work",
        "core:search",
        "core:person-list",
        "core:webhook-detail",
        "core:me",
    } <= names


@pytest.mark.parametrize(("name", "url"), PAGE_URLS, ids=[n for n, _ in PAGE_URLS])
def test_anonymous_is_sent_to_sign_in(client, name, url):
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302, name
        assert response["Location"] == f"/login/?next={url}", name


@pytest.mark.parametrize(("name", "url"), PAGE_URLS, ids=[n for n, _ in PAGE_URLS])
def test_person_without_a_role_is_refused(client, no_role_person, name, url):
    client.force_login(no_role_person)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 403, name


def test_refusal_page_explains_why(client, no_role_person):
    client.force_login(no_role_person)

    response = client.get("/")

    assert response.status_code == 403
    assert "none of your roles allows this" in response.content.decode()


def test_unknown_page_is_a_friendly_404(client, analyst):
    client.force_login(analyst)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()


# --- Sign in and out --------------------------------------------------------------------------


def test_sign_in_lands_on_my_work(client, analyst):
    page = client.get("/login/")
    response = client.post("/login/", {"username": "analyst", "password": PASSWORD})

    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_sign_in_follows_next(client, analyst):
    response = client.post(
        "/login/?next=/people/", {"username": "analyst", "password": PASSWORD, "next": "/people/"}
    )

    assert response["Location"] == "/people/"


def test_wrong_password_is_refused(client, analyst):
    response = client.post("/login/", {"username": "analyst", "password": "wrong"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_a_post_and_ends_the_session(client, analyst):
    client.force_login(analyst)

    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")

    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_signed_in_person_visiting_login_goes_to_my_work(client, analyst):
    client.force_login(analyst)

    assert client.get("/login/")["Location"] == "/"


# --- Navigation -------------------------------------------------------------------------------


def _nav(response) -> dict[str, list[str]]:
    return {area: [i["label"] for i in items] for area, items in response.context["nav_areas"]}


def test_navigation_is_grouped_by_area_and_shows_what_the_role_allows(
    client, admin_person, analyst, requester
):
    client.force_login(admin_person)
    as_admin = _nav(client.get("/"))
    client.force_login(analyst)
    as_analyst = _nav(client.get("/"))
    client.force_login(requester)
    as_requester = _nav(client.get("/", follow=True))  # customer-side people land on their home

    core_areas = ("Directory", "Administration")
    # Areas appear in the fixed AREA_ORDER; other apps add their own areas around these.
    assert [a for a in as_admin if a in core_areas] == ["Directory", "Administration"]
    assert as_admin["Directory"] == ["People", "Organisations", "Support groups"]
    # Core's own first; areas add theirs after (incidents: routing rules, categories, matrix).
    assert as_admin["Administration"][:3] == ["Business calendars", "Webhooks", "Login lockouts"]
    assert as_analyst["Administration"] == ["Business calendars"]
    assert {a: v for a, v in as_requester.items() if a in core_areas} == {
        "Directory": ["People", "Organisations"]
    }
    assert "Administration" not in as_requester
    # Their home is the portal: the staff "My work" link is not offered to them.
    client.force_login(requester)
    assert "nav-home" not in client.get("/portal/").content.decode()
    client.force_login(analyst)
    assert "nav-home" in client.get("/").content.decode()


def test_current_page_is_marked_in_the_navigation(client, analyst):
    client.force_login(analyst)

    body = client.get("/people/").content.decode()

    assert re.search(r'class="nav-link active" href="/people/" aria-current="page"', body)


# --- My work ----------------------------------------------------------------------------------


def test_my_work_shows_me_my_groups_and_unread_notifications(client, analyst, provider):
    desk = SupportGroupFactory(name="Service Desk", organisation=provider)
    colleague = make_person(
        "specialist", organisation=provider, username="col", first_name="Alan", last_name="Turing"
    )
    add_member(desk, analyst)
    add_member(desk, colleague)
    SupportGroupFactory(name="Network", organisation=provider)  # not mine
    Notification.objects.create(
        recipient=analyst, event="x", title="INC000001 assigned to you", url="/people/"
    )
    Notification.objects.create(
        recipient=analyst, event="x", title="Old news", read_at="2025-01-01T00:00Z"
    )
    Notification.objects.create(recipient=colleague, event="x", title="Not for you")
    client.force_login(analyst)

    response = client.get("/")

    body = response.content.decode()
    assert "<h1>My work</h1>" in body
    assert analyst.display_name in body
    assert [g.name for g in response.context["groups"]] == ["Service Desk"]
    assert "Alan Turing" in body and "Network" not in body
    assert [n.title for n in response.context["unread"]] == ["INC000001 assigned to you"]
    assert "Old news" not in body and "Not for you" not in body
    # Areas fill "My work": an analyst with nothing assigned is told so by each section.
    assert "No open incident request is assigned to you." in body


def test_my_work_shows_sections_from_work_providers(client, analyst, monkeypatch):
    class Row:
        def __init__(self, number, status):
            self.number, self.status, self.title = number, status, f"Printer {number}"

        def get_absolute_url(self):
            return f"/records/{self.number}/"

    def provider(actor):
        return [
            WorkSection(
                title=f"Assigned to {actor.username}",
                rows=[
                    Row("INC000007", "in_progress"),
                    {"number": "INC000008", "status": "new", "url": "/r/8/"},
                ],
                columns=["number", "title", "status"],
                list_url="/people/",
            ),
            WorkSection(title="Waiting for approval", empty_text="No approvals waiting."),
        ]

    monkeypatch.setattr(registry, "WORK_PROVIDERS", [provider])
    client.force_login(analyst)

    body = client.get("/").content.decode()

    assert "Assigned to analyst" in body
    assert '<a href="/records/INC000007/">INC000007</a>' in body
    assert '<a href="/r/8/">INC000008</a>' in body
    assert "Printer INC000007" in body
    assert '<span class="badge badge-amber">in_progress</span>' in body
    assert '<span class="badge badge-blue">new</span>' in body
    assert "No approvals waiting." in body
    assert "Nothing assigned to you" not in body


# --- Search -----------------------------------------------------------------------------------


def test_search_finds_people_organisations_and_groups_grouped(
    client, analyst, provider, customer_org
):
    PersonFactory(
        username="ada", first_name="Ada", last_name="Lovelace", organisations=[customer_org]
    )
    SupportGroupFactory(name="Lovelace Lab", organisation=provider)
    client.force_login(analyst)

    response = client.get("/search/", {"q": "lovelace"})

    groups = dict(response.context["groups"])
    assert [h.title for h in groups["People"]] == ["Ada Lovelace"]
    assert [h.title for h in groups["Support groups"]] == ["Lovelace Lab"]
    assert "Organisations" not in groups


def test_search_shows_only_what_the_actor_may_see(
    client, requester, other_customer_org, customer_org
):
    PersonFactory(
        username="ada", first_name="Ada", last_name="Lovelace", organisations=[other_customer_org]
    )
    PersonFactory(
        username="ann", first_name="Ann", last_name="Lovelace", organisations=[customer_org]
    )
    client.force_login(requester)

    response = client.get("/search/", {"q": "lovelace"})

    assert [h.title for h in dict(response.context["groups"])["People"]] == ["Ann Lovelace"]
    assert "Ada" not in response.content.decode()


def test_search_with_an_exact_record_number_opens_the_record(client, analyst, monkeypatch):
    def provider(actor, text):
        hits = [SearchHit("Incidents", "INC000123", "Printer on fire", "/incidents/123/")]
        hits.append(SearchHit("Incidents", "INC0001234", "Other", "/incidents/1234/"))
        return [h for h in hits if text.upper() in h.number]

    monkeypatch.setattr(registry, "SEARCH_PROVIDERS", [provider])
    client.force_login(analyst)

    exact = client.get("/search/", {"q": " inc000123 "})
    partial = client.get("/search/", {"q": "INC00012"})

    assert exact.status_code == 302
    assert exact["Location"] == "/incidents/123/"
    assert partial.status_code == 200
    assert partial.context["hit_count"] == 2


def test_search_survives_a_broken_provider(client, analyst, monkeypatch, customer_org):
    def broken(actor, text):
        raise RuntimeError("area bug")

    PersonFactory(
        username="ada", first_name="Ada", last_name="Lovelace", organisations=[customer_org]
    )
    monkeypatch.setattr(registry, "SEARCH_PROVIDERS", [broken, *registry.SEARCH_PROVIDERS])
    client.force_login(analyst)

    response = client.get("/search/", {"q": "ada"})

    assert response.status_code == 200
    assert "Ada Lovelace" in response.content.decode()


def test_empty_search_explains_itself(client, analyst):
    client.force_login(analyst)

    response = client.get("/search/", {"q": "  "})

    assert response.status_code == 200
    assert "Type a record number" in response.content.decode()


# --- Profile and API tokens -------------------------------------------------------------------


def test_profile_lists_my_roles_and_tokens(client, analyst):
    ApiToken.objects.create(
        person=analyst, name="monitoring", prefix="stw_abcdefgh", key_hash="x" * 64
    )
    client.force_login(analyst)

    body = client.get("/me/").content.decode()

    assert "Service desk analyst" in body
    assert "monitoring" in body and "stw_abcdefgh…" in body
    assert "x" * 64 not in body


def test_token_is_created_and_its_key_shown_once(client, analyst):
    client.force_login(analyst)

    response = client.post("/me/tokens/", {"name": "backup script"})

    token = ApiToken.objects.get(person=analyst)
    key = response.context["new_key"]
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert token.name == "backup script"
    assert token.key_hash == hash_key(key)
    assert key in response.content.decode()
    assert key not in client.get("/me/").content.decode()


def test_token_form_errors_show_next_to_the_field(client, analyst):
    client.force_login(analyst)

    response = client.post("/me/tokens/", {"name": "x", "expires_on": "2000-01-01"})

    assert response.status_code == 400
    assert "The expiry must be in the future." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_is_revoked_by_its_owner_only(client, analyst, admin_person):
    mine = ApiToken.objects.create(person=analyst, name="mine", prefix="stw_1", key_hash="a" * 64)
    theirs = ApiToken.objects.create(
        person=admin_person, name="theirs", prefix="stw_2", key_hash="b" * 64
    )
    client.force_login(analyst)

    ok = client.post(f"/me/tokens/{mine.pk}/revoke/")
    refused = client.post(f"/me/tokens/{theirs.pk}/revoke/")

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert ok.status_code == 302 and mine.revoked_at is not None
    assert refused.status_code == 404 and theirs.revoked_at is None


def test_requester_creates_an_api_token_on_the_profile_page(client, requester):
    client.force_login(requester)

    page = client.get("/me/")
    response = client.post("/me/tokens/", {"name": "my script"})

    assert "Your roles do not include API access." not in page.content.decode()
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.person == requester and token.name == "my script"
    assert token.prefix in response.content.decode()


# --- Notifications ----------------------------------------------------------------------------


def test_notifications_page_lists_mine_and_marks_all_read(client, analyst, admin_person):
    Notification.objects.create(recipient=analyst, event="incident.assigned", title="One")
    Notification.objects.create(recipient=analyst, event="incident.assigned", title="Two")
    other = Notification.objects.create(recipient=admin_person, event="x", title="Someone else's")
    client.force_login(analyst)

    listed = client.get("/notifications/")
    unread_only = client.get("/notifications/", {"unread": "1"})
    marked = client.post("/notifications/read/")

    assert sorted(r["obj"].title for r in listed.context["rows"]) == ["One", "Two"]
    assert len(unread_only.context["rows"]) == 2
    assert marked.status_code == 302
    assert not Notification.objects.filter(recipient=analyst, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    assert client.get("/notifications/", {"unread": "1"}).context["rows"] == []


def test_opening_a_notification_marks_it_read_and_follows_it(client, analyst, admin_person):
    mine = Notification.objects.create(recipient=analyst, event="x", title="Go", url="/people/")
    offsite = Notification.objects.create(
        recipient=analyst, event="x", title="Off", url="https://evil.example/"
    )
    theirs = Notification.objects.create(
        recipient=admin_person, event="x", title="No", url="/people/"
    )
    client.force_login(analyst)

    followed = client.get(f"/notifications/{mine.pk}/open/")
    not_offsite = client.get(f"/notifications/{offsite.pk}/open/")
    refused = client.get(f"/notifications/{theirs.pk}/open/")

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert followed["Location"] == "/people/" and mine.read_at is not None
    assert not_offsite["Location"] == "/notifications/"
    assert refused.status_code == 404 and theirs.read_at is None


# --- Webhooks ---------------------------------------------------------------------------------


@pytest.fixture
def subscription(db):
    return WebhookSubscription.objects.create(
        name="Monitoring",
        url="https://hooks.example/steward",
        secret="s" * 32,
        record_type="core.person",
    )


def test_webhooks_are_for_system_administrators_only(client, analyst, subscription):
    client.force_login(analyst)

    assert client.get("/webhooks/").status_code == 403
    assert client.get(f"/webhooks/{subscription.pk}/").status_code == 403
    assert client.post(f"/webhooks/{subscription.pk}/deactivate/").status_code == 403
    subscription.refresh_from_db()
    assert subscription.is_active


def test_webhook_list_and_detail_with_delivery_log(client, admin_person, subscription):
    WebhookDelivery.objects.create(
        subscription=subscription,
        event="person.created",
        record_type="core.person",
        record_id=1,
        payload={},
        status="failed",
        attempts=6,
        last_status_code=500,
        last_error="Server error",
    )
    client.force_login(admin_person)

    listed = client.get("/webhooks/")
    detail = client.get(f"/webhooks/{subscription.pk}/")

    assert [r["obj"].name for r in listed.context["rows"]] == ["Monitoring"]
    body = detail.content.decode()
    assert "person.created" in body and "Server error" in body and "Send again" in body
    assert "s" * 32 not in body  # the secret is never shown again


def test_webhook_create_shows_the_secret_once(client, admin_person):
    client.force_login(admin_person)

    response = client.post(
        "/webhooks/new/",
        {
            "name": "CMDB sync",
            "url": "https://cmdb.example/in",
            "record_type": "",
            "events_text": "core.organisation.contacts_changed, core.sla_clock.breached",
            "is_active": "on",
        },
    )

    created = WebhookSubscription.objects.get(name="CMDB sync")
    assert response.status_code == 200
    assert created.secret in response.content.decode()
    assert created.events == ["core.organisation.contacts_changed", "core.sla_clock.breached"]
    assert created.secret not in client.get(f"/webhooks/{created.pk}/").content.decode()


def test_webhook_create_errors_show_next_to_fields(client, admin_person):
    client.force_login(admin_person)

    response = client.post(
        "/webhooks/new/", {"name": "Bad", "url": "ftp://x.example/", "secret": "short"}
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "url" in errors
    assert not WebhookSubscription.objects.exists()


def test_webhook_edit_keeps_the_secret_when_left_empty(client, admin_person, subscription):
    client.force_login(admin_person)

    response = client.post(
        f"/webhooks/{subscription.pk}/edit/",
        {
            "name": "Monitoring 2",
            "url": subscription.url,
            "record_type": "",
            "events_text": "",
            "is_active": "on",
        },
    )

    subscription.refresh_from_db()
    assert response.status_code == 302
    assert subscription.name == "Monitoring 2"
    assert subscription.secret == "s" * 32


def test_webhook_deactivate(client, admin_person, subscription):
    client.force_login(admin_person)

    response = client.post(f"/webhooks/{subscription.pk}/deactivate/")

    subscription.refresh_from_db()
    assert response.status_code == 302
    assert not subscription.is_active
