"""Working on a request from its record page (issue 13): @mentions in work notes, time
spent per action, replies and resolutions from templates (services, API and pages), the
"Handling" panel edited in place and the ranked next steps."""

import pytest
from django.urls import reverse

from steward.core import journal, notify, versioning
from steward.core.models import Notification, ResponseTemplate, TimeEntry
from steward.core.services import work
from steward.core.tests.api import error_code, field_errors
from steward.incidents import reports
from steward.incidents.models import IncidentRequest
from steward.incidents.services import incidents as svc

pytestmark = pytest.mark.django_db


def detail(incident: IncidentRequest) -> str:
    return reverse("incidents:incident-detail", args=[incident.pk])


def panel_field(incident: IncidentRequest, name: str) -> str:
    return reverse("incidents:incident-panel-field", args=[incident.pk, name])


def mentions_of(person) -> list[str]:
    return list(
        Notification.objects.filter(recipient=person, event="mention").values_list(
            "title", flat=True
        )
    )


# --- @mentions ------------------------------------------------------------------------------


def test_a_mention_in_a_work_note_tells_the_colleague_and_links_them(
    working_incident, specialist, coordinator
):
    entry = svc.incident_add_reply(
        actor=specialist,
        incident_id=working_incident.pk,
        body=f"@{coordinator.username}, can you check the quota?",
        public=False,
    )

    assert f'href="{coordinator.get_absolute_url()}"' in entry.body
    assert f">@{coordinator.username}</a>, can you" in entry.body
    assert mentions_of(coordinator) == [
        f"{specialist.display_name} mentioned you in {working_incident.number}"
    ]
    # The notification list says what it is in words, not the event code.
    assert notify.event_words("mention") == "Mentioned in a work note"


def test_a_mention_of_someone_who_may_not_see_the_request_tells_nobody(
    working_incident, specialist, requester, other_requester, no_role_person
):
    body = (
        f"@{requester.username} @{other_requester.username} @{no_role_person.username} "
        "@nobody.here and mail me at spec@example.com"
    )
    entry = svc.incident_add_reply(
        actor=specialist, incident_id=working_incident.pk, body=body, public=False
    )

    assert "<a" not in entry.body  # nothing tells the author who exists or may see it
    assert f"@{other_requester.username}" in entry.body
    for person in (requester, other_requester, no_role_person):
        assert mentions_of(person) == []


def test_a_public_reply_mentions_nobody(working_incident, specialist, coordinator):
    svc.incident_add_reply(
        actor=specialist,
        incident_id=working_incident.pk,
        body=f"Thanks, @{coordinator.username} will call you.",
        public=True,
    )

    assert mentions_of(coordinator) == []


def test_a_mention_is_a_link_on_the_record_page(client, working_incident, specialist, coordinator):
    svc.incident_add_reply(
        actor=specialist,
        incident_id=working_incident.pk,
        body=f"Ask @{coordinator.username}.",
        public=False,
    )
    client.force_login(specialist)

    page = client.get(detail(working_incident)).content.decode()

    assert f'href="{coordinator.get_absolute_url()}"' in page


# --- Time spent -------------------------------------------------------------------------------


def test_time_spent_is_kept_per_action_and_totalled(working_incident, specialist, server_group):
    note = svc.incident_add_reply(
        actor=specialist, incident_id=working_incident.pk, body="Looked", public=False,
        time_spent=25,
    )  # fmt: skip
    svc.incident_add_reply(
        actor=specialist, incident_id=working_incident.pk, body="Asked", time_spent="10"
    )
    svc.incident_resolve(
        actor=specialist, incident_id=working_incident.pk, resolution="Quota raised.",
        resolution_code="solved", time_spent=15,
    )  # fmt: skip

    entries = list(work.time_entries_of(working_incident).order_by("pk"))
    assert [(e.minutes, e.activity) for e in entries] == [
        (25, "work note"), (10, "reply"), (15, "resolution")
    ]  # fmt: skip
    assert entries[0].journal_entry == note
    assert entries[2].journal_entry.new_value == "resolved"
    assert {e.support_group for e in entries} == {server_group}
    assert work.time_total(working_incident) == 50


def test_a_requester_cannot_record_time(working_incident, requester):
    with pytest.raises(Exception) as exc:
        svc.incident_add_reply(
            actor=requester, incident_id=working_incident.pk, body="Still broken", time_spent=5
        )
    assert "time_spent" in str(exc.value)
    assert not TimeEntry.objects.exists()


