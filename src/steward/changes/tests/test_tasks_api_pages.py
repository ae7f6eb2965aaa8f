"""/api/v1/change-tasks/, the change steps of proc. 6, the tasks section of the change
page, the "Change tasks" queue and "My work"."""

import pytest
from django.urls import reverse

from steward.changes.choices import ChangeStatus, TaskKind, TaskStatus
from steward.changes.services import closure
from steward.changes.services import tasks as svc
from steward.changes.tests.tasks_flow import complete_open, task, to_implementation
from steward.changes.views.tasks import tasks_section
from steward.core.tests.api import error_code, refused
from steward.core.tests.factories import SupportGroupFactory, group_member

K, T, C = TaskKind, TaskStatus, ChangeStatus


@pytest.fixture
def running(make_change, change_coordinator, server_group):
    change = make_change()
    svc.task_add(
        actor=change_coordinator, change_id=change.pk, title="Prepare",
        kind=K.PREPARATION, support_group_id=server_group.pk,
    )  # fmt: skip
    return to_implementation(change, change_coordinator)


def test_list_filter_and_add_through_the_api(api, running, change_coordinator, specialist,
                                             server_group, requester):  # fmt: skip
    caller = api.as_(specialist)
    listed = caller.get("/api/v1/change-tasks/", {"change": running.pk, "status": "open"})
    assert listed.status_code == 200, listed.content
    assert [t["kind"] for t in listed.json()["results"]] == [K.PREPARATION]
    assert caller.get("/api/v1/change-tasks/", {"assignee": "me"}).json()["results"] == []
    assert caller.get("/api/v1/change-tasks/", {"assignee": "you"}).status_code == 400
    body = {"change": running.pk, "title": "Order disks", "kind": "additional",
            "support_group": server_group.pk, "assignee": specialist.pk}  # fmt: skip
    assert caller.post("/api/v1/change-tasks/", body, format="json").status_code == 403
    added = api.as_(change_coordinator).post("/api/v1/change-tasks/", body, format="json")
    assert added.status_code == 201, added.content
    assert added.json()["status"] == T.OPEN
    mine = api.as_(specialist).get("/api/v1/change-tasks/", {"assignee": "me"}).json()
    assert [t["id"] for t in mine["results"]] == [added.json()["id"]]
    without_group = {**body, "support_group": None}
    answer = api.as_(change_coordinator).post("/api/v1/change-tasks/", without_group, format="json")
    assert answer.status_code == 400 and refused(answer) == {"support_group"}
    assert api.as_(requester).get("/api/v1/change-tasks/").status_code == 403


