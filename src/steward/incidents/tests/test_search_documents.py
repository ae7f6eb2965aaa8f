"""Full-text search everywhere requests are searched (issue 12): what a request is found by
(title, description, resolution, public replies, the solution used; work notes for staff
only), multi-word ranking, the exact number, and the same search through the queue page,
the API ``q`` and the global search, within what the person may see.

Runs on both databases; the PostgreSQL-only tests check the GIN indexes answer it."""

from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from steward.incidents import search
from steward.incidents.models import IncidentRequest, Solution
from steward.incidents.registrations import search_incidents as global_search
from steward.incidents.services import incidents as svc
from steward.incidents.services.solutions import solution_use

pytestmark = pytest.mark.django_db


def numbers(records: list[Any]) -> list[str]:
    return [r.number for r in records]


def api_numbers(api: Any, actor: Any, **params: Any) -> list[str]:
    response = api.as_(actor).get("/api/v1/incidents/", params)
    assert response.status_code == 200, response.content
    return [r["number"] for r in response.json()["results"]]


@pytest.fixture
def planted(make_incident, working_incident, specialist):
    """A request whose resolution, public reply and work note each hold their own words;
    the rest of it is about a mailbox."""
    svc.incident_add_reply(
        actor=specialist,
        incident_id=working_incident.pk,
        body="<p>Please restart the <b>zeppelin</b> gateway.</p>",
    )
    svc.incident_add_reply(
        actor=specialist,
        incident_id=working_incident.pk,
        body="Vendor ticket mentions quokka firmware.",
        public=False,
    )
    svc.incident_resolve(
        actor=specialist,
        incident_id=working_incident.pk,
        resolution="Replaced the marmalade controller.",
        resolution_code="solved",
    )
    make_incident(title="Printer jammed", description="Paper stuck.")  # a bystander
    return IncidentRequest.objects.get(pk=working_incident.pk)


def test_the_services_keep_the_documents(planted):
    assert "zeppelin" in planted.search_public and "<b>" not in planted.search_public
    assert "quokka" in planted.search_notes and "quokka" not in planted.search_public


# (who, words, found): words only in the resolution, a public reply, a work note.
AUDIENCES = [
    ("desk_analyst", "marmalade", True),
    ("desk_analyst", "zeppelin", True),
    ("desk_analyst", "quokka", True),
    ("requester", "marmalade", True),
    ("requester", "zeppelin", True),
    ("requester", "quokka", False),  # a work note never finds a request for a customer
    ("representative", "quokka", False),
    ("representative", "zeppelin gateway", True),
]


@pytest.mark.parametrize(("who", "text", "found"), AUDIENCES)
def test_what_finds_a_request_and_for_whom(
    planted, api, client, cast, desk_analyst, who, text, found
):
    actor = {**cast, "desk_analyst": desk_analyst}[who]
    expected = [planted.number] if found else []
    assert numbers(search.search_incidents(actor=actor, text=text)) == expected
    assert [h.number for h in global_search(actor, text)] == expected
    assert api_numbers(api, actor, q=text) == expected


def test_the_queue_pages_search_the_full_text(working_incident, make_incident, client, specialist):
    svc.incident_add_reply(
        actor=specialist, incident_id=working_incident.pk, body="Quokka firmware.", public=False
    )
    make_incident(title="Printer jammed", description="Paper stuck.")
    client.force_login(specialist)
    for name in ("incidents:incident-list", "incidents:incident-mine"):
        page = client.get(reverse(name), {"q": "quokka"})
        assert page.status_code == 200
        assert working_incident.number.encode() in page.content
        assert b"Printer jammed" not in page.content
        # A column sort still applies to the search result.
        assert client.get(reverse(name), {"q": "quokka", "sort": "-number"}).status_code == 200


def test_the_solution_used_is_searchable(working_incident, specialist, desk_analyst):
    solution = Solution(title="Flush the DNS cache", body="Run ipconfig flushdns.", status="active")
    from steward.core import numbering

    numbering.assign(solution)
    solution.save()
    solution_use(actor=specialist, solution_id=solution.pk, incident_id=working_incident.pk)
    found = search.search_incidents(actor=desk_analyst, text="ipconfig")
    assert numbers(found) == [working_incident.number]


def test_two_words_rank_the_request_holding_both_first(make_incident, desk_analyst, api):
    only_vpn = make_incident(title="VPN slow", description="Since Monday.")
    both = make_incident(title="Laptop battery", description="The VPN drops when on battery.")
    only_battery = make_incident(title="Battery swollen", description="Needs a new one.")
    make_incident(title="Printer jammed", description="Paper stuck.")
    found = numbers(search.search_incidents(actor=desk_analyst, text="vpn battery"))
    assert found[0] == both.number
    assert set(found) == {both.number, only_vpn.number, only_battery.number}
    assert api_numbers(api, desk_analyst, q="vpn battery")[0] == both.number


def test_title_words_rank_above_description_words(make_incident, desk_analyst):
    in_description = make_incident(title="Cannot work", description="The monitor flickers.")
    in_title = make_incident(title="Monitor flickers", description="Since Monday.")
    found = numbers(search.search_incidents(actor=desk_analyst, text="monitor"))
    assert found == [in_title.number, in_description.number]


