"""The security audit log: what an administrator can reconstruct after an attack."""

import pytest
from django.test import Client

from steward.core.api_auth import token_create, token_revoke
from steward.core.choices import SecurityEventKind as Kind
from steward.core.models import SecurityEvent
from steward.core.tests.factories import PASSWORD


def kinds() -> list[str]:
    return list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))


def test_failed_and_successful_logins_are_recorded_with_name_and_address(analyst):
    client = Client(REMOTE_ADDR="203.0.113.9")

    client.post("/login/", {"username": "analyst", "password": "wrong"})
    client.post("/login/", {"username": "nobody-here", "password": "x"})
    client.post("/login/", {"username": "analyst", "password": PASSWORD})

    events = list(SecurityEvent.objects.order_by("id"))
    assert [e.kind for e in events] == [Kind.LOGIN_FAILED, Kind.LOGIN_FAILED, Kind.LOGIN_SUCCEEDED]
    assert [e.username for e in events] == ["analyst", "nobody-here", "analyst"]
    assert {e.ip_address for e in events} == {"203.0.113.9"}
    assert events[2].actor == analyst
    # The password tried is never stored.
    assert not SecurityEvent.objects.filter(detail__contains="wrong").exists()
    assert all("wrong" not in str(e.data) for e in events)


def test_api_permission_denial_is_recorded_although_the_service_rolled_back(api, requester):
    # A requester may not create people: the service refuses inside its transaction.
    response = api.as_(requester).post(
        "/api/v1/people/", {"username": "x", "display_name": "X"}, format="json"
    )

    assert response.status_code == 403
    event = SecurityEvent.objects.get(kind=Kind.PERMISSION_DENIED)
    assert event.actor == requester
    assert event.path == "/api/v1/people/"


def test_page_permission_denial_is_recorded(client, no_role_person):
    client.force_login(no_role_person)

    response = client.get("/")

    assert response.status_code == 403
    assert SecurityEvent.objects.filter(kind=Kind.PERMISSION_DENIED, actor=no_role_person).exists()


def test_a_refused_api_token_is_recorded(db):
    client = Client(REMOTE_ADDR="198.51.100.7")

    response = client.get("/api/v1/tokens/", HTTP_AUTHORIZATION="Token stw_not-a-real-key")

    assert response.status_code == 401
    event = SecurityEvent.objects.get(kind=Kind.TOKEN_REJECTED)
    assert event.ip_address == "198.51.100.7"
    assert "stw_not-a-real-key" not in event.detail


def test_token_creation_and_revocation_are_recorded_without_the_key(analyst):
    token, key = token_create(actor=analyst, name="nagios")
    token_revoke(actor=analyst, token_id=token.pk)

    assert kinds() == [Kind.TOKEN_CREATED, Kind.TOKEN_REVOKED]
    assert all(key not in e.detail for e in SecurityEvent.objects.all())
    assert SecurityEvent.objects.filter(actor=analyst, data__token=token.pk).count() == 2


def test_a_csrf_failure_is_recorded(analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)

    response = client.post("/logout/")

    assert response.status_code == 403
    assert SecurityEvent.objects.filter(kind=Kind.CSRF_FAILED, actor=analyst).exists()


@pytest.mark.parametrize("behind_proxy, expected", [(False, "10.0.0.2"), (True, "192.0.2.44")])
def test_forwarded_address_is_trusted_only_behind_a_declared_proxy(
    db, settings, behind_proxy, expected
):
    settings.STEWARD_BEHIND_PROXY = behind_proxy
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.44, 10.0.0.1")

    client.post("/login/", {"username": "ghost", "password": "x"})

    assert SecurityEvent.objects.get().ip_address == expected


def test_a_forged_newline_cannot_add_a_line_to_the_security_log(db, caplog):
    Client().post("/login/", {"username": "eve\nINFO login_succeeded user=admin", "password": "x"})

    lines = [r.getMessage() for r in caplog.records if r.name == "steward.security"]
    assert len(lines) == 1
    assert "\n" not in lines[0] and "eve\\x0aINFO" in lines[0]


def test_service_data_is_not_kept_in_browser_caches(client, analyst, api):
    client.force_login(analyst)

    page = client.get("/me/")
    api_answer = api.as_(analyst).get("/api/v1/tokens/")
    schema = Client().get("/api/schema/")

    assert page["Cache-Control"] == "no-store, private"
    assert api_answer["Cache-Control"] == "no-store, private"
    assert "no-store" not in schema.get("Cache-Control", "")


def test_signing_out_tells_the_browser_to_forget_the_pages(client, analyst):
    client.force_login(analyst)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/me/").status_code == 302  # signed out


def test_log_lines_carry_utc_timestamps():
    import logging
    import re

    from steward.core.logs import UTCFormatter

    record = logging.LogRecord("steward.security", logging.WARNING, "", 0, "x", None, None)
    record.created, record.msecs = 0.25, 250.0  # 1970-01-01T00:00:00.250 UTC, any zone

    line = UTCFormatter("%(asctime)s %(message)s").format(record)

    assert line == "1970-01-01T00:00:00.250Z x"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ", line)


def test_check_warns_when_the_demo_people_are_present(db):
    from django.core import checks

    from steward.core.checks import steward_demo_people_check
    from steward.core.tests.factories import PersonFactory

    assert steward_demo_people_check() == []
    PersonFactory(username="dana.desk")

    (warning,) = steward_demo_people_check()
    assert warning.id == "steward.W030" and warning.level == checks.WARNING
    assert "dana.desk" in warning.msg
