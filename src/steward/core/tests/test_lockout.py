"""Login lockout, tried the way an attacker would: guessing one password, spraying one
password over many accounts, rotating addresses; and the administrator lifting it."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from steward.core.choices import SecurityEventKind as Kind
from steward.core.models import SecurityEvent
from steward.core.tests.api import field_errors
from steward.core.tests.factories import PASSWORD, make_person

ATTACKER = "203.0.113.66"
ELSEWHERE = "198.51.100.23"


def sign_in(client: Client, username: str, password: str, url: str = "/login/"):
    return client.post(url, {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def guess(username: str, times: int, address: str = ATTACKER):
    client = Client(REMOTE_ADDR=address)
    return [sign_in(client, username, f"guess-{n}") for n in range(times)]


@pytest.fixture
def limits(settings):
    """Small limits for the rules that take many requests to reach."""
    settings.STEWARD_LOGIN_LIMITS = {"account_address": 5, "address": 8, "account": 7}
    return settings.STEWARD_LOGIN_LIMITS


def test_the_fifth_wrong_password_locks_and_then_the_right_one_is_refused(analyst):
    client = Client(REMOTE_ADDR=ATTACKER)

    answers = [sign_in(client, "analyst", f"guess-{n}") for n in range(5)]
    right = sign_in(client, "analyst", PASSWORD)

    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert b"Please enter a correct username and password" in answers[3].content
    assert not signed_in(client)
    assert right.status_code == 429
    # The login page again (not a bare error page), saying until when.
    page = right.content.decode()
    assert "Sign in to Steward" in page
    assert "Too many failed sign-ins. Signing in is blocked until" in page
    assert 14 * 60 < int(right["Retry-After"]) <= 15 * 60
    assert client.get("/").status_code == 302  # still sent to the login page


def test_below_the_limit_the_right_password_works_and_forgets_the_typos(analyst):
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(4):
        sign_in(client, "analyst", f"typo-{n}")

    assert sign_in(client, "analyst", PASSWORD).status_code == 302
    client.logout()
    # Four more typos: the four before the successful login no longer count.
    for n in range(4):
        assert sign_in(client, "analyst", f"typo-again-{n}").status_code == 200
    assert sign_in(client, "analyst", PASSWORD).status_code == 302
    client.logout()
    # Five in a row still lock.
    assert [sign_in(client, "analyst", f"x{n}").status_code for n in range(5)][-1] == 429


def test_the_owner_signs_in_from_their_own_address_while_an_attacker_is_locked(analyst):
    guess("analyst", 5)

    owner = Client(REMOTE_ADDR=ELSEWHERE)

    assert sign_in(owner, "analyst", PASSWORD).status_code == 302
    assert signed_in(owner)
    assert sign_in(Client(REMOTE_ADDR=ATTACKER), "analyst", PASSWORD).status_code == 429


def test_guesses_spread_over_many_addresses_lock_the_account_everywhere(analyst, limits):
    # 7 failures for one account, no more than 2 from any address.
    for n in range(4):
        guess("analyst", 2 if n < 3 else 1, address=f"192.0.2.{n + 1}")

    owner = Client(REMOTE_ADDR=ELSEWHERE)
    response = sign_in(owner, "analyst", PASSWORD)

    assert response.status_code == 429
    assert not signed_in(owner)


def test_password_spraying_from_one_address_locks_that_address(analyst, limits):
    # One guess each at 8 login names, real or not: no account reaches its own limit.
    names = ["analyst", *(f"user{n}" for n in range(7))]
    sprayer = Client(REMOTE_ADDR=ATTACKER)
    answers = [sign_in(sprayer, name, "Winter2026!") for name in names]

    assert [a.status_code for a in answers] == [200] * 7 + [429]
    # Every login from that address is now refused, the right password too...
    assert sign_in(sprayer, "analyst", PASSWORD).status_code == 429
    # ...while the same account from elsewhere is not.
    assert sign_in(Client(REMOTE_ADDR=ELSEWHERE), "analyst", PASSWORD).status_code == 302


def test_rotating_x_forwarded_for_does_not_escape_the_address_count(analyst, settings):
    settings.STEWARD_BEHIND_PROXY = False
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(5):
        client.post(
            "/login/",
            {"username": "analyst", "password": f"guess-{n}"},
            HTTP_X_FORWARDED_FOR=f"10.9.8.{n}",
        )

    response = sign_in(client, "analyst", PASSWORD)

    assert response.status_code == 429


def test_behind_a_declared_proxy_the_forwarded_client_is_counted(analyst, settings):
    settings.STEWARD_BEHIND_PROXY = True
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for n in range(5):
        proxy.post(
            "/login/", {"username": "analyst", "password": f"g{n}"}, HTTP_X_FORWARDED_FOR=ATTACKER
        )

    attacker = proxy.post(
        "/login/", {"username": "analyst", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=ATTACKER
    )
    owner = proxy.post(
        "/login/", {"username": "analyst", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=ELSEWHERE
    )

    assert attacker.status_code == 429
    assert owner.status_code == 302


def test_a_lockout_ends_by_itself_after_the_cool_off(analyst):
    start = timezone.now()
    with freeze_time(start):
        guess("analyst", 5)
    client = Client(REMOTE_ADDR=ATTACKER)

    with freeze_time(start + timedelta(minutes=14, seconds=50)):
        assert sign_in(client, "analyst", PASSWORD).status_code == 429
    with freeze_time(start + timedelta(minutes=15, seconds=1)):
        assert sign_in(client, "analyst", PASSWORD).status_code == 302


def test_the_cool_off_is_configurable(analyst, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=2)
    start = timezone.now()
    with freeze_time(start):
        guess("analyst", 5)

    with freeze_time(start + timedelta(minutes=1, seconds=50)):
        assert sign_in(Client(REMOTE_ADDR=ATTACKER), "analyst", PASSWORD).status_code == 429
    with freeze_time(start + timedelta(minutes=2, seconds=1)):
        assert sign_in(Client(REMOTE_ADDR=ATTACKER), "analyst", PASSWORD).status_code == 302


def test_the_django_admin_login_is_locked_too(db, provider):
    make_person("system_administrator", organisation=provider, username="root", is_staff=True)
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(5):
        sign_in(client, "root", f"guess-{n}", url="/admin/login/")

    response = sign_in(client, "root", PASSWORD, url="/admin/login/")

    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert client.get("/admin/").status_code == 302


def test_a_lockout_is_logged_once_and_refused_attempts_say_why(analyst):
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(5):
        sign_in(client, "analyst", f"guess-{n}")
    sign_in(client, "analyst", "guess-5")
    sign_in(client, "analyst", PASSWORD)

    events = list(SecurityEvent.objects.order_by("id"))
    assert [e.kind for e in events] == [Kind.LOGIN_FAILED] * 5 + [Kind.LOCKED_OUT] + [
        Kind.LOGIN_FAILED
    ] * 2
    locked = events[5]
    assert (locked.username, locked.ip_address) == ("analyst", ATTACKER)
    assert locked.data["rules"] == ["account_address"]
    assert "refused during a lockout" in events[6].detail.lower()
    assert "refused during a lockout" in events[7].detail.lower()
    assert events[4].detail == ""  # the fifth was a real wrong password


# --- Administrators see and lift lockouts --------------------------------------------------


def test_administrators_see_lockouts_and_unlock_from_the_page(admin_person, analyst, client):
    guess("analyst", 5)
    client.force_login(admin_person)

    page = client.get("/lockouts/")
    response = client.post(
        "/lockouts/release/", {"username": "analyst", "ip_address": ATTACKER}, follow=True
    )

    assert page.status_code == 200
    text = page.content.decode()
    assert "analyst" in text and ATTACKER in text and "Unlock" in text
    assert "Login name from this address" in text
    assert b"may sign in again (1 lockout)" in response.content
    assert b"No lockouts in force" in response.content
    assert sign_in(Client(REMOTE_ADDR=ATTACKER), "analyst", PASSWORD).status_code == 302
    event = SecurityEvent.objects.get(kind=Kind.UNLOCKED)
    assert event.actor == admin_person
    assert event.data["username"] == "analyst" and event.data["ip_address"] == ATTACKER


def test_an_address_lockout_is_lifted_by_its_address(admin_person, analyst, limits, client):
    for n in range(8):
        sign_in(Client(REMOTE_ADDR=ATTACKER), f"user{n}", "Winter2026!")
    client.force_login(admin_person)
    assert sign_in(Client(REMOTE_ADDR=ATTACKER), "analyst", PASSWORD).status_code == 429

    client.post("/lockouts/release/", {"ip_address": ATTACKER})

    assert sign_in(Client(REMOTE_ADDR=ATTACKER), "analyst", PASSWORD).status_code == 302


@pytest.mark.parametrize("who", ["analyst", "requester", "no_role_person"])
def test_people_other_than_administrators_may_neither_see_nor_lift(who, request, client):
    person = request.getfixturevalue(who)
    make_person("service_desk_analyst", username="victim")
    guess("victim", 5)
    client.force_login(person)

    assert client.get("/lockouts/").status_code == 403
    assert client.post("/lockouts/release/", {"username": "victim"}).status_code == 403
    assert sign_in(Client(REMOTE_ADDR=ATTACKER), "victim", PASSWORD).status_code == 429
    assert not SecurityEvent.objects.filter(kind=Kind.UNLOCKED).exists()


def test_the_navigation_offers_the_page_to_administrators_only(admin_person, analyst, client):
    client.force_login(admin_person)
    assert b'href="/lockouts/"' in client.get("/").content
    client.force_login(analyst)
    assert b'href="/lockouts/"' not in client.get("/").content


def test_api_lists_and_lifts_lockouts(api, admin_person, analyst):
    guess("analyst", 5)
    api.as_(admin_person)

    listed = api.get("/api/v1/lockouts/")
    released = api.post(
        "/api/v1/lockouts/release/", {"username": "analyst", "ip_address": ATTACKER}, format="json"
    )

    assert listed.status_code == 200
    (entry,) = listed.json()
    assert entry["username"] == "analyst"
    assert entry["ip_address"] == ATTACKER
    assert entry["rule"] == "account_address"
    assert entry["failures"] == 5
    assert entry["since"] < entry["until"]
    assert released.status_code == 200 and released.json() == {"lifted": 1}
    assert api.get("/api/v1/lockouts/").json() == []
    assert SecurityEvent.objects.filter(kind=Kind.UNLOCKED, actor=admin_person).count() == 1


@pytest.mark.parametrize("who", ["analyst", "requester"])
def test_api_refuses_lockouts_to_others(who, request, api):
    person = request.getfixturevalue(who)
    guess(who, 5)
    api.as_(person)

    assert api.get("/api/v1/lockouts/").status_code == 403
    response = api.post("/api/v1/lockouts/release/", {"username": who}, format="json")

    assert response.status_code == 403
    assert sign_in(Client(REMOTE_ADDR=ATTACKER), who, PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"ip_address": "not-an-address"}, "ip_address"),
        ({"username": "nobody-failed"}, "non_field_errors"),
    ],
)
def test_api_release_with_bad_input_is_a_400(api, admin_person, body, field):
    response = api.as_(admin_person).post("/api/v1/lockouts/release/", body, format="json")

    assert response.status_code == 400
    assert field in field_errors(response)


@pytest.mark.django_db
def test_steward_check_warns_when_login_lockout_is_off(settings):
    settings.AXES_ENABLED = False
    out = io.StringIO()
    call_command("stewardcheck", stdout=out)

    assert "steward.W020" in out.getvalue()
    assert "STEWARD_LOGIN_LOCKOUT" in out.getvalue()


def test_the_service_itself_refuses_non_administrators(analyst):
    # Pages and API check first; the service checks again, whoever calls it (CLI, tasks).
    from django.core.exceptions import PermissionDenied

    from steward.core.services.lockouts import lockout_release

    guess("analyst", 5)

    with pytest.raises(PermissionDenied):
        lockout_release(actor=analyst, username="analyst", ip_address=ATTACKER)
    assert sign_in(Client(REMOTE_ADDR=ATTACKER), "analyst", PASSWORD).status_code == 429
