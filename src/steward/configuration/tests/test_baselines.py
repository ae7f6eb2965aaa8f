"""Baselines: taking one (a service's infrastructure or listed CIs), comparing it with now
and with another baseline (added, removed and changed CIs, attributes and relations),
who may do what over the API and the pages."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.configuration.models import Baseline, BaselineItem, ConfigurationItem, Relationship
from steward.configuration.services import baselines
from steward.configuration.services import cis as services
from steward.core.models import JournalEntry
from steward.core.tests.api import field_errors, refused
from steward.service_level.models import Service

_numbers = itertools.count(1)


def _service(name: str) -> Service:
    return Service.objects.create(number=f"SVC{next(_numbers):06d}", name=name)


@pytest.fixture
def app_class(config_admin):
    return services.ci_class_create(
        actor=config_admin, name="Application", code="app", category="software"
    )


@pytest.fixture
def estate(config_admin, server, app_class, runs_on):
    """Payroll (a service CI) runs on the payroll app, which runs on db01 and web01;
    spare01 stands alone."""
    payroll = _service("Payroll")
    ci = services.ci_create
    payroll_ci = ci(actor=config_admin, ci_class=app_class, name="Payroll", service=payroll)
    app = ci(actor=config_admin, ci_class=app_class, name="payroll-app", version="1.0")
    db01 = ci(actor=config_admin, ci_class=server, name="db01", attributes={"ram_gb": 64})
    web01 = ci(actor=config_admin, ci_class=server, name="web01", attributes={"ram_gb": 8})
    spare = ci(actor=config_admin, ci_class=server, name="spare01", attributes={"ram_gb": 4})
    link = services.relationship_add
    link(actor=config_admin, source_id=payroll_ci.pk, target_id=app.pk, type_id=runs_on.pk)
    link(actor=config_admin, source_id=app.pk, target_id=db01.pk, type_id=runs_on.pk)
    link(actor=config_admin, source_id=app.pk, target_id=web01.pk, type_id=runs_on.pk)
    return {
        "payroll": payroll,
        "payroll_ci": payroll_ci,
        "app": app,
        "db01": db01,
        "web01": web01,
        "spare": spare,
    }


def _numbers_of(rows):
    return [row["number"] for row in rows]


def _relation(source, rel_type, target):
    return (source.pk, rel_type.code, target.pk)


def _relations(rows):
    return {(r["source"], r["type"], r["target"]) for r in rows}


# --- Taking -----------------------------------------------------------------------------


def test_a_service_baseline_holds_the_service_ci_and_everything_it_runs_on(config_admin, estate):
    baseline = baselines.baseline_take(
        actor=config_admin, name="Payroll before upgrade", service=estate["payroll"]
    )
    assert baseline.number.startswith("BL") and baseline.taken_by == config_admin
    held = set(baseline.items.values_list("ci_id", flat=True))
    assert held == {estate[k].pk for k in ("payroll_ci", "app", "db01", "web01")}
    assert JournalEntry.objects.filter(record_id=baseline.pk, kind="created").exists()


def test_each_item_is_the_ci_as_of_the_moment_it_was_taken(config_admin, estate):
    baseline = baselines.baseline_take(
        actor=config_admin, name="Two CIs", ci_ids=[estate["app"].pk, estate["db01"].pk]
    )
    item = baseline.items.get(ci=estate["app"])
    expected = services.ci_as_of(estate["app"], timezone.now())
    # The same shape as ci_as_of, with times as ISO text (JSON).
    for rel in expected["relationships"]:
        rel["valid_from"] = rel["valid_from"].isoformat()
    assert item.data == expected
    assert item.data["version"] == "1.0"
    assert len(item.data["relationships"]) == 3


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"name": "x"}, "cis", "Choose a service or list the CIs to include."),
        ({"name": "x", "ci_ids": [999999]}, "cis", "No configuration item with id 999999."),
        ({"name": "  ", "ci_ids": [1]}, "name", "Give the baseline a name."),
    ],
    ids=["nothing chosen", "unknown CI", "no name"],
)
def test_a_baseline_needs_a_name_and_existing_cis(config_admin, kwargs, field, message):
    with pytest.raises(ValidationError) as caught:
        baselines.baseline_take(actor=config_admin, **kwargs)
    assert caught.value.message_dict[field] == [message]
    assert not Baseline.objects.exists()


def test_a_service_and_a_list_together_are_refused(config_admin, estate):
    with pytest.raises(ValidationError) as caught:
        baselines.baseline_take(
            actor=config_admin, name="x", service=estate["payroll"], ci_ids=[estate["app"].pk]
        )
    assert caught.value.message_dict["cis"] == ["Choose a service or a list of CIs, not both."]


def test_a_service_without_a_ci_cannot_be_baselined(config_admin):
    with pytest.raises(ValidationError) as caught:
        baselines.baseline_take(actor=config_admin, name="x", service=_service("Mail"))
    assert "has no CI in the CMDB" in caught.value.message_dict["service"][0]


def test_taking_a_large_baseline_takes_a_bounded_number_of_queries(
    config_admin, server, runs_on, django_assert_max_num_queries
):
    cls = server
    items = [
        ConfigurationItem(number=f"CI{n:07d}", name=f"node {n}", ci_class=cls,
                          attributes={"ram_gb": n})
        for n in range(1, 2001)
    ]  # fmt: skip
    ConfigurationItem.objects.bulk_create(items)
    ids = list(ConfigurationItem.objects.values_list("pk", flat=True))
    now = timezone.now()
    Relationship.objects.bulk_create(
        Relationship(source_id=a, target_id=b, type=runs_on, valid_from=now)
        for a, b in itertools.pairwise(ids)
    )
    with django_assert_max_num_queries(30):
        baseline = baselines.baseline_take(actor=config_admin, name="All nodes", ci_ids=ids)
    assert BaselineItem.objects.filter(baseline=baseline).count() == 2000
    middle = BaselineItem.objects.get(baseline=baseline, ci_id=ids[1000])
    assert len(middle.data["relationships"]) == 2


# --- Comparing: the pure diff -------------------------------------------------------------


def _data(pk, **overrides):
    base = {
        "id": pk, "number": f"CI{pk:03d}", "ci_class": 1, "name": f"ci {pk}",
        "status": "in_production", "owner": None, "support_group": None, "serial_number": "",
        "version": "", "location": "", "description": "", "service": None,
        "last_verified_at": None, "attributes": {}, "relationships": [],
    }  # fmt: skip
    base.update(overrides)
    return base


def _rel(source, target, rel_type="runs-on"):
    return {"id": 0, "type": rel_type, "source": source, "target": target,
            "valid_from": "2025-01-01T00:00:00+00:00", "valid_to": None}  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            {1: _data(1)},
            {1: _data(1)},
            {
                "added": [],
                "removed": [],
                "changed": [],
                "relations_added": [],
                "relations_removed": [],
            },
            id="nothing changed",
        ),
        pytest.param(
            {1: _data(1)},
            {1: _data(1), 2: _data(2)},
            {"added": ["CI002"]},
            id="CI added",
        ),
        pytest.param(
            {1: _data(1), 2: _data(2)},
            {1: _data(1)},
            {"removed": ["CI002"]},
            id="CI removed",
        ),
        pytest.param(
            {1: _data(1, location="Rack 1")},
            {1: _data(1, location="Rack 2")},
            {"changed": [("CI001", [("location", "field", "Rack 1", "Rack 2")])]},
            id="field changed",
        ),
        pytest.param(
            {1: _data(1, attributes={"ram_gb": 8, "os": "Debian", "cpu": 4})},
            {1: _data(1, attributes={"ram_gb": 16, "cpu": 4, "disk": "1 TB"})},
            {
                "changed": [
                    (
                        "CI001",
                        [
                            ("disk", "attribute", None, "1 TB"),
                            ("os", "attribute", "Debian", None),
                            ("ram_gb", "attribute", 8, 16),
                        ],
                    )
                ]
            },
            id="attributes added, removed and changed",
        ),
        pytest.param(
            {1: _data(1, last_verified_at="2025-01-01")},
            {1: _data(1, last_verified_at="2025-06-01")},
            {"changed": []},
            id="a verification is not a configuration change",
        ),
        pytest.param(
            {1: _data(1, relationships=[_rel(1, 2)]), 2: _data(2, relationships=[_rel(1, 2)])},
            {1: _data(1, relationships=[_rel(1, 3)]), 2: _data(2)},
            {"relations_added": [(1, "runs-on", 3)], "relations_removed": [(1, "runs-on", 2)]},
            id="relation replaced",
        ),
        pytest.param(
            {1: _data(1, relationships=[_rel(1, 2)])},
            {1: _data(1, relationships=[_rel(1, 2, "uses")])},
            {"relations_added": [(1, "uses", 2)], "relations_removed": [(1, "runs-on", 2)]},
            id="same ends, other type",
        ),
        pytest.param(
            {1: _data(1)},
            {1: _data(1), 2: _data(2, relationships=[_rel(2, 9)])},
            {"added": ["CI002"], "relations_added": []},
            id="an added CI's own relations are not listed again",
        ),
    ],
)
def test_diff(old, new, expected):
    result = baselines.diff(old, new)
    if "added" in expected:
        assert _numbers_of(result["added"]) == expected["added"]
    if "removed" in expected:
        assert _numbers_of(result["removed"]) == expected["removed"]
    if "changed" in expected:
        got = [
            (row["number"], [(c["field"], c["kind"], c["old"], c["new"]) for c in row["changes"]])
            for row in result["changed"]
        ]
        assert got == [
            (n, [(f, k, o, v) for f, k, o, v in changes]) for n, changes in expected["changed"]
        ]
    for key in ("relations_added", "relations_removed"):
        if key in expected:
            assert [(r["source"], r["type"], r["target"]) for r in result[key]] == [
                tuple(t) for t in expected[key]
            ]


# --- Comparing: with now and between baselines -------------------------------------------


def _change_the_estate(config_admin, estate, server, runs_on):
    """db01 gets more RAM and a new location; the app moves from web01 to web02."""
    services.ci_update(
        actor=config_admin,
        ci_id=estate["db01"].pk,
        data={"attributes": {"ram_gb": 128}, "location": "DC2"},
    )
    web02 = services.ci_create(
        actor=config_admin, ci_class=server, name="web02", attributes={"ram_gb": 16}
    )
    services.relationship_add(
        actor=config_admin, source_id=estate["app"].pk, target_id=web02.pk, type_id=runs_on.pk
    )
    old_link = Relationship.objects.get(source=estate["app"], target=estate["web01"])
    services.relationship_end(actor=config_admin, relationship_id=old_link.pk)
    return web02


def test_a_service_baseline_compared_with_now(config_admin, estate, server, runs_on):
    baseline = baselines.baseline_take(actor=config_admin, name="Before", service=estate["payroll"])
    unchanged = baselines.baseline_compare(baseline)
    assert unchanged["counts"] == {"added": 0, "removed": 0, "changed": 0,
                                   "relations_added": 0, "relations_removed": 0}  # fmt: skip

    web02 = _change_the_estate(config_admin, estate, server, runs_on)
    result = baselines.baseline_compare(baseline)

    # web02 newly supports the service; web01 no longer does.
    assert _numbers_of(result["added"]) == [web02.number]
    assert _numbers_of(result["removed"]) == [estate["web01"].number]
    [db01] = result["changed"]
    assert db01["number"] == estate["db01"].number
    assert [(c["label"], c["old_text"], c["new_text"]) for c in db01["changes"]] == [
        ("Location", "", "DC2"),
        ("ram_gb", 64, 128),
    ]
    app, web01 = estate["app"], estate["web01"]
    assert _relations(result["relations_added"]) == {_relation(app, runs_on, web02)}
    assert _relations(result["relations_removed"]) == {_relation(app, runs_on, web01)}
    [added] = result["relations_added"]
    assert added["type_text"] == "runs on"
    assert added["source_text"] == f"{app.number} payroll-app"
    assert added["target_text"] == f"{web02.number} web02"


def test_a_list_baseline_compared_with_now_keeps_its_cis(config_admin, estate, server, runs_on):
    baseline = baselines.baseline_take(
        actor=config_admin, name="Hosts", ci_ids=[estate["db01"].pk, estate["web01"].pk]
    )
    services.ci_update(actor=config_admin, ci_id=estate["web01"].pk, data={"status": "retired"})
    result = baselines.baseline_compare(baseline)
    assert result["added"] == [] and result["removed"] == []
    [web01] = result["changed"]
    assert [(c["label"], c["old_text"], c["new_text"]) for c in web01["changes"]] == [
        ("Status", "In production", "Retired")
    ]


def test_two_baselines_compared(config_admin, estate, server, runs_on):
    before = baselines.baseline_take(actor=config_admin, name="Before", service=estate["payroll"])
    web02 = _change_the_estate(config_admin, estate, server, runs_on)
    after = baselines.baseline_take(actor=config_admin, name="After", service=estate["payroll"])
    # Changes after the second baseline do not count in a comparison of the two.
    services.ci_update(actor=config_admin, ci_id=estate["db01"].pk, data={"location": "DC3"})

    result = baselines.baseline_compare(before, after)
    assert _numbers_of(result["added"]) == [web02.number]
    assert _numbers_of(result["removed"]) == [estate["web01"].number]
    assert [(c["field"], c["new"]) for c in result["changed"][0]["changes"]] == [
        ("location", "DC2"),
        ("ram_gb", 128),
    ]
    assert result["counts"]["relations_added"] == 1
    assert result["counts"]["relations_removed"] == 1
    # And the other way round, everything flips.
    back = baselines.baseline_compare(after, before)
    assert _numbers_of(back["added"]) == [estate["web01"].number]
    assert _numbers_of(back["removed"]) == [web02.number]


def test_reference_fields_are_shown_by_name(config_admin, estate, specialist):
    baseline = baselines.baseline_take(actor=config_admin, name="x", ci_ids=[estate["spare"].pk])
    services.ci_update(actor=config_admin, ci_id=estate["spare"].pk, data={"owner": specialist})
    [row] = baselines.baseline_compare(baseline)["changed"]
    [change] = row["changes"]
    assert (change["label"], change["old"], change["new"]) == ("Owner", None, specialist.pk)
    assert change["new_text"] == specialist.display_name


# --- API ----------------------------------------------------------------------------------


def test_admin_takes_lists_and_compares_baselines_over_the_api(api, config_admin, estate):
    client = api.as_(config_admin)
    r = client.post(
        "/api/v1/baselines/",
        {"name": "Payroll", "service": estate["payroll"].pk},
        format="json",
    )
    assert r.status_code == 201, r.json()
    first = r.json()
    assert first["number"].startswith("BL") and first["item_count"] == 4
    r = client.post(
        "/api/v1/baselines/",
        {"name": "Spare", "cis": [estate["spare"].pk, estate["db01"].pk]},
        format="json",
    )
    assert r.status_code == 201 and r.json()["item_count"] == 2
    second = r.json()

    r = client.get("/api/v1/baselines/")
    assert [b["name"] for b in r.json()["results"]] == ["Spare", "Payroll"]
    r = client.get(f"/api/v1/baselines/{second['id']}/")
    assert [i["number"] for i in r.json()["items"]] == sorted(
        [estate["spare"].number, estate["db01"].number]
    )
    assert r.json()["items"][0]["data"]["attributes"]

    r = client.get(f"/api/v1/baselines/{first['id']}/compare/")
    assert r.status_code == 200
    assert r.json()["compared_with"] is None and r.json()["counts"]["changed"] == 0
    r = client.get(f"/api/v1/baselines/{first['id']}/compare/?with={second['id']}")
    body = r.json()
    assert body["compared_with"] == second["id"]
    assert _numbers_of(body["added"]) == [estate["spare"].number]
    assert sorted(_numbers_of(body["removed"])) == sorted(
        estate[k].number for k in ("payroll_ci", "app", "web01")
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x"}, "cis"),
        ({"name": "x", "cis": ["a"]}, "cis"),
        ({"name": "", "cis": [1]}, "name"),
        ({"name": "x", "service": 999999}, "service"),
    ],
)
def test_bad_baseline_requests_are_400_with_field_messages(api, config_admin, payload, field):
    r = api.as_(config_admin).post("/api/v1/baselines/", payload, format="json")
    assert r.status_code == 400 and field in refused(r)
    assert not Baseline.objects.exists()


def test_compare_with_a_bad_or_unknown_baseline(api, config_admin, estate):
    baseline = baselines.baseline_take(actor=config_admin, name="x", ci_ids=[estate["app"].pk])
    client = api.as_(config_admin)
    r = client.get(f"/api/v1/baselines/{baseline.pk}/compare/?with=abc")
    assert r.status_code == 400 and "with" in field_errors(r)
    assert client.get(f"/api/v1/baselines/{baseline.pk}/compare/?with=999999").status_code == 404
    assert client.get("/api/v1/baselines/999999/compare/").status_code == 404


def test_a_provider_without_the_right_sees_but_cannot_take(api, config_admin, specialist, estate):
    baseline = baselines.baseline_take(actor=config_admin, name="x", ci_ids=[estate["app"].pk])
    client = api.as_(specialist)
    assert client.get("/api/v1/baselines/").json()["results"][0]["id"] == baseline.pk
    assert client.get(f"/api/v1/baselines/{baseline.pk}/compare/").status_code == 200
    r = client.post("/api/v1/baselines/", {"name": "y", "cis": [estate["app"].pk]}, format="json")
    assert r.status_code == 403
    assert Baseline.objects.count() == 1
    with pytest.raises(PermissionDenied, match=r"configuration\.baseline\.change"):
        baselines.baseline_take(actor=specialist, name="y", ci_ids=[estate["app"].pk])


def test_a_customer_sees_no_baselines(api, config_admin, requester, estate):
    baseline = baselines.baseline_take(actor=config_admin, name="x", ci_ids=[estate["app"].pk])
    client = api.as_(requester)
    assert client.get("/api/v1/baselines/").status_code == 403
    assert client.get(f"/api/v1/baselines/{baseline.pk}/").status_code == 403
    assert client.get(f"/api/v1/baselines/{baseline.pk}/compare/").status_code == 403
    r = client.post("/api/v1/baselines/", {"name": "y", "cis": [estate["app"].pk]}, format="json")
    assert r.status_code == 403


# --- Pages --------------------------------------------------------------------------------


def test_the_pages_render_for_a_configuration_administrator(client, config_admin, estate):
    before = baselines.baseline_take(actor=config_admin, name="Before", service=estate["payroll"])
    services.ci_update(actor=config_admin, ci_id=estate["db01"].pk, data={"location": "DC2"})
    client.force_login(config_admin)

    r = client.get(reverse("configuration:baseline-list"))
    assert r.status_code == 200
    assert before.number in r.text and "Take baseline" in r.text

    r = client.get(before.get_absolute_url())
    assert r.status_code == 200
    assert estate["db01"].number in r.text and "Before" in r.text
    assert reverse("configuration:ci-detail", args=[estate["db01"].pk]) in r.text

    r = client.get(reverse("configuration:baseline-compare", args=[before.pk]))
    assert r.status_code == 200
    assert "Changed CIs" in r.text and "DC2" in r.text
    assert reverse("configuration:ci-detail", args=[estate["db01"].pk]) in r.text


def test_the_take_form_with_a_service_or_ci_numbers(client, config_admin, estate):
    client.force_login(config_admin)
    url = reverse("configuration:baseline-create")
    r = client.get(url)
    assert r.status_code == 200 and "Payroll" in r.text

    r = client.post(url, {"name": "Payroll", "service": estate["payroll"].pk})
    baseline = Baseline.objects.get(name="Payroll")
    assert r.status_code == 302 and r["Location"] == baseline.get_absolute_url()
    assert baseline.items.count() == 4

    numbers = f"{estate['db01'].number}, {estate['web01'].number.lower()}\n"
    r = client.post(url, {"name": "Hosts", "cis": numbers})
    assert r.status_code == 302
    assert set(Baseline.objects.get(name="Hosts").items.values_list("ci_id", flat=True)) == {
        estate["db01"].pk,
        estate["web01"].pk,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x"}, "Choose a service or list the CIs to include."),
        ({"name": "x", "cis": "CI9999999"}, "No CI numbered CI9999999."),
        ({"name": "x", "cis": "{db01}", "service": "{payroll}"}, "not both"),
    ],
    ids=["nothing", "unknown number", "both"],
)
def test_the_take_form_shows_what_is_wrong(client, config_admin, estate, data, message):
    client.force_login(config_admin)
    data = {
        k: v.format(db01=estate["db01"].number, payroll=estate["payroll"].pk)
        for k, v in data.items()
    }
    r = client.post(reverse("configuration:baseline-create"), data)
    assert r.status_code == 400 and message in r.text
    assert not Baseline.objects.exists()


def test_the_compare_page_between_two_baselines(client, config_admin, estate, server, runs_on):
    before = baselines.baseline_take(actor=config_admin, name="Before", service=estate["payroll"])
    web02 = _change_the_estate(config_admin, estate, server, runs_on)
    after = baselines.baseline_take(actor=config_admin, name="After", service=estate["payroll"])
    client.force_login(config_admin)
    url = reverse("configuration:baseline-compare", args=[before.pk])
    r = client.get(url, {"with": after.pk})
    assert r.status_code == 200
    assert web02.number in r.text and estate["web01"].number in r.text
    assert "Added CIs" in r.text and "Removed CIs" in r.text and "runs on" in r.text
    assert client.get(url, {"with": "abc"}).status_code == 400
    assert client.get(url, {"with": before.pk}).status_code == 400
    assert client.get(url, {"with": 999999}).status_code == 404


def test_pages_refuse_who_may_not(client, config_admin, specialist, requester, estate):
    baseline = baselines.baseline_take(actor=config_admin, name="x", ci_ids=[estate["app"].pk])
    create = reverse("configuration:baseline-create")
    client.force_login(specialist)
    assert client.get(reverse("configuration:baseline-list")).status_code == 200
    assert "Take baseline" not in client.get(reverse("configuration:baseline-list")).text
    assert client.get(create).status_code == 403
    assert client.post(create, {"name": "y", "cis": estate["app"].number}).status_code == 403
    client.force_login(requester)
    for url in (
        reverse("configuration:baseline-list"),
        baseline.get_absolute_url(),
        reverse("configuration:baseline-compare", args=[baseline.pk]),
        create,
    ):
        assert client.get(url).status_code == 403, url
    assert Baseline.objects.count() == 1
