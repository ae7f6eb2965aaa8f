"""Seed 004: rolling a release back restores the CMDB to the baseline taken right before
its production transfer. The acceptance test: a release that changes CI attributes, fields
and relations is rolled back and the CMDB compares equal to the pre-deployment baseline.
Then what is recorded and who is told, the denials (service, API, page) and the states."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.configuration.models import ConfigurationItem, Relationship
from steward.configuration.services import baselines, cis
from steward.core.errors import DomainError
from steward.core.models import JournalEntry, Notification
from steward.core.tests.api import field_errors
from steward.core.tests.factories import staff_fixture
from steward.releases.models import Release, ReleaseBaseline, Rollback
from steward.releases.services import deployment as svc
from steward.releases.tests.deployment_world import build_cmdb, in_coordination, to_production

pytestmark = pytest.mark.django_db
config_admin = staff_fixture("config_admin", "configuration_administrator", "cfgadmin")
EMPTY = {"added": [], "removed": [], "changed": [], "relations_added": [], "relations_removed": []}


@pytest.fixture
def cmdb(config_admin, service):
    return build_cmdb(config_admin, service)


@pytest.fixture
def deployed(make_release, release_administrator, cmdb, config_admin):
    """A release in production whose changes then updated the CMDB: a new version and a
    status, a RAM attribute changed, mail02 no longer used and spare01 used instead."""
    release = in_coordination(make_release())
    to_production(release_administrator, release)
    cis.ci_update(actor=config_admin, ci_id=cmdb["mail"].pk,
                  data={"version": "2.0", "description": "Upgraded"})  # fmt: skip
    cis.ci_update(actor=config_admin, ci_id=cmdb["one"].pk,
                  data={"attributes": {"ram_gb": 64}, "status": "in_repair"})  # fmt: skip
    ended = Relationship.objects.get(source=cmdb["mail"], target=cmdb["two"], valid_to=None)
    cis.relationship_end(actor=config_admin, relationship_id=ended.pk)
    cis.relationship_add(actor=config_admin, source_id=cmdb["mail"].pk,
                         target_id=cmdb["spare"].pk, type_id=cmdb["runs_on"].pk)  # fmt: skip
    release.refresh_from_db()
    return release


def _before(release):
    return ReleaseBaseline.objects.get(release=release, moment="before").baseline


def test_a_rollback_restores_the_cmdb_to_the_baseline_before_deployment(
    deployed, release_administrator, cmdb
):
    before = _before(deployed)
    frozen = baselines.baseline_data(before)
    assert baselines.diff(frozen, baselines.current_data(frozen)) != EMPTY

    rollback = svc.release_rollback(actor=release_administrator, release_id=deployed.pk,
                                    reason="Mail delivery fails after the upgrade")  # fmt: skip

    # The acceptance test: the CMDB compares equal to the pre-deployment baseline, both
    # over the baseline's CIs and over what the service runs on now.
    assert baselines.diff(frozen, baselines.current_data(frozen)) == EMPTY
    compared = baselines.baseline_compare(before)
    assert all(count == 0 for count in compared["counts"].values()), compared
    mail = ConfigurationItem.objects.get(pk=cmdb["mail"].pk)
    assert (mail.version, mail.description) == ("1.0", "")
    one = ConfigurationItem.objects.get(pk=cmdb["one"].pk)
    assert one.attributes == {"ram_gb": 16} and one.status == "in_production"
    assert rollback.baseline == before and rollback.performed_by == release_administrator
    assert len(rollback.restored["cis"]) == 2
    assert len(rollback.restored["relations_ended"]) == 1
    assert len(rollback.restored["relations_added"]) == 1


def test_a_rollback_is_recorded_and_told(deployed, release_administrator, release_coordinator,
                                         change_coordinator, cmdb):  # fmt: skip
    svc.release_rollback(actor=release_administrator, release_id=deployed.pk, reason="Broken")
    release = Release.objects.get(pk=deployed.pk)
    assert release.production_at is None
    stage = release.stages.get(environment="production")
    assert stage.transferred_at is None and "Rolled back" in stage.note
    assert JournalEntry.objects.filter(record_id=release.pk, field="In production since").exists()
    assert JournalEntry.objects.filter(record_id=cmdb["mail"].pk, kind="system",
                                       body__contains=release.number).exists()  # fmt: skip
    for person in (release_coordinator, change_coordinator):
        assert Notification.objects.filter(recipient=person, event="release.rolled_back").exists()
    # Fixed, it goes to production again, with a new before-baseline.
    svc.release_transfer(actor=release_administrator, release_id=release.pk,
                         environment="production")  # fmt: skip
    assert ReleaseBaseline.objects.filter(release=release, moment="before").count() == 2


def test_rollback_denials(deployed, release_coordinator, cab_members, other_release_coordinator):
    for actor in (release_coordinator, cab_members[0], other_release_coordinator):
        with pytest.raises(PermissionDenied):
            svc.release_rollback(actor=actor, release_id=deployed.pk, reason="No")
    assert not Rollback.objects.exists()


def test_a_rollback_needs_a_reason(deployed, release_administrator):
    with pytest.raises(ValidationError) as refused:
        svc.release_rollback(actor=release_administrator, release_id=deployed.pk, reason=" ")
    assert "reason" in refused.value.message_dict


def test_a_rollback_needs_production_and_a_before_baseline(
    make_release, release_coordinator, release_administrator, service, cmdb
):
    release = in_coordination(make_release())
    with pytest.raises(DomainError, match="not in production"):
        svc.release_rollback(actor=release_administrator, release_id=release.pk, reason="x")
    svc.release_policy_create(actor=release_coordinator, service_id=service.pk,
                              environments=["production"], acceptance_test_required=False,
                              baseline_required=False)  # fmt: skip
    other = in_coordination(make_release(title="No baseline"))
    to_production(release_administrator, other)
    with pytest.raises(DomainError, match="no baseline"):
        svc.release_rollback(actor=release_administrator, release_id=other.pk, reason="x")
    Release.objects.filter(pk=other.pk).update(status="closed")
    with pytest.raises(DomainError, match="closed"):
        svc.release_rollback(actor=release_administrator, release_id=other.pk, reason="x")


def test_rollback_over_the_api(api, deployed, release_administrator, release_coordinator,
                               cab_members):  # fmt: skip
    url = f"/api/v1/releases/{deployed.pk}/rollback/"
    for actor in (release_coordinator, cab_members[0]):
        api.as_(actor)
        assert api.post(url, {"reason": "No"}, format="json").status_code == 403
    api.as_(release_administrator)
    steps = {s["key"] for s in api.get(f"/api/v1/releases/{deployed.pk}/next-steps/").data}
    assert "rollback" in steps
    bad = api.post(url, {"reason": ""}, format="json")
    assert bad.status_code == 400 and "reason" in field_errors(bad)
    done = api.post(url, {"reason": "Broken"}, format="json")
    assert done.status_code == 200 and done.data["production_at"] is None
    rollbacks = api.get(f"/api/v1/release-rollbacks/?release={deployed.pk}").data["results"]
    assert len(rollbacks) == 1 and rollbacks[0]["restored"]["relations_added"]
    again = api.post(url, {"reason": "Twice"}, format="json")
    assert again.status_code == 409
    stages = api.get(f"/api/v1/deployment-stages/?release={deployed.pk}").data["results"]
    assert {s["environment"] for s in stages} == {"development", "test", "acceptance",
                                                  "production"}  # fmt: skip


def test_rollback_on_the_page(client, deployed, release_administrator, release_coordinator,
                              cab_members):  # fmt: skip
    page_url = f"/releases/{deployed.pk}/"
    for actor in (release_coordinator, cab_members[0]):
        client.force_login(actor)
        assert "Roll back" not in client.get(page_url).content.decode()
        assert client.post(page_url + "rollback/", {"reason": "No"}).status_code == 403
    client.force_login(release_administrator)
    page = client.get(page_url).content.decode()
    assert "Roll back" in page and "/rollback/" in page
    assert "What the release changed in the CMDB" in page and "1.0" in page
    assert client.post(page_url + "rollback/", {"reason": ""}).status_code == 400
    assert client.post(page_url + "rollback/", {"reason": "Broken"}).status_code == 302
    page = client.get(page_url).content.decode()
    assert "Rollbacks" in page and "Broken" in page
    assert not Rollback.objects.exclude(release=deployed).exists()