def test_time_spent_on_the_record_page_and_in_the_report(
    client, working_incident, specialist, coordinator
):
    svc.incident_add_reply(
        actor=specialist, incident_id=working_incident.pk, body="Looked", public=False,
        time_spent=95,
    )  # fmt: skip
    client.force_login(specialist)

    page = client.get(detail(working_incident)).content.decode()

    assert "1 h 35 min" in page, page[
        page.find('id="field-time"') - 20 : page.find('id="field-time"') + 600
    ]
    assert "95 min" in page  # beside the entry
    period = reports.week_of(working_incident.created_at.date())
    spent = reports.time_spent(coordinator, period)
    assert spent["by_group"] == [(working_incident.support_group.name, 95)]
    assert spent["by_person"] == [(specialist.display_name, 95)]


def test_the_report_csv_has_the_time_per_group_and_person(
    client, working_incident, specialist, admin_person
):
    svc.incident_add_reply(
        actor=specialist, incident_id=working_incident.pk, body="x", public=False, time_spent=30
    )
    client.force_login(admin_person)
    week = working_incident.created_at.date().isoformat()

    response = client.get(reverse("incidents:reports") + f"?week={week}&format=csv")

    text = response.content.decode()
    assert f"time_minutes_group,{working_incident.support_group.name},30" in text
    assert f"time_minutes_person,{specialist.display_name},30" in text


# --- Templates ------------------------------------------------------------------------------


@pytest.fixture
def reply_template(coordinator):
    return work.response_template_create(
        actor=coordinator,
        name="Ask",
        kind="reply",
        body="Hello {{requester.first_name}}, about {{number}}: {{title}}. {{agent.name}}",
        shared=True,
    )


def test_a_reply_from_a_template_is_filled_for_the_request(
    working_incident, specialist, requester, reply_template
):
    IncidentRequest.objects.filter(pk=working_incident.pk).update(title="<b>Mail</b> & more")

    entry = svc.incident_add_reply(
        actor=specialist, incident_id=working_incident.pk, template=reply_template.pk
    )

    assert entry.body == (
        f"Hello {requester.first_name}, about {working_incident.number}: "
        f"&lt;b&gt;Mail&lt;/b&gt; &amp; more. {specialist.display_name}"
    )


def test_someone_elses_personal_template_cannot_be_used(working_incident, specialist, analyst):
    private = work.response_template_create(actor=analyst, name="P", kind="reply", body="Hi")

    with pytest.raises(Exception) as exc:
        svc.incident_add_reply(
            actor=specialist, incident_id=working_incident.pk, template=private.pk
        )
    assert "template" in str(exc.value)


def test_api_reply_and_resolve_take_a_template_and_time(
    api, working_incident, specialist, coordinator, reply_template
):
    resolution = work.response_template_create(
        actor=coordinator, name="Done", kind="resolution", body="{{number}} is solved.",
        shared=True,
    )  # fmt: skip
    client = api.as_(specialist)
    base = f"/api/v1/incidents/{working_incident.pk}"

    replied = client.post(f"{base}/reply/", {"template": reply_template.pk, "time_spent": 7})
    resolved = client.post(
        f"{base}/resolve/",
        {"template": resolution.pk, "resolution_code": "solved", "time_spent": 20},
    )

    assert replied.status_code == 201, replied.content
    assert replied.json()["time_spent"] == 7
    assert resolved.status_code == 200, resolved.content
    working_incident.refresh_from_db()
    assert working_incident.resolution == f"{working_incident.number} is solved."
    time = client.get(f"{base}/time/").json()
    assert time["total_minutes"] == 27
    assert [e["activity"] for e in time["entries"]] == ["reply", "resolution"]


def test_api_fill_template_and_refusals(
    api, working_incident, specialist, requester, reply_template
):
    client = api.as_(specialist)
    base = f"/api/v1/incidents/{working_incident.pk}"

    filled = client.get(f"{base}/fill-template/?template={reply_template.pk}")
    empty = client.post(f"{base}/reply/", {"body": ""})
    bad_time = client.post(f"{base}/reply/", {"body": "x", "time_spent": 0})
    by_requester = api.as_(requester).post(f"{base}/reply/", {"body": "x", "time_spent": 5})

    assert filled.status_code == 200
    assert filled.json()["text"].startswith(f"Hello {working_incident.requester.first_name}")
    assert filled.json()["unknown"] == []
    assert "body" in field_errors(empty)
    assert "time_spent" in field_errors(bad_time)
    assert by_requester.status_code == 400
    assert "time_spent" in field_errors(by_requester)
    assert api.as_(requester).get(f"{base}/time/").status_code == 403