def test_an_exact_number_comes_first_in_any_case(make_incident, desk_analyst, api):
    wanted = make_incident(title="Something else")
    make_incident(title=f"Duplicate of {wanted.number}")
    for text in (wanted.number, wanted.number.lower()):
        assert numbers(search.search_incidents(actor=desk_analyst, text=text))[0] == wanted.number
        assert api_numbers(api, desk_analyst, q=text)[0] == wanted.number


def test_search_respects_who_may_see_what(
    make_incident, requester, colleague, other_requester, representative, api
):
    own = make_incident(title="Wobbly chair", requester=requester)
    colleagues = make_incident(title="Wobbly desk", requester=colleague)
    make_incident(title="Wobbly table", requester=other_requester)
    assert api_numbers(api, requester, q="wobbly") == [own.number]
    assert set(api_numbers(api, representative, q="wobbly")) == {own.number, colleagues.number}


def test_api_search_pages_by_position(make_incident, desk_analyst, api):
    made = [make_incident(title=f"Keyboard sticky {i}") for i in range(5)]
    client = api.as_(desk_analyst)
    first = client.get("/api/v1/incidents/", {"q": "keyboard", "page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    pages = [first, second, third]
    seen = [r["number"] for page in pages for r in page["results"]]
    assert sorted(seen) == sorted(numbers(made)) and third["next"] is None
    bad = client.get("/api/v1/incidents/", {"q": "keyboard", "cursor": "nonsense"})
    assert bad.status_code == 400


def test_other_lists_match_every_word_not_a_phrase(api, desk_analyst, requester):
    response = api.as_(desk_analyst).get(
        "/api/v1/people/", {"q": f"{requester.last_name} {requester.first_name}"}
    )
    assert response.status_code == 200
    assert requester.username in [p["username"] for p in response.json()["results"]]


# --- PostgreSQL: the indexes answer the searches --------------------------------------------------


def _plan(qs: Any) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres_only
def test_the_document_indexes_answer_the_searches(requester):
    IncidentRequest.objects.bulk_create(
        IncidentRequest(
            number=f"INC9{i:06d}",
            title=f"Laptop {i} will not boot",
            description=f"Error code {i}",
            search_public=f"Reply {i}",
            search_notes=f"Note {i}",
            requester=requester,
        )
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incidentrequest")
    qs = IncidentRequest.objects.all()
    every = search.SearchQuery("laptop 42", config=search.CONFIG, search_type="websearch")
    for index, document in (
        ("incident_search_customer", search.customer_document()),
        ("incident_search_staff", search.staff_document()),
    ):
        rare = qs.alias(d=document).filter(d=every).order_by((search.F("pk") + 0).desc())
        assert f"Bitmap Index Scan on {index}" in _plan(rare.values("pk")[:500]), index
    found = search.match_incidents(qs, "laptop 42 booting", staff=True)
    assert numbers(found)[0] == "INC9000042"


def _portal_found(client: Any, **params: Any) -> str:
    page = client.get(reverse("incidents:portal-home"), params)
    assert page.status_code == 200
    html = page.content.decode()
    return html[html.index('id="found-heading"') :].split("</section>")[0]


def test_the_portal_searches_the_customer_document(planted, client, requester, other_requester):
    client.force_login(requester)
    assert planted.number in _portal_found(client, q="zeppelin")
    # Words only in a work note find nothing, and neither do another customer's words.
    assert planted.number not in _portal_found(client, q="quokka")
    client.force_login(other_requester)
    assert planted.number not in _portal_found(client, q="zeppelin")


def test_the_migration_fills_the_documents_from_the_journal(planted):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("steward.incidents.migrations.0004_search_documents")
    IncidentRequest.objects.update(search_public="", search_notes="")
    migration.backfill(apps, None)
    again = IncidentRequest.objects.get(pk=planted.pk)
    assert (again.search_public, again.search_notes) == (
        planted.search_public,
        planted.search_notes,
    )


@pytest.mark.postgres_only
def test_the_newest_matches_are_the_same_read_from_the_newest_part_or_the_whole(
    requester, monkeypatch
):
    """A common word read from the GIN index: looking only at the newest ids (a few
    hundred table pages instead of every match's) gives the same newest matches, and when
    that part holds too few the whole table is read."""
    IncidentRequest.objects.bulk_create(
        IncidentRequest(
            number=f"INC8{i:06d}",
            title="Printer jammed" if i % 20 == 0 else f"Laptop {i}",
            requester=requester,
        )
        for i in range(4000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incidentrequest")
    qs = IncidentRequest.objects.all()
    document = search.customer_document()
    printer = search.SearchQuery("printer", config=search.CONFIG, search_type="websearch")
    monkeypatch.setattr(search, "SCAN_COST_RATIO", 10**9)  # always the GIN index
    newest = list(
        qs.alias(d=document).filter(d=printer).order_by("-pk").values_list("pk", flat=True)[:10]
    )
    cutoff = search._newest_part(qs, 200, 10)
    assert cutoff is not None and cutoff > qs.order_by("pk").first().pk
    assert search._newest_matches(qs, document, printer, 4000, 10) == newest
    # An estimate far too high: the newest part holds fewer than ten, the whole is read.
    monkeypatch.setattr(search, "_newest_part", lambda *args: newest[2])
    assert search._newest_matches(qs, document, printer, 4000, 10) == newest
