"""Lost updates on incident requests (issue 10, item 4): two analysts edit the same request
from the same starting point; the second save no longer reverts the first."""

import re
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from steward.core.choices import JournalKind
from steward.core.errors import StaleVersion
from steward.core.models import JournalEntry
from steward.core.tests.factories import member_fixture
from steward.incidents.models import IncidentRequest
from steward.incidents.services import incidents as svc

dana = member_fixture(
    "dana", "desk_group", "service_desk_analyst", "dana", first_name="Dana", last_name="Desk"
)
alex = member_fixture(
    "alex", "desk_group", "service_desk_analyst", "alex", first_name="Alex", last_name="Agent"
)


def _form(html: str) -> dict[str, Any]:
    """The edit form's fields as the browser would send them (inputs, selects, textareas)."""
    form = html[html.rindex("<form", 0, html.index('name="lock_version"')) :]
    form = form[: form.index("</form>")]
    data: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("checkbox", "radio") and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data.setdefault(name.group(1), []).append(value.group(1) if value else "")
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.findall(r'<option[^>]*value="([^"]*)"[^>]*selected', body)
        data[name] = chosen
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = [body.lstrip("\n")]
    return data


def _conflicts(incident: IncidentRequest) -> list[JournalEntry]:
    return [
        e
        for e in JournalEntry.objects.filter(record_id=incident.pk, kind=JournalKind.CONFLICT)
        if e.record_type.model == "incidentrequest"
    ]


@pytest.mark.django_db
def test_second_analyst_saving_an_older_form_sees_dana_s_change_and_overwrites_nothing(
    make_incident, dana, alex
):
    incident = make_incident(impact="4", urgency="4")  # minor, low
    url = reverse("incidents:incident-edit", args=[incident.pk])
    dana_page, alex_page = Client(), Client()
    dana_page.force_login(dana)
    alex_page.force_login(alex)
    dana_form = _form(dana_page.get(url).content.decode())
    alex_form = _form(alex_page.get(url).content.decode())
    assert dana_form["lock_version"] == alex_form["lock_version"] == [str(incident.lock_version)]

    # Dana raises the urgency to critical: a higher priority.
    assert dana_page.post(url, {**dana_form, "urgency": "1"}).status_code == 302
    raised = IncidentRequest.objects.get(pk=incident.pk)
    assert raised.priority != incident.priority

    # Alex corrects the title from the form he opened before: it would put urgency back.
    answer = alex_page.post(url, {**alex_form, "title": "Mailbox locked"})

    assert answer.status_code == 409
    page = answer.content.decode()
    assert (f"Dana Desk changed priority from {incident.priority} to {raised.priority} at ") in page
    assert "Dana Desk changed urgency from 4 to 1 at " in page
    now = IncidentRequest.objects.get(pk=incident.pk)
    assert (now.title, now.urgency, now.priority) == (incident.title, "1", raised.priority)
    assert now.lock_version == raised.lock_version
    # His title is still in the form, with Dana's urgency, on top of her version: saving
    # again keeps both.
    again = _form(page)
    assert again["title"] == ["Mailbox locked"]
    assert again["urgency"] == ["1"]
    assert again["lock_version"] == [str(raised.lock_version)]
    assert alex_page.post(url, again).status_code == 302
    both = IncidentRequest.objects.get(pk=incident.pk)
    assert (both.title, both.urgency) == ("Mailbox locked", "1")


@pytest.mark.django_db
def test_both_attempts_are_journalled_the_refused_one_for_staff_only(
    api, make_incident, dana, alex, requester
):
    incident = make_incident()
    url = f"/api/v1/incidents/{incident.pk}/"
    etag = api.as_(alex).get(url)["ETag"]
    assert api.as_(dana).patch(url, {"urgency": "2"}, format="json").status_code == 200

    refused = api.as_(alex).patch(url, {"title": "Other"}, format="json", HTTP_IF_MATCH=etag)

    assert refused.status_code == 412
    body = refused.json()
    assert body["lock_version"] == IncidentRequest.objects.get(pk=incident.pk).lock_version
    changes = [{k: v for k, v in c.items() if k != "at"} for c in body["changes"]]
    assert {"field": "urgency", "old": "3", "new": "2", "by": "Dana Desk"} in changes
    # Staff see both: Dana's change and Alex's refused attempt.
    staff = api.as_(dana).get(f"{url}journal/").json()
    kinds = [(e["kind"], e.get("field")) for e in staff]
    assert ("field_change", "urgency") in kinds
    [conflict] = _conflicts(incident)
    assert conflict.actor == alex
    assert "title" in conflict.data["fields"]
    assert "conflict" in {e["kind"] for e in staff}
    # The requester sees neither, in the API or the portal.
    theirs = api.as_(requester).get(f"{url}journal/").json()
    assert "conflict" not in {e["kind"] for e in theirs}
    portal = Client()
    portal.force_login(requester)
    page = portal.get(reverse("incidents:portal-detail", args=[incident.pk])).content.decode()
    assert "Save refused" not in page and "older version" not in page


