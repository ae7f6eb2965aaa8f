"""Requests for change, templates and policies through /api/v1/ and the pages: what a
change coordinator does, and what the others are refused."""

import pytest
from django.urls import reverse

from steward.changes.choices import RfcStatus
from steward.changes.models import ChangePolicy, ChangeTemplate, RequestForChange, TaskTemplate
from steward.changes.services import rfcs as svc
from steward.core.tests.api import error_code, field_errors
from steward.core.tests.factories import staff_fixture

other_coordinator = staff_fixture(
    "other_coordinator", "change_coordinator", "othercoord", scope="other_service"
)
NOT_NEEDED = {"causes_outage_in_service_hours": False, "functionality_changes": False,
              "cmdb_update": False}  # fmt: skip
TO_RELEASE = {"causes_outage_in_service_hours": True, "functionality_changes": True,
              "cmdb_update": False, "problem_fix": False}  # fmt: skip


@pytest.fixture
def rfc(specialist, service, change_coordinator):
    return svc.rfc_submit(
        actor=specialist, title="Raise the mailbox quota", service_id=service.pk,
        source="known_error", origin_reference="KE000042", **TO_RELEASE,
    )  # fmt: skip


def test_submit_list_and_review_through_the_api(api, specialist, change_coordinator, service):
    caller = api.as_(specialist)
    answer = caller.post(
        "/api/v1/requests-for-change/",
        {"title": "Return E-mail to production", "service": service.pk, "source": "continuity",
         "origin_reference": "DR-2026-3", **NOT_NEEDED},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["number"].startswith("RFC") and body["status"] == "submitted"
    coordinator = api.as_(change_coordinator)
    listed = coordinator.get("/api/v1/requests-for-change/", {"source": "continuity"}).json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]
    url = f"/api/v1/requests-for-change/{body['id']}/review/"
    # The rule says "not required": registering is refused, naming the decision.
    wrong = coordinator.post(url, {"decision": "register"}, format="json")
    assert wrong.status_code == 400 and "decision" in field_errors(wrong)
    # A specialist may not review (before the body is read).
    assert api.as_(specialist).post(url, {"decision": "reject_not_needed"}).status_code == 403
    coordinator = api.as_(change_coordinator)
    done = coordinator.post(url, {"decision": "reject_not_needed", "note": "Log it."},
                            format="json")  # fmt: skip
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["rejection"]) == ("rejected", "not_needed")
    again = coordinator.post(url, {"decision": "reject_not_needed"}, format="json")
    assert again.status_code == 409, error_code(again)


def test_a_bad_submission_names_the_field(api, specialist, service):
    answer = api.as_(specialist).post(
        "/api/v1/requests-for-change/",
        {"title": "x", "service": service.pk, "source": "known_error"},
        format="json",
    )
    assert answer.status_code == 400 and "origin_reference" in field_errors(answer)
    assert not RequestForChange.objects.exists()


def test_release_managements_queue_and_the_coordinator_of_another_service(
    api, rfc, change_coordinator, other_coordinator
):
    url = f"/api/v1/requests-for-change/{rfc.pk}/review/"
    assert api.as_(other_coordinator).post(url, {"decision": "to_release"}).status_code == 403
    assert api.as_(change_coordinator).post(url, {"decision": "to_release"}).status_code == 200
    queue = api.as_(change_coordinator).get("/api/v1/requests-for-change/?status=to_release")
    assert [r["number"] for r in queue.json()["results"]] == [rfc.number]


def test_customers_see_no_requests_for_change(api, rfc, requester):
    assert api.as_(requester).get(f"/api/v1/requests-for-change/{rfc.pk}/").status_code == 403


def test_templates_and_policies_through_the_api(api, change_manager, change_coordinator):
    manager = api.as_(change_manager)
    made = manager.post(
        "/api/v1/change-templates/",
        {"name": "Patch a Linux server", "change_type": "standard", "plan": "Patch."},
        format="json",
    )
    assert made.status_code == 201, made.content
    template = made.json()
    assert template["pre_approved"] is True
    task = manager.post(
        "/api/v1/task-templates/",
        {"name": "Snapshot", "kind": "preparation", "change_template": template["id"]},
        format="json",
    )
    assert task.status_code == 201 and task.json()["position"] == 1
    policy = manager.post(
        "/api/v1/change-policies/",
        {"name": "Database schema changes need a DBA", "statement": "A DBA reviews it."},
        format="json",
    )
    assert policy.status_code == 201
    # Deactivated, with the version it was read at.
    url = f"/api/v1/change-templates/{template['id']}/"
    stale = manager.patch(url, {"is_active": False}, format="json", HTTP_IF_MATCH='"999"')
    assert stale.status_code == 412
    done = manager.patch(url, {"is_active": False}, format="json")
    assert done.status_code == 200 and done.json()["is_active"] is False
    # The change coordinator reads them, but may not change them.
    coordinator = api.as_(change_coordinator)
    assert coordinator.get(url).status_code == 200
    refused = coordinator.post(
        "/api/v1/change-policies/", {"name": "x", "statement": "y"}, format="json"
    )
    assert refused.status_code == 403
    assert coordinator.patch(url, {"name": "x"}, format="json").status_code == 403
    manager = api.as_(change_manager)
    assert manager.delete(f"/api/v1/task-templates/{task.json()['id']}/").status_code == 204
    assert not TaskTemplate.objects.exists()
    assert ChangePolicy.objects.count() == 1


