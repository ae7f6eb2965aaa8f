"""Input no record can match is a 400 naming the parameter (API) or a message on the page,
never a 500: filters, ids in paths, pagination cursors and the pages' own query parameters.

The filter sets and URL patterns are enumerated, so a filter or page added later is
covered without anyone remembering to add it here.
"""

import base64
import json

import django_filters
import pytest
from django.urls import reverse

from steward.core.api_base import INVALID_CURSOR
from steward.core.choices import Role
from steward.core.ids import MAX_ID, parse_id
from steward.core.testing.urls import routes
from steward.core.tests.api import field_errors
from steward.core.tests.factories import make_person
from steward.core.views.patterns import RecordListView

BIG = "99999999999999999999"  # beyond 64 bits
# Beyond 64 bits, negative, not a number, a digit int() refuses, NUL, a number too long for
# int() to parse at all, a UTC offset PostgreSQL refuses, an instant before year 1 in UTC.
BAD_VALUES = [BIG, "-1", "abc", "²", "1\x00", "9" * 5000, "2026-01-01T00:00:00-23:59",
              "0001-01-01T00:00:00+01:00"]  # fmt: skip
ID_FILTERS = (
    django_filters.NumberFilter,
    django_filters.ModelChoiceFilter,
    django_filters.ModelMultipleChoiceFilter,
)


@pytest.fixture
def staff(db, provider):
    """Someone holding every provider-side role, so every page and filter is open."""
    roles = [r for r in Role.values if r not in ("requester", "customer_representative")]
    return make_person(*roles, organisation=provider, username="everyone")


def _api_lists() -> list[tuple[str, type]]:
    """(URL, filter set) of every API list operation that filters."""
    found = {}
    for name, entry, _ in routes():
        view = getattr(entry.callback, "cls", None)
        actions = getattr(entry.callback, "actions", None) or {}
        filterset = getattr(view, "filterset_class", None)
        if (
            filterset is not None
            and actions.get("get") == "list"
            and not entry.pattern.regex.groupindex
        ):
            found[reverse(name)] = filterset
    return sorted(found.items())


def _list_pages() -> list[tuple[str, type]]:
    """(URL, filter set) of every list page that filters."""
    found = {}
    for name, entry, _ in routes():
        view = getattr(entry.callback, "view_class", None)
        if (
            isinstance(view, type)
            and issubclass(view, RecordListView)
            and view.filterset_class is not None
            and not entry.pattern.regex.groupindex
        ):
            found[reverse(name)] = view.filterset_class
    return sorted(found.items())


API_LISTS = _api_lists()
LIST_PAGES = _list_pages()


def test_the_enumeration_finds_the_filtered_lists():
    api = dict(API_LISTS)
    assert {"/api/v1/incidents/", "/api/v1/role-assignments/", "/api/v1/contracts/",
            "/api/v1/relationships/", "/api/v1/attachments/"} <= set(api)  # fmt: skip
    assert {"/incidents/", "/people/"} <= {url for url, _ in LIST_PAGES}


# --- API filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "filterset"), API_LISTS, ids=[u for u, _ in API_LISTS])
def test_api_filters_refuse_what_no_record_can_match(api, admin_person, url, filterset):
    client = api.as_(admin_person)
    for name, field in filterset.base_filters.items():
        for value in BAD_VALUES:
            response = client.get(url, {name: value})

            assert response.status_code in (200, 400), (name, value, response.status_code)
            if response.status_code == 400:
                errors = field_errors(response)
                assert list(errors) == [name] and all(errors[name]), (name, value, errors)
        if isinstance(field, ID_FILTERS):
            # An id no record can have is refused, naming the filter.
            response = client.get(url, {name: BIG})
            assert response.status_code == 400, (name, response.status_code)
            assert list(field_errors(response)) == [name]


def test_an_id_filter_says_what_an_id_is(api, admin_person):
    response = api.as_(admin_person).get("/api/v1/incidents/", {"assignee": BIG})

    assert response.status_code == 400
    assert field_errors(response) == {
        "assignee": [f"Enter a record id: a whole number from 1 to {MAX_ID}."]
    }


def test_the_largest_id_is_still_a_valid_filter(api, admin_person):
    response = api.as_(admin_person).get("/api/v1/role-assignments/", {"person": str(MAX_ID)})

    assert response.status_code == 200
    assert response.json()["results"] == []


# --- List pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "filterset"), LIST_PAGES, ids=[u for u, _ in LIST_PAGES])
def test_list_pages_show_a_filter_error_instead_of_failing(client, staff, url, filterset):
    client.force_login(staff)
    shown = client.get(url).context["filterset"]
    # The filters the page offers (a page may leave out the API's id filters).
    offered = {name: shown.filters[name] for name in shown.form.fields}
    assert set(offered) <= set(filterset.base_filters)
    for name, field in offered.items():
        values = BAD_VALUES if isinstance(field, ID_FILTERS) else ["abc", "1\x00"]
        for value in values:
            response = client.get(url, {name: value})

            assert response.status_code == 200, (name, value, response.status_code)
            errors = response.context["filter_errors"]
            if isinstance(field, ID_FILTERS) or errors:
                assert errors and response.context["rows"] == [], (name, value)
                for error in errors:
                    assert error.split(": ", 1)[1] in response.content.decode(), error
                export = client.get(url, {name: value, "format": "csv"})
                assert export.status_code == 400, (name, value)
                assert export.content.decode().startswith("Correct the filters first.")


