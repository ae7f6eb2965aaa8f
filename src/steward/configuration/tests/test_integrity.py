"""CMDB integrity checks: each check finds exactly what it should (retired CIs never),
runs keep counts and capped findings, the trend, and who may run and read them."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.configuration.models import (
    AttributeDefinition,
    CIClass,
    ConfigurationItem,
    IntegrityRun,
    Relationship,
    RelationshipRule,
    RelationshipType,
)
from steward.configuration.queries.integrity import integrity_trend
from steward.configuration.services import integrity
from steward.core.tests.api import field_errors
from steward.service_level.models import Service

_numbers = itertools.count(1)
NOW = timezone.now()


def _class(code: str, parent: CIClass | None = None, mandatory: tuple[str, ...] = ()) -> CIClass:
    cls = CIClass.objects.create(name=code.title(), code=code, category="hardware", parent=parent)
    for key in mandatory:
        AttributeDefinition.objects.create(
            ci_class=cls, key=key, label=key.upper(), type="string", mandatory=True
        )
    return cls


def _ci(name: str, cls: CIClass, **kwargs) -> ConfigurationItem:
    """A CI written directly, so the data may break the rules the services enforce."""
    kwargs.setdefault("attributes", {})
    return ConfigurationItem.objects.create(
        number=f"CI{next(_numbers):07d}", name=name, ci_class=cls, **kwargs
    )


def _type(code: str, impact: bool = True) -> RelationshipType:
    return RelationshipType.objects.create(
        code=code, name=code.replace("-", " "), reverse_name=code, impact_flows_to_source=impact
    )


def _link(source, target, rel_type, ended: bool = False) -> Relationship:
    return Relationship.objects.create(
        source=source,
        target=target,
        type=rel_type,
        valid_from=NOW - dt.timedelta(days=30),
        valid_to=NOW - dt.timedelta(days=1) if ended else None,
    )


def _names(findings, check):
    return sorted(f["name"] for f in findings if f["check"] == check)


# --- The worlds each check is tested in ------------------------------------------------


def world_missing_mandatory():
    server = _class("server", mandatory=("ram",))
    linux = _class("linux", parent=server, mandatory=("kernel",))
    app = _class("app")
    _ci("server ok", server, attributes={"ram": "8"})
    _ci("server without ram", server)
    _ci("server ram null", server, attributes={"ram": None})
    _ci("server ram empty", server, attributes={"ram": ""})
    _ci("linux ok", linux, attributes={"ram": "8", "kernel": "6.1"})
    _ci("linux inherits ram", linux, attributes={"kernel": "6.1"})
    _ci("linux missing both", linux, attributes={"other": "x"})
    _ci("server ram zero", server, attributes={"ram": 0})
    _ci("server ram false", server, attributes={"ram": False})
    _ci("retired without ram", server, status="retired")
    _ci("app has no mandatory", app)
    return ["linux inherits ram", "linux missing both", "server ram empty", "server ram null",
            "server without ram"]  # fmt: skip


def world_broken_rule():
    app, server, laptop = _class("app"), _class("server"), _class("laptop")
    linux = _class("linux", parent=server)
    runs_on, documented, uses = _type("runs-on"), _type("documented-by", False), _type("uses")
    RelationshipRule.objects.create(type=runs_on, source_class=app, target_class=server)
    a = _ci("app", app)
    _link(a, _ci("linux host", linux), runs_on)  # a subclass of an allowed target
    _link(a, _ci("server host", server), runs_on)
    _link(_ci("app on a laptop", app), _ci("laptop 1", laptop), runs_on)
    _link(_ci("laptop on a server", laptop), _ci("server 2", server), runs_on)
    _link(_ci("app once on a laptop", app), _ci("laptop 2", laptop), runs_on, ended=True)
    _link(_ci("retired app", app, status="retired"), _ci("laptop 3", laptop), runs_on)
    _link(_ci("app on a retired laptop", app), _ci("laptop 4", laptop, status="retired"), runs_on)
    _link(_ci("laptop documented", laptop), a, documented)  # a type without rules
    _link(_ci("server uses", server), _ci("laptop 5", laptop), uses)
    return ["app on a laptop", "laptop on a server"]


def world_orphan():
    cls = _class("thing")
    runs_on, documented = _type("runs-on"), _type("documented-by", False)
    payroll = Service.objects.create(number="SVC000001", name="Payroll")
    mail = Service.objects.create(number="SVC000002", name="Mail")
    old = Service.objects.create(number="SVC000003", name="Old")
    svc = _ci("payroll service", cls, service=payroll)
    _ci("mail service", cls, service=mail)  # a service CI with nothing under it
    app, db = _ci("app", cls), _ci("db", cls)
    _link(svc, app, runs_on)
    _link(app, db, runs_on)  # deep support counts
    _link(db, _ci("manual", cls), documented)  # no impact flows: orphan
    _link(_ci("dashboard", cls), svc, runs_on)  # runs on the service; no service runs on it
    _link(app, _ci("old disk", cls), runs_on, ended=True)  # an ended link carries nothing
    retired_hop = _ci("retired switch", cls, status="retired")
    _link(svc, retired_hop, runs_on)
    _link(retired_hop, _ci("behind retired", cls), runs_on)
    old_svc = _ci("old service", cls, service=old, status="retired")
    _link(old_svc, _ci("under a retired service", cls), runs_on)
    _ci("lonely", cls)
    _ci("in stock", cls, status="in_stock")
    _ci("in repair", cls, status="in_repair")
    _ci("retired", cls, status="retired")
    return ["behind retired", "dashboard", "lonely", "manual", "old disk",
            "under a retired service"]  # fmt: skip


def world_stale():
    cls = _class("thing")
    cases = {
        # name: (updated days ago, verified days ago or None, status)
        "old never verified": (200, None, "in_production"),
        "old verified long ago": (300, 190, "in_stock"),
        "old verified lately": (200, 5, "in_production"),
        "updated lately": (10, None, "in_production"),
        "just inside": (179, None, "in_production"),
        "old retired": (400, None, "retired"),
    }
    for name, (updated, verified, status) in cases.items():
        ci = _ci(name, cls, status=status)
        ConfigurationItem.objects.filter(pk=ci.pk).update(
            updated_at=NOW - dt.timedelta(days=updated),
            last_verified_at=NOW - dt.timedelta(days=verified) if verified else None,
        )
    return ["old never verified", "old verified long ago"]


def world_duplicate_serial():
    cls = _class("thing")
    _ci("a", cls, serial_number="SN-1")
    _ci("b", cls, serial_number="SN-1")
    _ci("c", cls, serial_number="  sn-1 ")  # the same serial, typed differently
    _ci("d", cls, serial_number="SN-2")
    _ci("e", cls, serial_number="SN-2", status="retired")
    _ci("f", cls, serial_number="")
    _ci("g", cls, serial_number="")
    _ci("h", cls, serial_number="SN-3")
    _ci("i", cls, serial_number="SN-4", status="in_stock")
    _ci("j", cls, serial_number="SN-4", status="in_repair")
    return ["a", "b", "c", "i", "j"]


CHECKS = {
    "missing_mandatory": (world_missing_mandatory, integrity.check_missing_mandatory),
    "broken_rule": (world_broken_rule, integrity.check_broken_rules),
    "orphan": (world_orphan, integrity.check_orphans),
    "stale": (world_stale, lambda: integrity.check_stale(180)),
    "duplicate_serial": (world_duplicate_serial, integrity.check_duplicate_serials),
}


@pytest.mark.django_db
@pytest.mark.parametrize("check", list(CHECKS))
def test_each_check_finds_what_it_should_and_nothing_else(check):
    build, run = CHECKS[check]
    expected = build()
    count, findings = run()
    assert _names(findings, check) == sorted(expected)
    assert count == len(expected)
    assert all(f["detail"] and f["number"].startswith("CI") for f in findings)


@pytest.mark.django_db
@pytest.mark.parametrize("check", list(CHECKS))
def test_a_full_run_records_each_check(check):
    build, _ = CHECKS[check]
    expected = build()
    run = integrity.integrity_run(trigger="scheduled", stale_after_days=180)
    assert run.counts[check] == len(expected)
    assert _names(run.findings, check) == sorted(expected)
    assert list(run.counts) == [
        "missing_mandatory", "broken_rule", "orphan", "stale", "duplicate_serial",
    ]  # fmt: skip


@pytest.mark.django_db
def test_finding_details_say_what_is_wrong():
    world_missing_mandatory()
    _, findings = integrity.check_missing_mandatory()
    by_name = {f["name"]: f["detail"] for f in findings}
    assert by_name["linux missing both"] == "Missing: RAM, KERNEL."
    ConfigurationItem.objects.all().delete()
    world_duplicate_serial()
    _, findings = integrity.check_duplicate_serials()
    by_name = {f["name"]: f["detail"] for f in findings}
    b, c = (ConfigurationItem.objects.get(name=n).number for n in "bc")
    assert by_name["a"] == f"Serial number SN-1 is also on {b}, {c}."


@pytest.mark.django_db
def test_findings_are_capped_but_counted():
    world_missing_mandatory()
    count, findings = integrity.check_missing_mandatory(cap=2)
    assert count == 5 and len(findings) == 2


@pytest.mark.django_db
def test_the_stale_age_comes_from_the_run_or_the_setting(settings):
    world_stale()
    settings.CMDB_STALE_AFTER_DAYS = 195
    run = integrity.integrity_run(trigger="scheduled")
    # "old verified long ago" was verified 190 days ago: recent enough for 195 days.
    assert run.stale_after_days == 195
    assert _names(run.findings, "stale") == ["old never verified"]
    run = integrity.integrity_run(trigger="scheduled", stale_after_days=150)
    assert run.counts["stale"] == 3  # "just inside" (179 days) is stale after 150 days


@pytest.mark.django_db
def test_a_scheduled_run_has_no_actor_and_an_on_demand_run_needs_the_right(specialist):
    run = integrity.integrity_run_scheduled()
    assert (run.trigger, run.actor, run.stale_after_days) == ("scheduled", None, 180)
    assert run.finished_at >= run.started_at
    with pytest.raises(PermissionDenied, match=r"configuration\.integrity\.run"):
        integrity.integrity_run(actor=specialist, trigger="on_demand")
    assert IntegrityRun.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("days", [0, -1, 36_501, "x", True])
def test_a_bad_stale_age_is_refused(days):
    with pytest.raises(ValidationError) as caught:
        integrity.integrity_run(trigger="on_demand", stale_after_days=days)
    assert "stale_after_days" in caught.value.message_dict
    assert not IntegrityRun.objects.exists()


@pytest.mark.django_db
def test_the_trend_lists_the_counts_of_the_last_runs_oldest_first(admin_person):
    cls = _class("thing")
    integrity.integrity_run(trigger="scheduled")
    _ci("a", cls, serial_number="X")
    _ci("b", cls, serial_number="X")
    integrity.integrity_run(trigger="scheduled")
    ConfigurationItem.objects.filter(name="b").update(status="retired")
    integrity.integrity_run(actor=admin_person, trigger="on_demand")
    trend = integrity_trend(admin_person)
    assert [row["counts"]["duplicate_serial"] for row in trend] == [0, 2, 0]
    assert [row["counts"]["orphan"] for row in trend] == [0, 2, 1]
    assert [row["trigger"] for row in trend] == ["scheduled", "scheduled", "on_demand"]
    assert len(integrity_trend(admin_person, runs=2)) == 2


@pytest.mark.django_db
def test_a_run_takes_the_same_few_queries_however_large_the_cmdb(django_assert_max_num_queries):
    cls = _class("server", mandatory=("ram",))
    runs_on = _type("runs-on")
    RelationshipRule.objects.create(type=runs_on, source_class=cls, target_class=cls)
    ConfigurationItem.objects.bulk_create(
        ConfigurationItem(
            number=f"CI{n:07d}", name=f"n{n}", ci_class=cls, serial_number=f"S{n % 900}"
        )
        for n in range(1, 3001)
    )
    ids = list(ConfigurationItem.objects.order_by("pk").values_list("pk", flat=True))
    Relationship.objects.bulk_create(
        Relationship(source_id=a, target_id=b, type=runs_on, valid_from=NOW)
        for a, b in itertools.pairwise(ids)
    )
    with django_assert_max_num_queries(25):
        run = integrity.integrity_run(trigger="scheduled")
    assert run.counts["missing_mandatory"] == 3000
    assert run.counts["duplicate_serial"] == 3000
    assert run.counts["orphan"] == 3000
    assert len([f for f in run.findings if f["check"] == "orphan"]) == integrity.FINDINGS_CAP


# --- API ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_runs_the_checks_and_reads_the_runs_over_the_api(api, config_admin):
    world_duplicate_serial()
    client = api.as_(config_admin)
    r = client.post("/api/v1/integrity-runs/", {"stale_after_days": 30}, format="json")
    assert r.status_code == 201, r.json()
    run = r.json()
    assert run["trigger"] == "on_demand" and run["actor"] == config_admin.pk
    assert run["stale_after_days"] == 30 and run["counts"]["duplicate_serial"] == 5
    assert {f["check"] for f in run["findings"]} == {"duplicate_serial", "orphan"}

    r = client.get("/api/v1/integrity-runs/")
    assert [x["id"] for x in r.json()["results"]] == [run["id"]]
    assert "findings" not in r.json()["results"][0]
    r = client.get(f"/api/v1/integrity-runs/{run['id']}/")
    assert len(r.json()["findings"]) == sum(run["counts"].values())

    r = client.post("/api/v1/integrity-runs/", {"stale_after_days": 0}, format="json")
    assert r.status_code == 400 and "stale_after_days" in field_errors(r)


@pytest.mark.django_db
def test_the_api_refuses_who_may_not(api, specialist, requester):
    run = integrity.integrity_run_scheduled()
    client = api.as_(specialist)
    assert client.get("/api/v1/integrity-runs/").status_code == 200
    assert client.post("/api/v1/integrity-runs/", {}, format="json").status_code == 403
    client = api.as_(requester)
    assert client.get("/api/v1/integrity-runs/").status_code == 403
    assert client.get(f"/api/v1/integrity-runs/{run.pk}/").status_code == 403
    assert client.post("/api/v1/integrity-runs/", {}, format="json").status_code == 403
    assert IntegrityRun.objects.count() == 1


# --- Pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_report_page_counts_links_and_trend(client, config_admin):
    world_duplicate_serial()
    integrity.integrity_run_scheduled()
    ConfigurationItem.objects.filter(name="j").update(status="retired")
    latest = integrity.integrity_run_scheduled()
    client.force_login(config_admin)
    r = client.get(reverse("configuration:integrity-report"))
    assert r.status_code == 200
    assert "Run now" in r.text
    assert ">Integrity checks</a>" in r.text and ">Baselines</a>" in r.text  # navigation
    assert f"{latest.get_absolute_url()}?check=duplicate_serial#findings" in r.text
    assert "Duplicate serial numbers over the last 2 runs: 5, 3" in r.text  # the chart's label
    assert r.text.count("</title></rect>") == 2 * 5  # a bar per run per check

    r = client.get(latest.get_absolute_url(), {"check": "duplicate_serial"})
    assert r.status_code == 200
    a = ConfigurationItem.objects.get(name="a")
    assert reverse("configuration:ci-detail", args=[a.pk]) in r.text
    assert "is also on" in r.text and "CIs with no service" not in r.text.split('id="findings"')[1]


@pytest.mark.django_db
def test_run_now_from_the_page(client, config_admin):
    client.force_login(config_admin)
    url = reverse("configuration:integrity-report")
    r = client.post(url, {"stale_after_days": "90"})
    run = IntegrityRun.objects.get()
    assert r.status_code == 302 and r["Location"] == run.get_absolute_url()
    assert (run.trigger, run.actor, run.stale_after_days) == ("on_demand", config_admin, 90)
    r = client.post(url, {"stale_after_days": "0"})
    assert r.status_code == 400 and IntegrityRun.objects.count() == 1


@pytest.mark.django_db
def test_the_report_before_any_run(client, specialist):
    client.force_login(specialist)
    r = client.get(reverse("configuration:integrity-report"))
    assert r.status_code == 200
    assert "The checks have not run yet." in r.text and "Run now" not in r.text


@pytest.mark.django_db
def test_pages_refuse_who_may_not(client, specialist, requester):
    run = integrity.integrity_run_scheduled()
    report = reverse("configuration:integrity-report")
    client.force_login(specialist)
    assert client.get(run.get_absolute_url()).status_code == 200
    assert client.post(report, {"stale_after_days": "90"}).status_code == 403
    client.force_login(requester)
    assert client.get(report).status_code == 403
    assert client.get(run.get_absolute_url()).status_code == 403
    assert client.post(report).status_code == 403
    assert IntegrityRun.objects.count() == 1
    client.force_login(specialist)
    assert (
        client.get(reverse("configuration:integrity-run-detail", args=[999999])).status_code == 404
    )
