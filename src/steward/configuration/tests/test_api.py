"""The CMDB over /api/v1/: who may read and write, field messages, impact and as-of."""

import datetime as dt

import pytest
from django.utils import timezone

from steward.configuration.models import (
    AttributeDefinition,
    CIChange,
    CIClass,
    ConfigurationItem,
    Relationship,
)
from steward.configuration.services import cis as services
from steward.core.tests.api import field_errors


def _ci(actor, ci_class, name, **kwargs):
    return services.ci_create(
        actor=actor, ci_class=ci_class, name=name, attributes={"ram_gb": 8}, **kwargs
    )


def test_admin_builds_the_cmdb_through_the_api(api, config_admin, runs_on):
    client = api.as_(config_admin)
    r = client.post(
        "/api/v1/ci-classes/", {"name": "Server", "code": "server", "category": "hardware"},
        format="json",
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    server_id = r.json()["id"]
    r = client.post(
        "/api/v1/ci-classes/",
        {"name": "Linux server", "code": "linux", "category": "hardware", "parent": server_id},
        format="json",
    )
    linux_id = r.json()["id"]
    r = client.post(
        f"/api/v1/ci-classes/{server_id}/attributes/",
        {"key": "ram_gb", "label": "RAM", "type": "integer", "mandatory": True},
        format="json",
    )
    assert r.status_code == 201, r.json()
    # The subclass shows the inherited definition.
    r = client.get(f"/api/v1/ci-classes/{linux_id}/")
    assert [a["key"] for a in r.json()["attributes"]] == ["ram_gb"]

    r = client.post(
        "/api/v1/cis/",
        {"ci_class": linux_id, "name": "db01", "serial_number": "SN-1",
         "attributes": {"ram_gb": "64"}},
        format="json",
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    db01 = r.json()
    assert db01["number"].startswith("CI") and db01["attributes"] == {"ram_gb": 64}
    r = client.post(
        "/api/v1/cis/", {"ci_class": server_id, "name": "app", "attributes": {"ram_gb": 4}},
        format="json",
    )  # fmt: skip
    app_id = r.json()["id"]

    r = client.post(
        "/api/v1/relationships/",
        {"source": app_id, "target": db01["id"], "type": runs_on.pk},
        format="json",
    )
    assert r.status_code == 201, r.json()
    rel_id = r.json()["id"]

    r = client.patch(f"/api/v1/cis/{db01['id']}/", {"attributes": {"ram_gb": 128}}, format="json")
    assert r.status_code == 200 and r.json()["attributes"] == {"ram_gb": 128}
    r = client.post(f"/api/v1/cis/{db01['id']}/verify/")
    assert r.status_code == 200 and r.json()["last_verified_at"]
    r = client.get(f"/api/v1/cis/{db01['id']}/history/")
    assert {"field": "attributes.ram_gb", "old": 64, "new": 128} in [
        {"field": c["field"], "old": c["old_value"], "new": c["new_value"]} for c in r.json()
    ]

    # Filters: class includes subclasses; attribute/value; q on serial number.
    r = client.get(f"/api/v1/cis/?ci_class={server_id}")
    assert {c["id"] for c in r.json()["results"]} == {app_id, db01["id"]}
    r = client.get("/api/v1/cis/?attribute=ram_gb&value=128")
    assert [c["id"] for c in r.json()["results"]] == [db01["id"]]
    r = client.get("/api/v1/cis/?q=SN-1")
    assert [c["id"] for c in r.json()["results"]] == [db01["id"]]

    r = client.get(f"/api/v1/relationships/?ci={app_id}&current=true")
    assert [x["id"] for x in r.json()["results"]] == [rel_id]
    r = client.post(f"/api/v1/relationships/{rel_id}/end/", {"cause": "CHG1"}, format="json")
    assert r.status_code == 200 and r.json()["valid_to"]
    r = client.get(f"/api/v1/relationships/?ci={app_id}&current=true")
    assert r.json()["results"] == []
    r = client.post(f"/api/v1/relationships/{rel_id}/end/", {}, format="json")
    assert r.status_code == 400 and "relationship" in field_errors(r)

    r = client.post(
        "/api/v1/relationship-types/",
        {"code": "uses", "name": "uses", "reverse_name": "used by"},
        format="json",
    )
    assert r.status_code == 201
    assert {t["code"] for t in client.get("/api/v1/relationship-types/").json()["results"]} == {
        "runs-on", "uses",
    }  # fmt: skip


def test_bad_attributes_answer_400_with_field_messages(api, config_admin, server):
    r = api.as_(config_admin).post(
        "/api/v1/cis/",
        {"ci_class": server.pk, "name": "x", "attributes": {"ram_gb": "lots", "colour": "red"}},
        format="json",
    )
    assert r.status_code == 400
    errors = field_errors(r)
    assert errors["attributes.ram_gb"] == ["Enter a whole number."]
    assert "attributes.colour" in errors
    assert not ConfigurationItem.objects.exists()


def test_unknown_ids_answer_404(api, config_admin, server):
    client = api.as_(config_admin)
    assert client.get("/api/v1/cis/999999/").status_code == 404
    assert client.get("/api/v1/cis/999999/impact/").status_code == 404
    assert client.get("/api/v1/ci-classes/999999/").status_code == 404
    assert client.post("/api/v1/relationships/999999/end/").status_code == 404
    r = client.post("/api/v1/cis/", {"ci_class": 999999, "name": "x"}, format="json")
    assert r.status_code == 400 and "ci_class" in field_errors(r)


def test_anonymous_gets_401(api, db):
    assert api.get("/api/v1/cis/").status_code == 401
    assert api.post("/api/v1/ci-classes/", {}, format="json").status_code == 401


@pytest.mark.parametrize("who", ["no_role_person", "requester"])
def test_no_role_and_requester_get_403(api, request, config_admin, server, who):
    person = request.getfixturevalue(who)
    ci = _ci(config_admin, server, "db01")
    client = api.as_(person)
    assert client.get("/api/v1/cis/").status_code == 403
    assert client.get(f"/api/v1/cis/{ci.pk}/impact/").status_code == 403
    assert client.get("/api/v1/ci-classes/").status_code == 403
    r = client.post("/api/v1/cis/", {"ci_class": server.pk, "name": "x"}, format="json")
    assert r.status_code == 403
    assert ConfigurationItem.objects.count() == 1


def test_specialist_reads_but_may_not_write(api, config_admin, specialist, server, runs_on):
    a, b = _ci(config_admin, server, "a"), _ci(config_admin, server, "b")
    client = api.as_(specialist)
    assert client.get(f"/api/v1/cis/{a.pk}/").status_code == 200
    assert client.get(f"/api/v1/cis/{a.pk}/impact/").status_code == 200
    assert client.get("/api/v1/ci-classes/").status_code == 200
    writes = [
        ("post", "/api/v1/ci-classes/", {"name": "N", "code": "n", "category": "other"}),
        ("post", f"/api/v1/ci-classes/{server.pk}/attributes/",
         {"key": "k", "label": "K", "type": "string"}),
        ("post", "/api/v1/cis/", {"ci_class": server.pk, "name": "x",
                                  "attributes": {"ram_gb": 1}}),
        ("patch", f"/api/v1/cis/{a.pk}/", {"name": "renamed"}),
        ("post", f"/api/v1/cis/{a.pk}/verify/", {}),
        ("post", "/api/v1/relationships/", {"source": a.pk, "target": b.pk, "type": runs_on.pk}),
        ("post", "/api/v1/relationship-types/", {"code": "x", "name": "x", "reverse_name": "y"}),
    ]  # fmt: skip
    for method, url, body in writes:
        assert getattr(client, method)(url, body, format="json").status_code == 403, url
    assert CIClass.objects.count() == 1 and AttributeDefinition.objects.count() == 1
    assert ConfigurationItem.objects.count() == 2 and not Relationship.objects.exists()
    a.refresh_from_db()
    assert a.name == "a" and a.last_verified_at is None


def test_impact_on_a_diamond(api, config_admin, server, runs_on):
    # app and web both run on db; portal runs on app and web: a db failure reaches all three.
    db_, app, web, portal, other = (
        _ci(config_admin, server, n) for n in ("db", "app", "web", "portal", "other")
    )
    for source, target in ((app, db_), (web, db_), (portal, app), (portal, web)):
        services.relationship_add(
            actor=config_admin, source_id=source.pk, target_id=target.pk, type_id=runs_on.pk
        )
    r = api.as_(config_admin).get(f"/api/v1/cis/{db_.pk}/impact/")
    assert r.status_code == 200
    body = r.json()
    assert body["ci"] == {"id": db_.pk, "number": db_.number, "name": "db", "class": "Server"}
    assert [c["id"] for c in body["affected"]] == [app.pk, portal.pk, web.pk]
    assert body["affected"][0] == {
        "id": app.pk, "number": app.number, "name": "app", "class": "Server",
    }  # fmt: skip
    assert body["services"] == [] and body["agreements"] == [] and body["customers"] == []
    r = api.as_(config_admin).get(f"/api/v1/cis/{portal.pk}/impact/")
    assert r.json()["affected"] == []
    assert other.pk not in [c["id"] for c in body["affected"]]


def test_as_of_shows_the_ci_as_it_was(api, config_admin, server):
    ci = _ci(config_admin, server, "db01")
    past = timezone.now() - dt.timedelta(days=10)
    # Pretend the CI was registered long ago with 8 GB, then upgraded yesterday.
    ConfigurationItem.objects.filter(pk=ci.pk).update(created_at=past)
    CIChange.objects.filter(ci=ci).update(at=past)
    services.ci_update(actor=config_admin, ci_id=ci.pk, data={"attributes": {"ram_gb": 32}})
    client = api.as_(config_admin)
    at = (past + dt.timedelta(days=1)).isoformat()
    r = client.get(f"/api/v1/cis/{ci.pk}/as-of/", {"at": at})
    assert r.status_code == 200, r.json()
    assert r.json()["attributes"] == {"ram_gb": 8}
    r = client.get(f"/api/v1/cis/{ci.pk}/as-of/", {"at": timezone.now().isoformat()})
    assert r.json()["attributes"] == {"ram_gb": 32}

    r = client.get(f"/api/v1/cis/{ci.pk}/as-of/")
    assert r.status_code == 400 and "at" in field_errors(r)
    r = client.get(f"/api/v1/cis/{ci.pk}/as-of/", {"at": "yesterday"})
    assert r.status_code == 400 and "at" in field_errors(r)
    r = client.get(f"/api/v1/cis/{ci.pk}/as-of/", {"at": "2000-01-01"})
    assert r.status_code == 400 and "did not exist" in field_errors(r)["at"][0]
