"""Restoring a baseline (``baselines.baseline_restore``, used by a release's rollback):
fields, attributes and relations back as frozen, through the CMDB services (history and
timelines), what cannot be put back listed, and who may do it."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied

from steward.configuration.choices import CIStatus
from steward.configuration.models import CIChange, ConfigurationItem, Relationship
from steward.configuration.services import baselines
from steward.configuration.services import cis as services
from steward.core.tests.factories import staff_fixture
from steward.service_level.models import Service

_numbers = itertools.count(1)
release_admin = staff_fixture("release_admin", "release_administrator", "reladm")


@pytest.fixture
def estate(config_admin, server, runs_on):
    """Mail (a service CI) runs on mail01 and mail02; spare01 stands alone."""
    app = services.ci_class_create(actor=config_admin, name="App", code="app", category="software")
    mail = Service.objects.create(number=f"SVC{next(_numbers):06d}", name="Mail")
    ci = services.ci_create
    mail_ci = ci(actor=config_admin, ci_class=app, name="Mail", service=mail, version="1.0")
    one = ci(actor=config_admin, ci_class=server, name="mail01", attributes={"ram_gb": 16})
    two = ci(actor=config_admin, ci_class=server, name="mail02", attributes={"ram_gb": 8})
    spare = ci(actor=config_admin, ci_class=server, name="spare01", attributes={"ram_gb": 4})
    link = services.relationship_add
    link(actor=config_admin, source_id=mail_ci.pk, target_id=one.pk, type_id=runs_on.pk)
    link(actor=config_admin, source_id=mail_ci.pk, target_id=two.pk, type_id=runs_on.pk)
    return {"service": mail, "mail": mail_ci, "one": one, "two": two, "spare": spare}


def _equal(baseline):
    compared = baselines.baseline_compare(baseline)
    return all(not compared[key] for key in compared["counts"])


def _deploy(actor, estate, runs_on):
    """What a release does: a new version, an attribute changed and one added, a status,
    a relation ended and another added (the spare joins the service)."""
    services.ci_update(actor=actor, ci_id=estate["mail"].pk,
                       data={"version": "2.0", "status": CIStatus.IN_REPAIR})  # fmt: skip
    services.ci_update(actor=actor, ci_id=estate["one"].pk, data={"attributes": {"ram_gb": 32}})
    ended = Relationship.objects.get(source=estate["mail"], target=estate["two"])
    services.relationship_end(actor=actor, relationship_id=ended.pk)
    services.relationship_add(actor=actor, source_id=estate["mail"].pk,
                              target_id=estate["spare"].pk, type_id=runs_on.pk)  # fmt: skip


def test_a_restore_puts_fields_attributes_and_relations_back(config_admin, estate, runs_on):
    baseline = baselines.baseline_take(actor=config_admin, name="Before", service=estate["service"])
    _deploy(config_admin, estate, runs_on)
    assert not _equal(baseline)

    restored = baselines.baseline_restore(actor=config_admin, baseline=baseline,
                                          reason="Rollback REL000001")  # fmt: skip

    assert _equal(baseline)
    assert baselines.diff(baselines.baseline_data(baseline),
                          baselines.current_data(baselines.baseline_data(baseline))) == {
        "added": [], "removed": [], "changed": [], "relations_added": [],
        "relations_removed": []}  # fmt: skip
    by_name = {row["name"]: row for row in restored["cis"]}
    assert by_name["Mail"]["fields"] == ["status", "version"]
    assert by_name["mail01"]["attributes"] == ["ram_gb"]
    assert restored["relations_ended"] == [
        {"source": estate["mail"].pk, "type": "runs-on", "target": estate["spare"].pk}
    ]
    assert restored["relations_added"] == [
        {"source": estate["mail"].pk, "type": "runs-on", "target": estate["two"].pk}
    ]
    assert restored["not_restored"] == []
    # Through the CMDB services: the history names the cause.
    assert CIChange.objects.filter(ci=estate["mail"], field="version", new_value="1.0",
                                   cause="Rollback REL000001").exists()  # fmt: skip
    assert ConfigurationItem.objects.get(pk=estate["one"].pk).attributes == {"ram_gb": 16}


def test_an_attribute_added_since_is_removed(config_admin, estate, server):
    services.attribute_define(actor=config_admin, ci_class_id=server.pk, key="rack",
                              label="Rack", type="string")  # fmt: skip
    baseline = baselines.baseline_take(actor=config_admin, name="B", ci_ids=[estate["two"].pk])
    services.ci_update(
        actor=config_admin, ci_id=estate["two"].pk, data={"attributes": {"rack": "R1"}}
    )

    restored = baselines.baseline_restore(actor=config_admin, baseline=baseline, reason="x")

    assert ConfigurationItem.objects.get(pk=estate["two"].pk).attributes == {"ram_gb": 8}
    assert restored["cis"][0]["attributes"] == ["rack"]
    assert _equal(baseline)


def test_nothing_changed_nothing_written(config_admin, estate):
    baseline = baselines.baseline_take(actor=config_admin, name="B", service=estate["service"])
    before = CIChange.objects.count()

    restored = baselines.baseline_restore(actor=config_admin, baseline=baseline, reason="x")

    assert restored == {"cis": [], "relations_ended": [], "relations_added": [],
                        "not_restored": []}  # fmt: skip
    assert CIChange.objects.count() == before


def test_a_reference_field_is_set_back(config_admin, estate):
    from steward.core.tests.factories import make_person

    owner = make_person("specialist", username="owner2")
    services.ci_update(actor=config_admin, ci_id=estate["two"].pk, data={"owner": owner})
    baseline = baselines.baseline_take(actor=config_admin, name="B", ci_ids=[estate["two"].pk])
    services.ci_update(actor=config_admin, ci_id=estate["two"].pk, data={"owner": None})

    restored = baselines.baseline_restore(actor=config_admin, baseline=baseline, reason="x")

    assert restored["cis"][0]["fields"] == ["owner"]
    assert ConfigurationItem.objects.get(pk=estate["two"].pk).owner_id == owner.pk
    assert _equal(baseline)


def test_who_may_restore(config_admin, release_admin, specialist, estate):
    baseline = baselines.baseline_take(actor=config_admin, name="B", service=estate["service"])
    services.ci_update(actor=config_admin, ci_id=estate["mail"].pk, data={"version": "3"})
    with pytest.raises(PermissionDenied):
        baselines.baseline_restore(actor=specialist, baseline=baseline, reason="x")
    # A procedure names its own right: the release administrator under the release's.
    with pytest.raises(PermissionDenied):
        baselines.baseline_restore(actor=release_admin, baseline=baseline, reason="x")
    baselines.baseline_restore(actor=release_admin, baseline=baseline, reason="x",
                               permission="releases.deployment.transfer")  # fmt: skip
    assert _equal(baseline)


def test_a_procedure_takes_a_baseline_under_its_own_right(release_admin, estate):
    with pytest.raises(PermissionDenied):
        baselines.baseline_take(actor=release_admin, name="B", service=estate["service"])
    baseline = baselines.baseline_take(actor=release_admin, name="B", service=estate["service"],
                                       permission="releases.deployment.transfer")  # fmt: skip
    assert baseline.items.count() == 3
