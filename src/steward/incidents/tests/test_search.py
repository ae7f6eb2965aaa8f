"""Full-text search over requests and solutions, and the solutions suggested while a request
is registered (seed 003 ch. 8; IRP SG2: known workarounds selectable for the incident).

Runs on both databases; the PostgreSQL-only tests check the GIN indexes exist and answer
the searches (the query must use exactly the indexed expression)."""

from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from steward.configuration.models import CIClass, ConfigurationItem
from steward.core import numbering
from steward.core.tests.api import field_errors
from steward.incidents import search
from steward.incidents.models import IncidentRequest, Solution
from steward.incidents.registrations import search_solutions as global_search

pytestmark = pytest.mark.django_db


def incident(requester: Any, title: str, description: str = "", **fields: Any):
    record = IncidentRequest(
        title=title,
        description=description,
        requester=requester,
        customer=requester.memberships.first().organisation,
        **fields,
    )
    numbering.assign(record)
    record.save()
    return record


def solution(title: str, body: str = "Do this.", status: str = "active", **fields: Any):
    record = Solution(title=title, body=body, status=status, **fields)
    numbering.assign(record)
    record.save()
    return record


def numbers(records: list[Any]) -> list[str]:
    return [r.number for r in records]


@pytest.fixture
def server_class(db):
    return CIClass.objects.create(name="Server", code="server-x", category="hardware")


@pytest.fixture
def linux_class(server_class):
    return CIClass.objects.create(
        name="Linux server", code="linux-server-x", category="hardware", parent=server_class
    )


@pytest.fixture
def linux_box(linux_class):
    ci = ConfigurationItem(name="srv-01", ci_class=linux_class)
    numbering.assign(ci)
    ci.save()
    return ci


# --- Matching ----------------------------------------------------------------------------------


def test_every_word_must_appear_and_the_title_ranks_first(analyst):
    in_body = solution("Mail client issue", body="The printer queue stalls; restart the spooler.")
    in_title = solution("Printer queue stalls", body="Restart the spooler service.")
    solution("Printer offline", body="Check the cable.")  # "queue" missing
    found = search.search_solutions(actor=analyst, text="printer queue")
    assert numbers(found) == [in_title.number, in_body.number]


def test_empty_or_punctuation_only_text_finds_nothing(analyst):
    solution("Printer jammed")
    assert search.search_solutions(actor=analyst, text="") == []
    assert search.search_solutions(actor=analyst, text=" !? ") == []


def test_customer_people_find_only_active_solutions(analyst, requester):
    active = solution("Printer jammed", status="active")
    proposed = solution("Printer toner empty", status="proposed")
    assert numbers(search.search_solutions(actor=requester, text="printer")) == [active.number]
    assert set(numbers(search.search_solutions(actor=analyst, text="printer"))) == {
        active.number,
        proposed.number,
    }


# --- Who finds which requests -----------------------------------------------------------------

VISIBILITY = [
    # (who, finds: the requester's own, the colleague's (same organisation), Globex's)
    ("requester", True, False, False),
    ("colleague", False, True, False),
    ("representative", True, True, False),
    ("other_requester", False, False, True),
    ("analyst", True, True, True),
]


@pytest.mark.parametrize(("who", "own", "colleagues", "globex"), VISIBILITY)
def test_search_finds_only_requests_the_actor_may_see(
    cast, colleague, other_requester, requester, who, own, colleagues, globex
):
    people = {**cast, "colleague": colleague, "other_requester": other_requester}
    mine = incident(requester, "VPN drops every hour")
    theirs = incident(colleague, "VPN drops after login")
    globex_one = incident(other_requester, "VPN drops at night")
    found = set(numbers(search.search_incidents(actor=people[who], text="vpn drops")))
    expected = {
        r.number for r, seen in ((mine, own), (theirs, colleagues), (globex_one, globex)) if seen
    }
    assert found == expected


def test_a_requester_never_finds_anothers_request_by_its_words(requester, colleague):
    incident(colleague, "Salary slip wrong", "My salary slip shows the wrong bank account")
    assert search.search_incidents(actor=requester, text="salary slip") == []


def test_search_looks_in_the_description_too(analyst, requester):
    found = incident(requester, "Cannot work", "The docking station flickers")
    assert numbers(search.search_incidents(actor=analyst, text="docking station")) == [found.number]


# --- Suggestions while registering -------------------------------------------------------------


def test_suggestions_rank_by_how_much_of_the_text_they_match(analyst):
    both = solution("Outlook mailbox full", symptoms="Outlook warns the mailbox is full")
    one = solution("Mailbox moved", body="Reconnect the profile.")
    solution("Printer jammed")
    found = search.suggest_solutions(actor=analyst, text="outlook says my mailbox is full")
    assert numbers(found) == [both.number, one.number]


