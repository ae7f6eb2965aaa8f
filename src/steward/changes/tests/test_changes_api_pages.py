"""Change Planning (proc. 2) through /api/v1/changes/ and the pages: the edit with
If-Match, the steps' refusals, the impact endpoint, the register and edit forms, the
record page's risk and impact section, the list's "My changes", My work and search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from steward.changes.models import Change
from steward.changes.services import planning
from steward.changes.tests.test_changes_planning import build_cmdb
from steward.core.tests.api import field_errors

CALM = {
    "causes_outage": False,
    "functionality_changes": False,
    "cmdb_update": False,
    "infrastructure_changes": False,
    "tested": True,
    "backout_tested": True,
    "users_affected": "none",
}


@pytest.fixture
def cmdb_world(config_admin, service):
    """The server mail-01 carries E-mail's CI (see test_changes_planning.py)."""
    return build_cmdb(config_admin, service)


@pytest.fixture
def analysing(make_change, change_coordinator):
    def make(**fields):
        change = make_change(**fields)
        return planning.change_start_analysis(actor=change_coordinator, change_id=change.pk)

    return make


# --- API ----------------------------------------------------------------------------------


def test_patch_with_if_match_and_a_stale_one(api, make_change, change_coordinator):
    change = make_change()
    url = f"/api/v1/changes/{change.pk}/"
    client = api.as_(change_coordinator)
    etag = client.get(url)["ETag"]
    answer = client.patch(
        url,
        {"plan": "Swap the disks.", "planned_start": "2026-12-08T20:00:00+01:00",
         "planned_end": "2026-12-08T22:00:00+01:00"},
        format="json", HTTP_IF_MATCH=etag,
    )  # fmt: skip
    assert answer.status_code == 200, answer.content
    assert answer.json()["plan"] == "Swap the disks."
    stale = client.patch(url, {"plan": "Something else"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Change.objects.get(pk=change.pk).plan == "Swap the disks."


def test_patch_refuses_a_backwards_window_and_unknown_fields(api, make_change, change_coordinator):
    change = make_change()
    client = api.as_(change_coordinator)
    backwards = client.patch(
        f"/api/v1/changes/{change.pk}/",
        {"planned_start": "2026-12-08T22:00:00Z", "planned_end": "2026-12-08T20:00:00Z"},
        format="json",
    )
    assert backwards.status_code == 400
    assert "planned_end" in field_errors(backwards)
    unknown = client.patch(f"/api/v1/changes/{change.pk}/", {"status": "closed"}, format="json")
    assert unknown.status_code == 400
    assert "status" in field_errors(unknown)


def test_the_analysis_through_the_api(api, analysing, change_coordinator, cmdb_world, sla):
    change = analysing(ci_ids=[cmdb_world["server"].pk])
    client = api.as_(change_coordinator)
    url = f"/api/v1/changes/{change.pk}/"
    missing = client.post(f"{url}analyse/", {"tested": True}, format="json")
    assert missing.status_code == 400
    assert {"causes_outage", "users_affected"} <= set(field_errors(missing))
    done = client.post(f"{url}analyse/", {**CALM, "causes_outage": True}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["risk_level"] == "medium"
    impact = client.get(f"{url}impact/").json()
    assert impact["stored"]["services"][0]["name"] == "E-mail"
    assert [c["name"] for c in impact["live"]["affected_cis"]] == ["E-mail service"]
    assert impact["service_hours"]["overlaps"] is True
    steps = [s["key"] for s in client.get(f"{url}next-steps/").json()]
    assert "finish-analysis" in steps and "start-analysis" not in steps


def test_submitting_an_incomplete_plan_is_a_400_naming_what_is_missing(
    api, analysing, change_coordinator
):
    change = analysing()
    planning.change_analyse(actor=change_coordinator, change_id=change.pk, **CALM)
    planning.change_finish_analysis(actor=change_coordinator, change_id=change.pk)
    answer = api.as_(change_coordinator).post(f"/api/v1/changes/{change.pk}/submit-plan/")
    assert answer.status_code == 400
    assert {"planned_start", "planned_end", "plan", "backout_plan"} <= set(field_errors(answer))


def test_the_list_filters(api, make_change, change_coordinator, change_manager, other_service):
    mine = make_change(title="Replace the relay")
    theirs = make_change(title="Replace the router", coordinator_id=change_manager.pk)
    client = api.as_(change_coordinator)

    def ids(**query):
        answer = client.get("/api/v1/changes/", query)
        assert answer.status_code == 200, answer.content
        return {row["id"] for row in answer.json()["results"]}

    assert ids(mine="coordinated") == {mine.pk}
    assert ids(coordinator=change_manager.pk) == {theirs.pk}
    assert ids(service=other_service.pk) == set()
    assert ids(status="registered", q="router") == {theirs.pk}
    assert client.get("/api/v1/changes/", {"mine": "everything"}).status_code == 400


def test_steps_refused_to_a_specialist_and_in_the_wrong_state(
    api, make_change, change_coordinator, specialist
):
    change = make_change()
    url = f"/api/v1/changes/{change.pk}/"
    assert api.as_(specialist).post(f"{url}start-analysis/").status_code == 403
    assert api.as_(change_coordinator).post(f"{url}finish-analysis/").status_code == 409
    assert (
        api.as_(change_coordinator).post(f"{url}analyse/", CALM, format="json").status_code == 409
    )
    assert Change.objects.get(pk=change.pk).status == "registered"


# --- Pages --------------------------------------------------------------------------------


def test_the_register_form_makes_a_change_with_its_cis(
    client, change_coordinator, service, cmdb_world
):
    client.force_login(change_coordinator)
    form = client.get(reverse("changes:change-create"))
    assert form.status_code == 200
    assert reverse("configuration:ci-lookup") in form.content.decode()
    posted = client.post(
        reverse("changes:change-create"),
        {
            "title": "Add a mail relay",
            "service": service.pk,
            "change_type": "normal",
            "category": "infrastructure",
            "ci": cmdb_world["server"].pk,
            "cis": cmdb_world["service_ci"].number,
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    change = Change.objects.get(title="Add a mail relay")
    assert set(change.cis.all()) == {cmdb_world["server"], cmdb_world["service_ci"]}
    assert change.coordinator == change_coordinator


def test_the_register_form_refuses_an_unknown_ci_number(client, change_coordinator, service):
    client.force_login(change_coordinator)
    posted = client.post(
        reverse("changes:change-create"),
        {"title": "x", "service": service.pk, "change_type": "normal",
         "category": "infrastructure", "cis": "CI999999"},
    )  # fmt: skip
    assert posted.status_code == 400
    assert "No configuration item CI999999" in posted.content.decode()
    assert not Change.objects.filter(title="x").exists()


def test_the_edit_page_saves_and_refuses_a_stale_save(client, make_change, change_coordinator):
    change = make_change()
    client.force_login(change_coordinator)
    url = reverse("changes:change-edit", args=[change.pk])
    assert client.get(url).status_code == 200
    fields = {
        "title": "Replace mail-01",
        "category": "infrastructure",
        "planned_start": "2026-12-08T20:00",
        "planned_end": "2026-12-08T22:00",
        "plan": "Swap it.",
        "backout_plan": "Swap it back.",
        "lock_version": change.lock_version,
    }
    assert client.post(url, fields).status_code == 302
    change.refresh_from_db()
    assert change.title == "Replace mail-01" and change.planned_start is not None
    stale = client.post(url, {**fields, "title": "Again"})
    assert stale.status_code == 409
    assert Change.objects.get(pk=change.pk).title == "Replace mail-01"
    backwards = client.post(
        url, {**fields, "planned_end": "2026-12-08T19:00", "lock_version": change.lock_version}
    )
    assert backwards.status_code == 400


def test_the_record_page_shows_the_impact_and_offers_the_steps(
    client, analysing, change_coordinator, cmdb_world, sla, customer_org
):
    change = analysing(ci_ids=[cmdb_world["server"].pk])
    client.force_login(change_coordinator)
    url = reverse("changes:change-detail", args=[change.pk])
    page = client.get(url).content.decode()
    assert "Record the risk and impact analysis" in page
    assert "is not recorded yet" in page
    posted = client.post(
        reverse("changes:change-analyse", args=[change.pk]),
        {**{k: "yes" if v is True else "no" for k, v in CALM.items() if isinstance(v, bool)},
         "causes_outage": "yes", "users_affected": "some"},
    )  # fmt: skip
    assert posted.status_code == 302, posted.content.decode()[:2000]
    page = client.get(url).content.decode()
    assert "Unavailable during service hours" in page
    assert "No implementation window yet." in page
    assert sla.number in page and customer_org.name in page
    assert "E-mail service" in page
    assert "Go on to planning" in page


def test_an_incomplete_questionnaire_comes_back_on_the_page(client, analysing, change_coordinator):
    change = analysing()
    client.force_login(change_coordinator)
    posted = client.post(reverse("changes:change-analyse", args=[change.pk]), {"tested": "yes"})
    assert posted.status_code == 400
    assert Change.objects.get(pk=change.pk).analysed_at is None


def test_my_changes_my_work_and_search(client, make_change, change_coordinator, change_manager):
    mine = make_change(title="Replace the relay")
    theirs = make_change(title="Replace the router", coordinator_id=change_manager.pk)
    client.force_login(change_coordinator)
    listing = client.get(reverse("changes:change-list"), {"mine": "coordinated"}).content.decode()
    assert mine.number in listing and theirs.number not in listing
    work = client.get("/").content.decode()
    assert "Changes I coordinate" in work and mine.number in work
    found = client.get("/search/", {"q": theirs.number})
    assert found["Location"] == theirs.get_absolute_url()  # a number opens the record
    found = client.get("/search/", {"q": "replace router"}).content.decode()
    assert theirs.number in found and mine.number not in found


def test_the_list_reads_a_fixed_number_of_queries(
    client, make_change, change_coordinator, django_assert_max_num_queries
):
    make_change()
    client.force_login(change_coordinator)
    url = reverse("changes:change-list")
    client.get(url)  # warm the caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(5):
        make_change(title=f"Change {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200
