"""Presence (issue 13): who else (staff) has a record page open, kept in the database so
every gunicorn worker and node sees the same people, and forgotten after three polls."""

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from steward.core import queries
from steward.core.models import Presence
from steward.core.services.presence import presence_leave, presence_touch, presence_ttl
from steward.core.tests.factories import SupportGroupFactory, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(provider):
    return SupportGroupFactory(organisation=provider)  # any record will do


def names(actor, record) -> list[tuple[str, bool]]:
    return [(p.person.username, p.editing) for p in queries.presence_for(actor, record)]


def test_staff_see_the_others_on_the_record_editors_first(analyst, admin_person, provider, record):
    third = make_person("specialist", organisation=provider, username="third")
    presence_touch(actor=admin_person, record=record)
    presence_touch(actor=third, record=record, editing=True)
    presence_touch(actor=analyst, record=record)

    assert names(analyst, record) == [("third", True), (admin_person.username, False)]


def test_someone_is_forgotten_after_three_polls_without_news(
    settings, analyst, admin_person, record
):
    settings.STEWARD_LIVE_SECONDS = 15
    start = timezone.now()
    with freeze_time(start):
        presence_touch(actor=admin_person, record=record)
    with freeze_time(start + presence_ttl() - timedelta(seconds=1)):
        assert names(analyst, record) == [(admin_person.username, False)]
    with freeze_time(start + presence_ttl() + timedelta(seconds=1)):
        assert names(analyst, record) == []
        # The next poll of that person drops their expired rows.
        presence_touch(actor=admin_person, record=SupportGroupFactory())
        assert Presence.objects.filter(person=admin_person).count() == 1


def test_leaving_the_page_forgets_at_once(analyst, admin_person, record):
    presence_touch(actor=admin_person, record=record)
    presence_leave(actor=admin_person, record=record)

    assert names(analyst, record) == []


def test_customer_side_people_are_neither_shown_nor_shown_anyone(analyst, requester, record):
    presence_touch(actor=analyst, record=record)
    presence_touch(actor=requester, record=record)

    assert names(requester, record) == []
    assert not Presence.objects.filter(person=requester).exists()