def test_a_bad_template_names_the_field(api, change_manager):
    answer = api.as_(change_manager).post(
        "/api/v1/change-templates/", {"name": "x", "change_type": "emergency"}, format="json"
    )
    assert answer.status_code == 400 and "change_type" in field_errors(answer)


# --- Pages ------------------------------------------------------------------------------


def test_the_list_shows_what_is_to_review_first(client, rfc, change_coordinator, change_manager):
    done = svc.rfc_submit(
        actor=change_coordinator, title="Old request", service_id=rfc.service_id,
        source="release", origin_reference="REL-1", **NOT_NEEDED,
    )  # fmt: skip
    svc.rfc_review(actor=change_manager, rfc_id=done.pk, decision="reject_not_needed")
    client.force_login(change_coordinator)
    page = client.get(reverse("changes:rfc-list")).content.decode()
    assert rfc.number in page and done.number not in page
    everything = client.get(reverse("changes:rfc-list") + "?show=all").content.decode()
    assert rfc.number in everything and done.number in everything


def test_review_from_the_record_page(client, rfc, change_coordinator, specialist):
    client.force_login(change_coordinator)
    url = reverse("changes:rfc-detail", args=[rfc.pk])
    page = client.get(url)
    review_url = reverse("changes:rfc-review", args=[rfc.pk])
    assert page.status_code == 200 and review_url in page.content.decode()
    wrong = client.post(review_url, {"decision": "register"})
    assert wrong.status_code == 400
    assert "Procedure 1 says: hand it to Release Management" in wrong.content.decode()
    done = client.post(review_url, {"decision": "to_release", "note": "Needs a release."})
    assert done.status_code == 302
    rfc.refresh_from_db()
    assert rfc.status == RfcStatus.TO_RELEASE
    # The specialist sees the request but is offered no review, and posting it is refused.
    client.force_login(specialist)
    assert review_url not in client.get(url).content.decode()
    assert client.post(review_url, {"decision": "to_release"}).status_code == 403


def test_submit_from_the_page(client, specialist, service, change_coordinator):
    client.force_login(specialist)
    assert client.get(reverse("changes:rfc-create")).status_code == 200
    answer = client.post(
        reverse("changes:rfc-create"),
        {"title": "Return E-mail", "service": service.pk, "source": "continuity",
         "origin_reference": "DR-1", "functionality_changes": "true"},
    )  # fmt: skip
    rfc = RequestForChange.objects.get()
    assert answer.status_code == 302 and answer.url == rfc.get_absolute_url()
    assert rfc.functionality_changes is True and rfc.cmdb_update is None
    missing = client.post(reverse("changes:rfc-create"),
                          {"title": "x", "service": service.pk, "source": "release"})  # fmt: skip
    assert missing.status_code == 400 and RequestForChange.objects.count() == 1


def test_template_pages_for_the_change_manager_only(client, change_manager, change_coordinator):
    client.force_login(change_manager)
    answer = client.post(
        reverse("changes:change-template-create"),
        {"name": "Add a mailbox quota", "change_type": "standard", "category": "infrastructure",
         "risk_level": "low", "duration_minutes": 30, "is_active": "on"},
    )  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()[:2000]
    template = ChangeTemplate.objects.get()
    edit = reverse("changes:change-template-edit", args=[template.pk])
    assert client.get(edit).status_code == 200
    saved = client.post(edit, {"name": "Add a mailbox quota", "change_type": "standard",
                               "category": "infrastructure", "risk_level": "medium",
                               "duration_minutes": 30, "lock_version": template.lock_version})  # fmt: skip
    assert saved.status_code == 302
    template.refresh_from_db()
    assert (template.risk_level, template.is_active) == ("medium", False)
    assert (
        "Add a mailbox quota"
        in client.get(reverse("changes:change-template-list")).content.decode()
    )
    client.post(reverse("changes:task-template-create"),
                {"name": "Raise it", "kind": "implementation", "change_template": template.pk})  # fmt: skip
    client.post(reverse("changes:change-policy-create"),
                {"name": "Database schema changes need a DBA", "statement": "A DBA reviews."})  # fmt: skip
    assert TaskTemplate.objects.count() == 1 and ChangePolicy.objects.count() == 1
    client.force_login(change_coordinator)
    assert client.get(reverse("changes:change-policy-list")).status_code == 200
    assert client.get(reverse("changes:change-policy-create")).status_code == 403
    refused = client.post(reverse("changes:change-policy-create"), {"name": "x", "statement": "y"})
    assert refused.status_code == 403 and ChangePolicy.objects.count() == 1


def test_my_work_and_search(client, rfc, change_coordinator, other_coordinator):
    client.force_login(change_coordinator)
    work = client.get(reverse("core:my-work")).content.decode()
    assert "Requests for change to review" in work and rfc.number in work
    # The exact number opens the request; words of its title find it.
    opened = client.get(reverse("core:search"), {"q": rfc.number})
    assert opened.status_code == 302 and opened.url == rfc.get_absolute_url()
    found = client.get(reverse("core:search"), {"q": "mailbox quota"}).content.decode()
    assert rfc.number in found
    client.force_login(other_coordinator)
    assert rfc.number not in client.get(reverse("core:my-work")).content.decode()