def test_an_invalid_filter_lists_nothing_rather_than_everything(client, admin_person):
    client.force_login(admin_person)

    unfiltered = client.get("/people/")
    refused = client.get("/people/", {"organisation": BIG})
    partial = client.get("/people/", {"organisation": BIG}, HTTP_HX_REQUEST="true")

    assert len(unfiltered.context["rows"]) == 1
    assert refused.status_code == 200 and refused.context["rows"] == []
    page = refused.content.decode()
    assert "These filters cannot be applied" in page and 'class="field-error"' in page
    # The htmx partial replaces only the results: the message must be in it too.
    assert (
        partial.status_code == 200 and "These filters cannot be applied" in partial.content.decode()
    )


@pytest.mark.parametrize("value", ["²", "9" * 5000, BIG])
def test_a_ci_attribute_value_that_only_looks_like_a_number(client, api, staff, value):
    # The attribute filter also compares the value as a number when it is one.
    query = {"attribute": "ram_gb", "value": value}
    client.force_login(staff)

    assert api.as_(staff).get("/api/v1/cis/", query).status_code == 200
    assert client.get("/cis/", query).status_code == 200


# --- Ids in paths ---------------------------------------------------------------------------


# Patterns whose parameters are not record ids: a password reset link's encoded person and
# one-time token (a wrong one shows "This link no longer works").
NOT_IDS = {"core:password-reset-confirm"}


def _id_urls() -> list[str]:
    """Every URL pattern with parameters, each filled with a number beyond 64 bits."""
    urls = set()
    for name, entry, _ in routes():
        params = list(entry.pattern.regex.groupindex)
        if not params or name.startswith("admin:") or name in NOT_IDS:
            continue
        try:
            urls.add(reverse(name, kwargs=dict.fromkeys(params, BIG)))
        except Exception:  # a parameter that is not a number (a role name, a file name)
            continue
    return sorted(urls)


ID_URLS = _id_urls()


def test_every_path_id_beyond_64_bits_is_not_found(client, staff):
    client.force_login(staff)
    assert len(ID_URLS) > 100  # pages and API
    for url in ID_URLS:
        response = client.get(url)
        assert response.status_code in (404, 405), (url, response.status_code)
        answer = client.post(url)
        assert answer.status_code in (400, 404, 405), (url, answer.status_code)


# --- Pagination cursors ---------------------------------------------------------------------


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


BAD_CURSORS = {
    # DRF's cursor (o=offset, r=reverse, p=position) over the pk
    "/api/v1/people/": ["garbage", _b64("o=0&p=abc"), _b64("o=x"), _b64("p=1.5"), "ä"],
    # Keyset cursor: a JSON list (priority, created_at, id)
    "/api/v1/incidents/": [
        "garbage",
        _b64(json.dumps(["x", "y"])),
        _b64(json.dumps([{}, [], None])),
        _b64(json.dumps(["1", "2026-01-01T00:00:00Z", 2**64])),
        _b64(json.dumps(["1", "0001-01-01T00:00:00+01:00", 1])),  # year 0 in UTC
        _b64('["1", "2026-01-01", 1e400]'),
        _b64("[" * 5000),
    ],
}


@pytest.mark.parametrize(
    ("url", "cursor"),
    [(url, c) for url, cursors in BAD_CURSORS.items() for c in cursors],
)
def test_a_cursor_the_api_did_not_give_out_is_a_400(api, admin_person, url, cursor):
    response = api.as_(admin_person).get(url, {"cursor": cursor})

    assert response.status_code == 400
    assert field_errors(response) == {"cursor": [INVALID_CURSOR]}


def test_a_keyset_cursor_with_any_utc_offset_is_read_in_utc(api, admin_person):
    # A valid instant; PostgreSQL refuses the offset itself (beyond ±15:59).
    cursor = _b64(json.dumps(["1", "2026-01-01T00:00:00-23:59", 1]))

    response = api.as_(admin_person).get("/api/v1/incidents/", {"cursor": cursor})

    assert response.status_code == 200


def test_a_cursor_the_api_gave_out_still_works(api, admin_person, analyst, requester):
    client = api.as_(admin_person)

    first = client.get("/api/v1/people/", {"page_size": 1})
    second = client.get(first.json()["next"])

    assert second.status_code == 200 and len(second.json()["results"]) == 1


# --- The pages' own query parameters --------------------------------------------------------

# Read by form pages and partials to preset or narrow what they show.
PAGE_PARAMS = ["catalog_item", "service", "copy_of", "from_incident", "ci", "group",
               "requester", "support_group", "supplier", "task", "with", "at", "check",
               "status", "page", "per_page", "sort", "show", "impact", "urgency"]  # fmt: skip


def _pages_without_parameters() -> list[str]:
    urls = set()
    for name, entry, route in routes():
        if entry.pattern.regex.groupindex or route.startswith(("api/", "admin/")):
            continue
        if name in {"logout", "login"}:
            continue
        urls.add(reverse(name))
    return sorted(urls)


PAGES = _pages_without_parameters()


@pytest.mark.parametrize("value", BAD_VALUES)
def test_pages_ignore_or_refuse_query_parameters_no_record_can_match(client, staff, value):
    client.force_login(staff)
    query = dict.fromkeys(PAGE_PARAMS, value)
    for url in PAGES:
        response = client.get(url, query)
        assert response.status_code < 500, (url, response.status_code)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (12, 12), (str(MAX_ID), MAX_ID), (BIG, None), ("0", None), ("-1", None),
     ("²", None), ("١٢", None), ("1.0", None), ("", None), (None, None), (True, None)],
)  # fmt: skip
def test_parse_id_accepts_only_ids_a_record_can_have(value, expected):
    assert parse_id(value) == expected