def test_api_templates_crud_and_denials(api, analyst, coordinator):
    created = api.as_(analyst).post(
        "/api/v1/response-templates/", {"name": "Mine", "kind": "reply", "body": "Hi {{title}}"}
    )
    shared = api.as_(analyst).post(
        "/api/v1/response-templates/",
        {"name": "All", "kind": "reply", "body": "Hi", "shared": True},
    )
    typo = api.as_(analyst).post(
        "/api/v1/response-templates/", {"name": "T", "kind": "reply", "body": "{{titel}}"}
    )
    pk = created.json()["id"]
    unseen = api.as_(coordinator).patch(f"/api/v1/response-templates/{pk}/", {"name": "x"})
    changed = api.as_(analyst).patch(f"/api/v1/response-templates/{pk}/", {"name": "Mine 2"})
    deleted = api.as_(analyst).delete(f"/api/v1/response-templates/{pk}/")

    assert created.status_code == 201, created.content
    assert created.json()["shared"] is False
    assert shared.status_code == 403
    assert "body" in field_errors(typo)
    assert unseen.status_code == 404
    assert changed.json()["name"] == "Mine 2"
    assert deleted.status_code == 204


def test_the_reply_form_fills_from_a_template(client, working_incident, specialist, reply_template):
    client.force_login(specialist)
    url = reverse("incidents:incident-fill-template", args=[working_incident.pk])

    response = client.get(
        url, {"kind": "reply", "target": "id_body", "template": reply_template.pk}
    )
    page = client.get(detail(working_incident)).content.decode()

    assert response.status_code == 200
    assert 'id="id_body"' in response.content.decode()
    assert working_incident.number in response.content.decode()
    assert 'name="template"' in page and "Ask</option>" in page
    assert 'name="time_spent"' in page


def test_posting_the_reply_form_with_only_a_template_and_time(
    client, working_incident, specialist, reply_template
):
    client.force_login(specialist)

    response = client.post(
        detail(working_incident),
        {"body": "", "public": "on", "template": reply_template.pk, "time_spent": "12"},
    )

    assert response.status_code == 302
    assert work.time_total(working_incident) == 12


# --- The Handling panel ---------------------------------------------------------------------


