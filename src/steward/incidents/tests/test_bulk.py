"""Bulk work on the queues and merging duplicates (issue 13): each request goes through
its own service, a stale or refused request is named and the others are done, merging
cancels the duplicate as a duplicate and links both ways."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from steward.core.choices import JournalKind
from steward.core.models import Notification
from steward.core.testing.journal import journal_of
from steward.incidents.models import IncidentRequest
from steward.incidents.queries.links import linked_incidents
from steward.incidents.services import bulk, links
from steward.incidents.services import incidents as svc


def seen(*incidents):
    """(id, version) as the list showed them."""
    return [(i.pk, IncidentRequest.objects.get(pk=i.pk).lock_version) for i in incidents]


def test_bulk_assign_updates_each_and_refuses_a_stale_one(
    make_incident, desk_analyst, server_group, coordinator
):
    a, b, c = (make_incident(title=f"Printer {n}") for n in range(3))
    items = seen(a, b, c)
    # Someone else changes b after the list was read.
    svc.incident_update(actor=desk_analyst, incident_id=b.pk, data={"urgency": "1"})

    result = bulk.incidents_bulk(
        actor=desk_analyst, items=items, action="assign", fields={"support_group": server_group}
    )

    assert [o.result for o in result.outcomes] == ["updated", "stale", "updated"]
    assert result.summary().startswith(f"2 updated, 1 refused: {b.number} (changed by someone")
    groups = dict(IncidentRequest.objects.values_list("pk", "support_group"))
    assert groups[a.pk] == groups[c.pk] == server_group.pk
    assert groups[b.pk] is None  # not overwritten
    assert journal_of(a, kind=JournalKind.FIELD_CHANGE, field="support_group").exists()
    assert journal_of(b, kind=JournalKind.CONFLICT).exists()  # the refused attempt


def test_bulk_take_refuses_the_request_the_actor_may_not_work_on(
    make_incident, desk_analyst, server_group, network_group, specialist
):
    mine = make_incident(title="Server disk", support_group=server_group)
    other = make_incident(title="Switch down", support_group=network_group)

    result = bulk.incidents_bulk(actor=specialist, items=seen(mine, other), action="take")

    assert [(o.number, o.result) for o in result.outcomes] == [
        (mine.number, "updated"),
        (other.number, "denied"),
    ]
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.assignee, mine.status) == (specialist, "in_progress")
    assert other.assignee is None and other.status == "assigned"


def test_bulk_status_and_priority_go_through_the_steps(make_incident, desk_analyst, server_group):
    a, b = (make_incident(title=t, support_group=server_group) for t in "AB")
    new = make_incident(title="C")  # a new request cannot wait: refused, named
    done = bulk.incidents_bulk(
        actor=desk_analyst,
        items=seen(a, new, b),
        action="status",
        fields={"status": "pending", "pending_reason": "awaiting_requester", "reason": "Which?"},
    )
    assert done.summary() == (
        f"2 updated, 1 refused: {new.number} (incident request: cannot go from 'new' to "
        "'pending'.)."
    )
    assert set(IncidentRequest.objects.values_list("status", flat=True)) == {"pending", "new"}

    raised = bulk.incidents_bulk(
        actor=desk_analyst,
        items=seen(a, b),
        action="priority",
        fields={"impact": "1", "urgency": "1"},
    )
    assert raised.summary() == "2 updated."
    prios = IncidentRequest.objects.filter(pk__in=(a.pk, b.pk)).values_list("priority", flat=True)
    assert set(prios) == {"1"}


def test_bulk_refuses_bad_input_as_a_whole(make_incident, desk_analyst):
    a = make_incident()
    with pytest.raises(ValidationError) as caught:
        bulk.incidents_bulk(actor=desk_analyst, items=seen(a), action="status", fields={})
    assert "status" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        bulk.incidents_bulk(actor=desk_analyst, items=[], action="take")
    assert "items" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        bulk.incidents_bulk(actor=desk_analyst, items=seen(a), action="delete")
    assert "action" in caught.value.message_dict


def test_bulk_does_not_reach_requests_the_actor_cannot_see(
    make_incident, requester, other_requester
):
    a = make_incident()
    result = bulk.incidents_bulk(actor=other_requester, items=seen(a), action="take")
    assert [o.result for o in result.outcomes] == ["not_found"]
    own = bulk.incidents_bulk(actor=requester, items=seen(a), action="take")
    assert [o.result for o in own.outcomes] == ["denied"]
    assert IncidentRequest.objects.get(pk=a.pk).status == "new"


def test_merge_cancels_the_duplicate_links_both_ways_and_tells_its_requester(
    make_incident, desk_analyst, colleague
):
    target = make_incident(title="Mail down for the 3rd floor")
    duplicate = make_incident(title="My mail is down", requester=colleague)

    bulk_result = bulk.incidents_bulk(
        actor=desk_analyst, items=seen(duplicate), action="merge", fields={"into": target.pk}
    )

    assert bulk_result.summary() == "1 updated."
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.resolution_code) == ("cancelled", "duplicate")
    public = journal_of(duplicate, kind=JournalKind.TRANSITION, public=True).last()
    assert f"Merged into {target.number}" in public.body
    assert [(r["relation"], r["incident"]) for r in linked_incidents(desk_analyst, duplicate)] == [
        ("duplicate of", target)
    ]
    assert [(r["relation"], r["incident"]) for r in linked_incidents(desk_analyst, target)] == [
        ("has duplicate", duplicate)
    ]
    note = journal_of(target, kind=JournalKind.WORK_NOTE).last()
    assert duplicate.number in note.body and "My mail is down" in note.body
    assert Notification.objects.filter(recipient=colleague, title__contains=target.number).exists()


def test_merge_rules_and_denials(make_incident, desk_analyst, specialist, server_group):
    target = make_incident(title="Target")
    duplicate = make_incident(title="Duplicate")
    third = make_incident(title="Third")
    with pytest.raises(ValidationError):
        links.incident_merge(actor=desk_analyst, duplicate_id=target.pk, into_id=target.pk)
    # A specialist may not cancel requests, so may not merge.
    with pytest.raises(PermissionDenied):
        links.incident_merge(actor=specialist, duplicate_id=duplicate.pk, into_id=target.pk)
    with pytest.raises(Http404):
        links.incident_merge(actor=desk_analyst, duplicate_id=duplicate.pk, into_id=10**9)
    links.incident_merge(actor=desk_analyst, duplicate_id=duplicate.pk, into_id=target.pk)
    # Merged already: it is cancelled; and nothing merges into a duplicate.
    with pytest.raises(ValidationError):
        links.incident_merge(actor=desk_analyst, duplicate_id=duplicate.pk, into_id=third.pk)
    with pytest.raises(ValidationError) as caught:
        links.incident_merge(actor=desk_analyst, duplicate_id=third.pk, into_id=duplicate.pk)
    assert "into" in caught.value.message_dict
    assert IncidentRequest.objects.get(pk=third.pk).status == "new"


def test_link_and_unlink_both_ways(make_incident, desk_analyst, requester):
    a, b = make_incident(title="A"), make_incident(title="B")
    links.incident_link(actor=desk_analyst, incident_id=a.pk, other_id=b.pk)
    assert [r["relation"] for r in linked_incidents(desk_analyst, b)] == ["related to"]
    assert journal_of(b, kind=JournalKind.SYSTEM, body__contains=a.number).exists()
    with pytest.raises(PermissionDenied):
        links.incident_unlink(actor=requester, incident_id=a.pk, other_id=b.pk)
    links.incident_unlink(actor=desk_analyst, incident_id=b.pk, other_id=a.pk)
    assert linked_incidents(desk_analyst, a) == []


def test_the_bulk_page_says_what_happened_and_never_fails_on_bad_input(
    client, make_incident, desk_analyst, requester, server_group
):
    a, b = make_incident(title="A"), make_incident(title="B")
    client.force_login(desk_analyst)
    picks = [f"{i.pk}:{IncidentRequest.objects.get(pk=i.pk).lock_version}" for i in (a, b)]
    picks[1] = f"{b.pk}:0"  # read before someone changed it
    response = client.post(
        "/incidents/bulk/",
        {
            "pick": picks,
            "action": "assign",
            "support_group": server_group.pk,
            "next": "/incidents/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/incidents/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"1 updated, 1 refused: {b.number} (changed by someone else since you read the list)."
    ]
    for bad in ({"pick": ["x:y"], "action": "take"}, {"pick": picks, "action": "nope"}):
        response = client.post("/incidents/bulk/", {**bad, "next": "https://evil.example/"})
        assert response.status_code == 302 and response["Location"] == "/incidents/"
    client.force_login(requester)
    assert client.post("/incidents/bulk/", {"pick": picks, "action": "take"}).status_code == 403