def test_task_steps_through_the_api(api, running, specialist, provider):
    prep = task(running, K.PREPARATION)
    stranger = group_member(SupportGroupFactory(organisation=provider), "specialist")
    url = f"/api/v1/change-tasks/{prep.pk}/complete/"
    denied = api.as_(stranger).post(url, {"result": "x"}, format="json")
    assert denied.status_code == 403
    prep.refresh_from_db()
    assert prep.status == T.OPEN
    steps = api.as_(specialist).get(f"/api/v1/change-tasks/{prep.pk}/next-steps/").json()
    assert {"complete", "fail", "assign"} <= {s["key"] for s in steps}
    done = api.as_(specialist).post(url, {"result": "Ready"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == T.DONE
    again = api.as_(specialist).post(url, {"result": "Ready"}, format="json")
    assert again.status_code == 409
    failed = api.as_(specialist).post(
        f"/api/v1/change-tasks/{task(running, K.IMPLEMENTATION).pk}/fail/", {}, format="json"
    )
    assert failed.status_code == 400 and refused(failed) == {"result"}


def test_production_test_and_close_through_the_api(
    api, running, specialist, change_coordinator, config_admin
):
    complete_open(running, specialist)
    base = f"/api/v1/changes/{running.pk}"
    tested = api.as_(specialist).post(
        f"{base}/production-test/", {"requirements_met": True, "note": "ok"}, format="json"
    )
    assert tested.status_code == 200, tested.content
    early = api.as_(change_coordinator).post(f"{base}/close/", {}, format="json")
    assert early.status_code == 409 and error_code(early) == "conflict"
    for kind in (K.CMDB_UPDATE, K.CAPACITY_UPDATE, K.CONTINUITY_UPDATE):
        svc.task_complete(actor=change_coordinator, task_id=task(running, kind).pk)
    closed = api.as_(change_coordinator).post(f"{base}/close/", {"note": "ok"}, format="json")
    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["outcome"]) == ("closed", "successful")


def test_the_tasks_section_of_the_change_page(client, running, specialist, change_coordinator):
    page = reverse("changes:change-detail", args=[running.pk])
    client.force_login(specialist)
    html = client.get(page).content.decode()
    assert 'id="tasks"' in html and "Preparation" in html
    prep = task(running, K.PREPARATION)
    assert reverse("changes:change-task-complete", args=[prep.pk]) in html
    assert "Add a task" not in html  # the coordinator's
    posted = client.post(
        reverse("changes:change-task-complete", args=[prep.pk]), {"result": "Ready"}
    )
    assert posted.status_code == 302
    prep.refresh_from_db()
    assert prep.status == T.DONE
    client.force_login(change_coordinator)
    html = client.get(page).content.decode()
    assert "Add a task" in html
    refused_add = client.post(
        reverse("changes:change-task-add", args=[running.pk]),
        {"title": "", "kind": "additional"},
    )
    assert refused_add.status_code == 400
    assert "Add a task" in refused_add.content.decode()


def test_the_queue_and_my_work(client, running, specialist, provider):
    client.force_login(specialist)
    queue = client.get(reverse("changes:change-task-list")).content.decode()
    assert running.number in queue and "Preparation" in queue
    work = client.get(reverse("core:my-work")).content.decode()
    assert "Change tasks for my groups" in work
    stranger = group_member(SupportGroupFactory(organisation=provider), "specialist")
    client.force_login(stranger)
    assert running.number not in client.get(reverse("changes:change-task-list")).content.decode()


def test_the_production_test_form_on_the_change_page(client, running, specialist):
    complete_open(running, specialist)
    client.force_login(specialist)
    page = client.get(reverse("changes:change-detail", args=[running.pk]))
    # The change page's panel offers it (the record page draws ``panel``).
    assert [s["action"].key for s in page.context["panel"]["steps"]] == ["production-test"]
    posted = client.post(
        reverse("changes:change-production-test", args=[running.pk]),
        {"requirements_met": "on", "note": "All good"},
    )
    assert posted.status_code == 302
    running.refresh_from_db()
    assert task(running, K.PRODUCTION_TEST).status == T.DONE
    assert closure.closing_refusal(running).startswith("Finish")


def test_a_member_takes_a_task_from_the_page(client, running, specialist):
    prep = task(running, K.PREPARATION)
    client.force_login(specialist)
    url = reverse("changes:change-task-assign", args=[prep.pk])
    posted = client.post(url, {"assignee": specialist.pk})
    assert posted.status_code == 302
    prep.refresh_from_db()
    assert prep.assignee == specialist
    # Another group: the change coordinator's decision; it comes back as a message.
    other = SupportGroupFactory(organisation=specialist.memberships.first().organisation)
    refused_move = client.post(url, {"support_group": other.pk}, follow=True)
    assert "Only the change coordinator" in refused_move.content.decode()
    prep.refresh_from_db()
    assert prep.support_group_id != other.pk


def test_customer_representatives_do_not_see_the_tasks(rf, running, representative, sla):
    """The change page is the provider's; should a representative reach it, the tasks
    (internal work) stay out of it."""
    running.customers.add(representative.memberships.first().organisation)
    request = rf.get("/")
    request.user = representative
    assert tasks_section(request, running)["change_tasks"] == []