def test_an_inline_priority_change_answers_the_updated_panel(client, working_incident, specialist):
    client.force_login(specialist)
    version = IncidentRequest.objects.get(pk=working_incident.pk).lock_version

    response = client.post(
        panel_field(working_incident, "priority"),
        {"impact": "1", "urgency": "1", versioning.FIELD: version},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="record-panel"' in html and "P1 Critical" in html
    working_incident.refresh_from_db()
    assert working_incident.priority == "1"


def test_a_stale_inline_edit_gets_the_conflict_and_changes_nothing(
    client, working_incident, specialist, coordinator, network_group
):
    client.force_login(specialist)
    opened_at = IncidentRequest.objects.get(pk=working_incident.pk).lock_version
    svc.incident_update(
        actor=coordinator, incident_id=working_incident.pk, data={"urgency": "1"}
    )  # someone else saved meanwhile

    response = client.post(
        panel_field(working_incident, "priority"),
        {"impact": "1", "urgency": "1", versioning.FIELD: opened_at},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    working_incident.refresh_from_db()
    assert working_incident.impact != "1"


def test_the_coordinator_reassigns_inline(client, working_incident, coordinator, specialist):
    client.force_login(coordinator)
    version = IncidentRequest.objects.get(pk=working_incident.pk).lock_version

    response = client.post(
        panel_field(working_incident, "assignee"),
        {"assignee": coordinator.pk, versioning.FIELD: version},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200, response.content
    working_incident.refresh_from_db()
    assert working_incident.assignee == coordinator


def test_a_field_the_person_may_not_change_is_read_only(client, working_incident, specialist):
    client.force_login(specialist)  # a specialist changes neither the group nor the assignee

    page = client.get(detail(working_incident))
    refused = client.post(
        panel_field(working_incident, "group"),
        {"support_group": working_incident.support_group_id},
        HTTP_HX_REQUEST="true",
    )

    rows = {row["name"]: row for row in page.context["inline_rows"]}
    assert rows["priority"]["editable"] and rows["cis"]["editable"]
    assert not rows["group"]["editable"] and not rows["assignee"]["editable"]
    assert refused.status_code == 403


def test_the_panel_opens_a_field_without_javascript(client, working_incident, specialist):
    client.force_login(specialist)

    page = client.get(detail(working_incident) + "?edit=priority")

    assert 'name="impact"' in page.content.decode()


def test_a_requester_cannot_reach_the_panel(client, working_incident, requester):
    client.force_login(requester)

    response = client.get(reverse("incidents:incident-panel", args=[working_incident.pk]))

    assert response.status_code == 403


# --- Next steps ranked ----------------------------------------------------------------------


def test_take_is_primary_when_unassigned_in_my_group(client, assigned_incident, specialist):
    client.force_login(specialist)

    response = client.get(detail(assigned_incident))

    assert response.context["primary"]["action"].key == "take"
    assert "take" not in [s["action"].key for s in response.context["more_steps"]]


def test_resolve_is_primary_when_mine_and_in_progress(client, working_incident, specialist):
    client.force_login(specialist)

    response = client.get(detail(working_incident))

    assert response.context["primary"]["action"].key == "resolve"
    assert [b["action"].key for b in response.context["secondary_buttons"]] == []


def test_reply_is_primary_while_waiting_for_the_requester(client, working_incident, specialist):
    svc.incident_set_pending(
        actor=specialist, incident_id=working_incident.pk, reason="awaiting_requester"
    )
    client.force_login(specialist)

    response = client.get(detail(working_incident))

    assert response.context["primary"] is None
    assert response.context["primary_link"]["url"] == "#id_body"
    assert "resume" in [b["action"].key for b in response.context["secondary_buttons"]]


def test_the_api_rejects_a_stale_assign(api, working_incident, coordinator):
    response = api.as_(coordinator).post(
        f"/api/v1/incidents/{working_incident.pk}/assign/",
        {"assignee": coordinator.pk},
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 412
    assert error_code(response) == "precondition_failed"


def test_the_status_row_offers_the_steps_that_move_it(client, working_incident, specialist):
    client.force_login(specialist)

    response = client.get(
        reverse("incidents:incident-panel-field", args=[working_incident.pk, "status"]),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Set pending…" in html and "Resolve…" in html
    assert "?step=resolve#step-resolve" in html


def test_the_desk_moves_the_group_inline_and_it_is_journalled(
    client, working_incident, desk_analyst, network_group
):
    client.force_login(desk_analyst)
    version = IncidentRequest.objects.get(pk=working_incident.pk).lock_version

    response = client.post(
        panel_field(working_incident, "group"),
        {"support_group": network_group.pk, versioning.FIELD: version},
    )

    assert response.status_code == 302  # without JavaScript: back to the record page
    working_incident.refresh_from_db()
    assert working_incident.support_group == network_group
    assert working_incident.assignee is None  # a new group's coordinator picks the person
    changes = journal.timeline(working_incident, actor=desk_analyst).filter(
        kind="field_change", field="support_group"
    )
    assert changes.exists()


# --- The templates page ---------------------------------------------------------------------


def test_an_analyst_keeps_a_personal_template_on_the_page(client, analyst, reply_template):
    client.force_login(analyst)
    url = reverse("core:response-template-list")

    page = client.get(url)
    created = client.post(url, {"name": "Mine", "kind": "reply", "body": "Hi {{title}}"})
    shared = client.post(url, {"name": "X", "kind": "reply", "body": "Hi", "shared": "on"})

    assert 'name="shared"' not in page.content.decode()  # analysts do not share
    assert reply_template.name in page.content.decode()
    assert created.status_code == 302
    assert shared.status_code == 400
    assert ResponseTemplate.objects.get(name="Mine").owner == analyst
    assert not ResponseTemplate.objects.filter(name="X").exists()


def test_a_requester_has_no_templates_page(client, requester):
    client.force_login(requester)

    assert client.get(reverse("core:response-template-list")).status_code == 403


def test_a_reply_keeps_its_lines(working_incident, specialist):
    entry = svc.incident_add_reply(
        actor=specialist, incident_id=working_incident.pk, body="Hello,\n\nIt works.\nBye"
    )

    assert entry.body == "Hello,<br>\n<br>\nIt works.<br>\nBye"


def test_a_note_with_a_mention_keeps_its_lines(working_incident, specialist, coordinator):
    entry = svc.incident_add_reply(
        actor=specialist,
        incident_id=working_incident.pk,
        body=f"Disk 3 failed.\n@{coordinator.username} please order one.",
        public=False,
    )

    assert entry.body.startswith("Disk 3 failed.<br>\n<a href=")