def test_same_service_is_boosted(analyst, service, other_service):
    other = solution("Password reset", service=other_service)
    same = solution("Password reset", service=service)
    found = search.suggest_solutions(actor=analyst, text="password reset", service=service)
    assert numbers(found) == [same.number, other.number]
    assert [s.same_service for s in found] == [1, 0]


def test_ci_class_of_the_affected_cis_is_boosted_parents_included(analyst, server_class, linux_box):
    generic = solution("Disk full")
    for_servers = solution("Disk full", ci_class=server_class)
    found = search.suggest_solutions(actor=analyst, text="disk full", cis=[linux_box])
    assert numbers(found) == [for_servers.number, generic.number]
    assert [s.same_ci_class for s in found] == [1, 0]


def test_text_outweighs_a_boost(analyst, service):
    exact = solution("VPN client crashes on start", body="Reinstall the VPN client.")
    boosted = solution("VPN slow", service=service)
    found = search.suggest_solutions(
        actor=analyst, text="vpn client crashes on start", service=service
    )
    assert numbers(found)[0] == exact.number
    assert boosted.number in numbers(found)


def test_only_active_solutions_are_suggested_and_workarounds_say_so(analyst):
    for status in ("proposed", "rejected", "retired"):
        solution("Printer jammed", status=status)
    workaround = solution("Printer jammed", is_workaround=True)
    found = search.suggest_solutions(actor=analyst, text="printer jammed")
    assert numbers(found) == [workaround.number]
    assert found[0].is_workaround is True


def test_without_words_the_services_solutions_are_suggested(analyst, service):
    used = solution("Quota", service=service, use_count=5)
    fresh = solution("Archive", service=service)
    solution("Unrelated")
    found = search.suggest_solutions(actor=analyst, text="", service=service)
    assert numbers(found) == [used.number, fresh.number]
    assert search.suggest_solutions(actor=analyst, text="") == []


def test_suggestions_api_and_partial(api, client, analyst, service, no_role_person):
    hit = solution("Printer jammed", is_workaround=True, service=service)
    response = api.as_(analyst).get(
        "/api/v1/solutions/suggest/", {"text": "the printer is jammed", "service": service.pk}
    )
    assert response.status_code == 200
    assert [(r["number"], r["is_workaround"], r["same_service"]) for r in response.json()] == [
        (hit.number, True, True)
    ]
    bad = api.as_(analyst).get("/api/v1/solutions/suggest/", {"service": 999999})
    assert bad.status_code == 400 and "service" in field_errors(bad)
    url = reverse("incidents:solution-suggest")
    client.force_login(analyst)
    page = client.get(url, {"text": "printer jammed"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    assert f'data-solution-id="{hit.pk}"'.encode() in page.content
    assert b"workaround" in page.content
    assert b"No known solution" in client.get(url, {"text": "zebra"}).content
    client.force_login(no_role_person)
    assert client.get(url, {"text": "printer"}).status_code == 403


def test_global_search_lists_solutions(analyst, requester):
    active = solution("Printer jammed")
    proposed = solution("Printer toner", status="proposed")
    assert {h.number for h in global_search(analyst, "printer")} == {
        active.number,
        proposed.number,
    }
    assert [h.number for h in global_search(requester, "printer")] == [active.number]


# --- PostgreSQL: the indexes answer the searches --------------------------------------------------


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres_only
def test_the_search_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'incidents_%%_fts'"
            " OR indexname LIKE 'incident_search_%%'"
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {
        "incidents_solution_fts",
        "incident_search_customer",
        "incident_search_staff",
    }
    assert all("USING gin (" in d and "to_tsvector('english'" in d for d in indexes.values())


@pytest.mark.postgres_only
def test_the_searches_use_the_indexes(requester, analyst):
    """Solutions here; requests in test_search_documents (one index per audience)."""
    rows = [
        IncidentRequest(
            number=f"INC9{i:06d}",
            title=f"Laptop {i} will not boot",
            description=f"Error code {i}",
            requester=requester,
        )
        for i in range(500)
    ]
    IncidentRequest.objects.bulk_create(rows)
    Solution.objects.bulk_create(
        Solution(number=f"SOL9{i:06d}", title=f"Fix {i}", body="Reboot", status="active")
        for i in range(300)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incidentrequest")
        cursor.execute("ANALYZE incidents_solution")

    qs = search.match_solutions(Solution.objects.all(), "fix 42")
    sql, params = qs.query.sql_with_params()
    assert "Bitmap Index Scan on incidents_solution_fts" in _plan(sql, params)
    suggest = search._any_word(Solution.objects.all(), ["reboot", "fix"])
    sql, params = suggest.query.sql_with_params()
    assert "Bitmap Index Scan on incidents_solution_fts" in _plan(sql, params)
    # And the answers are right: stemming finds "boot" in "booting".
    found = search.search_incidents(actor=analyst, text="laptop 42 booting")
    assert numbers(found)[0] == "INC9000042"
