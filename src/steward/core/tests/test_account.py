"""Changing one's password and resetting a forgotten one (ASVS V6.2, V6.4)."""

import re

import pytest
from django.core import mail
from django.http import HttpRequest
from django.test import Client

from steward.core.choices import SecurityEventKind as Kind
from steward.core.models import JournalEntry, SecurityEvent
from steward.core.tests.factories import PASSWORD

NEW = "a quiet lighthouse keeps its lamp"


def signed_in(person) -> Client:
    client = Client()
    assert client.login(request=HttpRequest(), username=person.username, password=PASSWORD)
    return client


def change(client: Client, current: str, new: str, again: str | None = None):
    return client.post(
        "/me/password/",
        {"current_password": current, "new_password": new, "new_password_again": again or new},
    )


def test_a_requester_changes_their_password_and_stays_signed_in(requester):
    client = signed_in(requester)
    other_session = signed_in(requester)

    response = change(client, PASSWORD, NEW)

    assert response.status_code == 302 and response["Location"] == "/me/"
    requester.refresh_from_db()
    assert requester.check_password(NEW)
    assert client.get("/me/").status_code == 200
    # Another browser signed in with the old password is signed out.
    assert other_session.get("/me/").status_code == 302
    assert SecurityEvent.objects.filter(kind=Kind.PASSWORD_CHANGED, actor=requester).exists()
    assert JournalEntry.objects.filter(record_id=requester.pk, body__contains="password").exists()


@pytest.mark.parametrize(
    "current, new, again, field, message",
    [
        ("wrong", NEW, NEW, "current_password", "not your current password"),
        (PASSWORD, "short", "short", "new_password", "too short"),
        (PASSWORD, "password123", "password123", "new_password", "too common"),
        (PASSWORD, "Steward2026!", "Steward2026!", "new_password", "easy to guess here"),
        (PASSWORD, NEW, NEW + "x", "new_password_again", "differ"),
        (PASSWORD, PASSWORD, PASSWORD, "new_password", "must differ"),
    ],
)
def test_a_bad_password_change_is_refused_with_the_reason(
    analyst, current, new, again, field, message
):
    client = signed_in(analyst)

    response = change(client, current, new, again)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    analyst.refresh_from_db()
    assert analyst.check_password(PASSWORD)


def test_a_long_passphrase_with_the_product_name_inside_is_fine(analyst):
    client = signed_in(analyst)
    phrase = "steward is the name of the tool we use at work " * 2  # 96 characters

    response = change(client, PASSWORD, phrase)

    assert response.status_code == 302
    analyst.refresh_from_db()
    assert analyst.check_password(phrase)


def test_password_reset_link_works_once_and_is_built_on_site_url(settings, requester):
    settings.SITE_URL = "https://steward.example.com"
    requester.email = "ruben@example.com"
    requester.save()

    response = Client().post(
        "/password-reset/", {"email": "ruben@example.com"}, HTTP_HOST="127.0.0.1"
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https://steward\.example\.com(/password-reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    browser = Client()
    form_page = browser.get(link.group(1), follow=True)
    assert form_page.context["validlink"] is True
    done = browser.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}
    )
    assert done.status_code == 302
    requester.refresh_from_db()
    assert requester.check_password(NEW)
    # The same link a second time no longer works.
    again = Client().get(link.group(1), follow=True)
    assert again.context["validlink"] is False
    assert list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True)) == [
        Kind.PASSWORD_RESET_REQUESTED,
        Kind.PASSWORD_RESET,
    ]


def test_password_reset_answers_the_same_for_unknown_addresses(db):
    response = Client().post("/password-reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_password_reset_survives_a_broken_mail_server(settings, requester):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    requester.email = "ruben@example.com"
    requester.save()

    response = Client().post("/password-reset/", {"email": "ruben@example.com"})

    assert response.status_code == 302


def test_a_made_up_reset_link_says_it_no_longer_works(db):
    response = Client().get("/password-reset/99999999999999999999/x-y/", follow=True)

    assert response.status_code == 200
    assert response.context["validlink"] is False
