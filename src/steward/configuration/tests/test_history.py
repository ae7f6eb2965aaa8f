"""Showing a CI as it was: fields, attributes and relationships at any past moment."""

import contextlib
import datetime as dt

import pytest
from django.utils import timezone

from steward.configuration.services import cis as services
from steward.core.tests.factories import staff_fixture

UTC = dt.UTC


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


cfg = staff_fixture("cfg", "configuration_administrator", "cfg")


@pytest.fixture
def freeze_time(monkeypatch):
    """Set the clock the services and ``auto_now`` read (no extra test dependency)."""

    @contextlib.contextmanager
    def frozen(moment: dt.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        yield

    return frozen


@pytest.fixture
def world(cfg, analyst, freeze_time):
    """A server and an app with a month of history (see the dates in each step)."""
    with freeze_time(at(1)):
        server = services.ci_class_create(
            actor=cfg, name="Server", code="server", category="hardware"
        )
        services.attribute_define(
            actor=cfg, ci_class_id=server.pk, key="ram_gb", label="RAM", type="integer"
        )
        services.attribute_define(
            actor=cfg, ci_class_id=server.pk, key="ip", label="IP", type="ip_address"
        )
        app_class = services.ci_class_create(
            actor=cfg, name="Application", code="app", category="software"
        )
        runs_on = services.relationship_type_create(
            actor=cfg, code="runs-on", name="runs on", reverse_name="hosts"
        )
    with freeze_time(at(2)):
        srv = services.ci_create(
            actor=cfg, ci_class=server, name="srv1", attributes={"ram_gb": 16}, version="1"
        )
        app = services.ci_create(actor=cfg, ci_class=app_class, name="crm", status="in_stock")
    with freeze_time(at(5)):
        link = services.relationship_add(
            actor=cfg, source_id=app.pk, target_id=srv.pk, type_id=runs_on.pk
        )
        services.ci_update(actor=cfg, ci_id=app.pk, data={"status": "in_production"})
    with freeze_time(at(10)):
        services.ci_update(
            actor=cfg,
            ci_id=srv.pk,
            data={"version": "2", "owner": analyst, "attributes": {"ram_gb": 32, "ip": "10.0.0.5"}},
            cause="CHG000001",
        )
    with freeze_time(at(15)):
        services.relationship_end(actor=cfg, relationship_id=link.pk)
        services.ci_verify(actor=cfg, ci_id=srv.pk)
    with freeze_time(at(20)):
        services.ci_update(
            actor=cfg, ci_id=srv.pk, data={"name": "srv1-new", "attributes": {"ip": None}}
        )
    srv.refresh_from_db()
    app.refresh_from_db()
    return {"srv": srv, "app": app, "link": link, "analyst": analyst}


def _fields(snapshot: dict) -> dict:
    keys = ("name", "version", "owner", "status", "last_verified_at", "attributes")
    return {k: snapshot[k] for k in keys}


def test_server_as_of_each_date_reproduces_the_values_then(world):
    srv, analyst = world["srv"], world["analyst"]
    expected = {
        at(2): {"name": "srv1", "version": "1", "owner": None, "status": "in_production",
                "last_verified_at": None, "attributes": {"ram_gb": 16}},
        at(9): {"name": "srv1", "version": "1", "owner": None, "status": "in_production",
                "last_verified_at": None, "attributes": {"ram_gb": 16}},
        at(10): {"name": "srv1", "version": "2", "owner": analyst.pk, "status": "in_production",
                 "last_verified_at": None, "attributes": {"ram_gb": 32, "ip": "10.0.0.5"}},
        at(16): {"name": "srv1", "version": "2", "owner": analyst.pk, "status": "in_production",
                 "last_verified_at": at(15).isoformat(),
                 "attributes": {"ram_gb": 32, "ip": "10.0.0.5"}},
        at(25): {"name": "srv1-new", "version": "2", "owner": analyst.pk,
                 "status": "in_production", "last_verified_at": at(15).isoformat(),
                 "attributes": {"ram_gb": 32}},
    }  # fmt: skip
    for moment, values in expected.items():
        assert _fields(services.ci_as_of(srv, moment)) == values, moment


def test_as_of_now_equals_the_current_record(world):
    srv = world["srv"]
    now = services.ci_as_of(srv, at(30))
    assert now["name"] == srv.name and now["attributes"] == srv.attributes
    assert now["number"] == srv.number and now["ci_class"] == srv.ci_class_id


def test_relationships_as_of_each_date(world):
    app, srv, link = world["app"], world["srv"], world["link"]
    for moment in (at(4), at(15), at(25)):
        assert services.ci_as_of(app, moment)["relationships"] == []
        assert services.ci_as_of(srv, moment)["relationships"] == []
    expected = [
        {"id": link.pk, "type": "runs-on", "source": app.pk, "target": srv.pk,
         "valid_from": at(5), "valid_to": at(15)},
    ]  # fmt: skip
    for moment in (at(5), at(14)):
        assert services.ci_as_of(app, moment)["relationships"] == expected
        assert services.ci_as_of(srv, moment)["relationships"] == expected


def test_status_as_of(world):
    app = world["app"]
    assert services.ci_as_of(app, at(3))["status"] == "in_stock"
    assert services.ci_as_of(app, at(6))["status"] == "in_production"


def test_as_of_before_the_ci_existed_is_refused(world):
    with pytest.raises(ValueError, match="did not exist"):
        services.ci_as_of(world["srv"], at(1))


def test_history_rows_carry_actor_and_cause(world):
    srv = world["srv"]
    change = srv.changes.get(field="version", at=at(10))
    assert (change.old_value, change.new_value, change.cause) == ("1", "2", "CHG000001")
    assert change.actor.username == "cfg"
