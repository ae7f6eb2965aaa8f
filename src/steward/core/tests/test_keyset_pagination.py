"""Keyset pagination over several ordering fields: every row once, in order, whatever the
ties in the first field; a bad cursor is a 400 naming the cursor, not a 500."""

import base64
import datetime as dt
import json
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from steward.core.api_base import KeysetPagination
from steward.core.models import Notification
from steward.core.tests.factories import make_person

pytestmark = pytest.mark.django_db


class View:
    keyset_ordering = ("event", "created_at", "pk")


class Descending:
    keyset_ordering = ("-event", "-created_at", "-pk")


@pytest.fixture
def rows(db):
    person = make_person(username="reader")
    start = timezone.now() - dt.timedelta(days=1)
    made = []
    # Three "events" (like four priorities): many ties on the first field, some on two.
    for n in range(23):
        note = Notification.objects.create(recipient=person, event=f"e{n % 3}", title=str(n))
        Notification.objects.filter(pk=note.pk).update(
            created_at=start + dt.timedelta(minutes=n // 2)
        )
        made.append(note.pk)
    return Notification.objects.all()


def _walk(qs, view, size: int) -> list[int]:
    factory, seen, cursor = APIRequestFactory(), [], None
    for _ in range(50):
        params = {"page_size": size, **({"cursor": cursor} if cursor else {})}
        request = Request(factory.get("/api/v1/x/", params))
        paginator = KeysetPagination()
        seen += [row.pk for row in paginator.paginate_queryset(qs, request, view)]
        link = paginator.get_next_link()
        if link is None:
            return seen
        cursor = parse_qs(urlparse(link).query)["cursor"][0]
    raise AssertionError("did not end")


@pytest.mark.parametrize(("view", "order"), [(View, View.keyset_ordering),
                                              (Descending, Descending.keyset_ordering)])  # fmt: skip
@pytest.mark.parametrize("size", [1, 4, 7, 50])
def test_every_row_once_in_order(rows, view, order, size):
    expected = list(rows.order_by(*order).values_list("pk", flat=True))
    assert _walk(rows, view, size) == expected


def _b64(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


BAD_CURSORS = [
    "garbage",  # not base64 of JSON
    "W1sxXV0=",  # [[1]]: one field instead of three
    "WyJlMSIsICJub3QgYSBkYXRlIiwgMV0=",  # ["e1", "not a date", 1]
    _b64({"a": 1}),  # not a list
    _b64([{}, [], None]),  # wrong types (a dict where a date belongs)
    _b64(["e1", "2026-01-01T00:00:00+00:00", 2**64]),  # an id beyond 64 bits
    _b64(["e1", "2026-01-01T00:00:00+00:00", "abc"]),
    "WyJlMSIsICIyMDI2LTAxLTAxIiwgMWU0MDBd",  # ["e1", "2026-01-01", 1e400]: infinity
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_cursor_is_refused_naming_the_cursor(rows, cursor):
    request = Request(APIRequestFactory().get("/api/v1/x/", {"cursor": cursor}))
    with pytest.raises(ValidationError) as refused:
        KeysetPagination().paginate_queryset(rows, request, View)
    assert list(refused.value.detail) == ["cursor"]