@pytest.mark.django_db
def test_if_match_on_a_step_a_stale_etag_leaves_the_request_as_it_is(
    api, assigned_incident, specialist, coordinator, other_requester
):
    url = f"/api/v1/incidents/{assigned_incident.pk}/"
    etag = api.as_(specialist).get(url)["ETag"]
    api.as_(coordinator).patch(url, {"description": "More detail"}, format="json")

    taken = api.as_(specialist).post(f"{url}take/", {}, format="json", HTTP_IF_MATCH=etag)

    assert taken.status_code == 412
    fresh = IncidentRequest.objects.get(pk=assigned_incident.pk)
    assert (fresh.status, fresh.assignee_id) == (assigned_incident.status, None)
    current = api.as_(specialist).get(url)["ETag"]
    done = api.as_(specialist).post(f"{url}take/", {}, format="json", HTTP_IF_MATCH=current)
    assert done.status_code == 200
    assert done["ETag"] != current
    # Someone who may not see the request learns nothing from If-Match: 404, not 412.
    hidden = api.as_(other_requester).patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH=etag)
    assert hidden.status_code == 404
    assert [e.actor for e in _conflicts(assigned_incident)] == [specialist]


# --- At the same moment (PostgreSQL: real row locks between connections) ----------------------


def _at_once(*calls: Any) -> list[Any]:
    """Run the calls in threads released together; each thread has its own connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Any) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_api_saves_at_once_from_the_same_version_exactly_one_wins(
    api, make_incident, dana, alex
):
    from rest_framework.test import APIClient

    incident = make_incident()
    url = f"/api/v1/incidents/{incident.pk}/"
    etag = api.as_(dana).get(url)["ETag"]

    def save(person: Any, title: str) -> Any:
        def call() -> Any:
            client = APIClient()
            client.force_authenticate(person)
            return client.patch(url, {"title": title}, format="json", HTTP_IF_MATCH=etag)

        return call

    answers = _at_once(save(dana, "Dana's title"), save(alex, "Alex's title"))

    assert sorted(a.status_code for a in answers) == [200, 412]
    winner = next(a for a in answers if a.status_code == 200)
    fresh = IncidentRequest.objects.get(pk=incident.pk)
    assert fresh.title == winner.json()["title"]
    assert fresh.lock_version == incident.lock_version + 1
    assert len(_conflicts(incident)) == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_service_saves_at_once_from_the_same_version_exactly_one_wins(
    make_incident, dana, alex
):
    incident = make_incident()
    start = incident.lock_version

    def save(person: Any, title: str) -> Any:
        return lambda: svc.incident_update(
            actor=person, incident_id=incident.pk, data={"title": title}, expected_version=start
        )

    results = _at_once(save(dana, "Dana's title"), save(alex, "Alex's title"))

    refused = [r for r in results if isinstance(r, StaleVersion)]
    saved = [r for r in results if isinstance(r, IncidentRequest)]
    assert (len(saved), len(refused)) == (1, 1), results
    fresh = IncidentRequest.objects.get(pk=incident.pk)
    assert (fresh.title, fresh.lock_version) == (saved[0].title, start + 1)


@pytest.mark.django_db
def test_an_action_edited_from_an_older_version_is_refused(
    working_incident, specialist, coordinator
):
    from steward.incidents.services import actions

    action = actions.action_add(
        actor=specialist, incident_id=working_incident.pk, title="Swap disk"
    )
    start = action.lock_version
    actions.action_update(
        actor=coordinator,
        action_id=action.pk,
        data={"title": "Swap both disks"},
        expected_version=start,
    )

    with pytest.raises(StaleVersion):
        actions.action_update(
            actor=specialist,
            action_id=action.pk,
            data={"title": "Order a disk"},
            expected_version=start,
        )

    action.refresh_from_db()
    assert (action.title, action.lock_version) == ("Swap both disks", start + 1)
