"""Seed 004 (release and deployment): the release policy, the deployment plan, transfers
in order through the controlled environments with the acceptance test before production,
the baselines taken around it, emergency releases; through the services, the API and the
pages, with the denials."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steward.configuration.models import Baseline
from steward.core.errors import DomainError
from steward.core.models import JournalEntry, Notification
from steward.core.tests.api import field_errors
from steward.core.tests.factories import staff_fixture
from steward.releases.models import DeploymentStage, Release, ReleaseBaseline, ReleasePolicy
from steward.releases.services import deployment as svc
from steward.releases.tests.deployment_world import (
    build_cmdb,
    emergency_change,
    in_coordination,
    plan,
    to_production,
)

pytestmark = pytest.mark.django_db
config_admin = staff_fixture("config_admin", "configuration_administrator", "cfgadmin")


@pytest.fixture
def cmdb(config_admin, service):
    return build_cmdb(config_admin, service)


@pytest.fixture
def release(make_release):
    return in_coordination(make_release())


def _policy(actor, service, **fields):
    return svc.release_policy_create(actor=actor, service_id=service.pk, **fields)


# --- The release policy --------------------------------------------------------------------


def test_a_release_without_policy_goes_through_all_four(release):
    assert svc.path_of(release) == ["development", "test", "acceptance", "production"]
    assert svc.requires_acceptance(release) and svc.requires_baseline(release)


def test_the_policy_sets_the_path_in_the_seeds_order(release_coordinator, service, release):
    policy = _policy(release_coordinator, service, environments=["production", "acceptance"],
                     major_frequency="twice a year", emergency_rules="Only for P1 incidents.")  # fmt: skip
    assert policy.environments == ["acceptance", "production"]
    assert svc.path_of(release) == ["acceptance", "production"]
    assert JournalEntry.objects.filter(record_id=policy.pk, kind="created").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"environments": ["test", "staging", "production"]}, "environments"),
        ({"environments": ["test", "test", "production"]}, "environments"),
        ({"environments": ["development", "test"]}, "environments"),
        ({"environments": "production"}, "acceptance_test_required"),
        ({"environments": ["test", "production"], "acceptance_test_required": True},
         "acceptance_test_required"),
        ({"acceptance_test_required": "yes"}, "acceptance_test_required"),
    ],
)  # fmt: skip
def test_policy_validation_names_the_field(release_coordinator, service, fields, field):
    with pytest.raises(ValidationError) as refused:
        _policy(release_coordinator, service, **fields)
    assert field in refused.value.message_dict
    assert not ReleasePolicy.objects.exists()


def test_one_policy_per_service_and_who_sets_it(
    release_coordinator, other_release_coordinator, release_administrator, cab_members, service
):
    for actor in (other_release_coordinator, release_administrator, cab_members[0]):
        with pytest.raises(PermissionDenied):
            _policy(actor, service)
    _policy(release_coordinator, service)
    with pytest.raises(ValidationError) as refused:
        _policy(release_coordinator, service)
    assert "service" in refused.value.message_dict


def test_policy_api_create_patch_versioned_and_refused(api, release_coordinator,
                                                       release_administrator, service):  # fmt: skip
    api.as_(release_coordinator)
    made = api.post("/api/v1/release-policies/", {"service": service.pk,
                    "environments": ["test", "acceptance", "production"],
                    "minor_frequency": "monthly"}, format="json")  # fmt: skip
    assert made.status_code == 201, made.content
    assert made.data["path"] == ["test", "acceptance", "production"]
    url = f"/api/v1/release-policies/{made.data['id']}/"
    bad = api.patch(url, {"environments": ["test"]}, format="json")
    assert bad.status_code == 400 and "environments" in field_errors(bad)
    stale = api.patch(url, {"minor_frequency": "weekly"}, format="json", HTTP_IF_MATCH='"999"')
    assert stale.status_code == 412
    ok = api.patch(url, {"baseline_required": False}, format="json",
                   HTTP_IF_MATCH=f'"{made.data["lock_version"]}"')  # fmt: skip
    assert ok.status_code == 200 and ok.data["baseline_required"] is False
    api.as_(release_administrator)
    assert api.patch(url, {"minor_frequency": "x"}, format="json").status_code == 403
    assert api.get(url).status_code == 200


def test_policy_pages(client, release_coordinator, release_administrator, service):
    client.force_login(release_coordinator)
    assert client.get("/releases/policies/").status_code == 200
    posted = client.post("/releases/policies/new/", {
        "service": service.pk, "environments": ["development", "acceptance", "production"],
        "acceptance_test_required": "on", "major_frequency": "yearly"})  # fmt: skip
    assert posted.status_code == 302, posted.content
    policy = ReleasePolicy.objects.get()
    page = client.get(f"/releases/policies/{policy.pk}/").content.decode()
    assert "Development → Acceptance → Production" in page
    bad = client.post(f"/releases/policies/{policy.pk}/edit/", {
        "environments": ["development", "production"], "acceptance_test_required": "on",
        "lock_version": policy.lock_version})  # fmt: skip
    assert bad.status_code == 400 or "acceptance environment" in bad.content.decode()
    client.force_login(release_administrator)
    assert client.get(f"/releases/policies/{policy.pk}/edit/").status_code == 403
    assert client.post("/releases/policies/new/", {"service": service.pk,
                       "environments": ["production"]}).status_code == 403  # fmt: skip


# --- The deployment plan -------------------------------------------------------------------


def test_the_plan_has_a_stage_per_environment_and_tells_the_administrators(
    release, release_coordinator, release_administrator
):
    plan(release_coordinator, release)
    stages = list(DeploymentStage.objects.filter(release=release).order_by("planned_at"))
    assert [s.environment for s in stages] == ["development", "test", "acceptance", "production"]
    assert Notification.objects.filter(recipient=release_administrator,
                                       event="release.deployment_planned").exists()  # fmt: skip
    assert JournalEntry.objects.filter(record_id=release.pk, field="Deployment plan").exists()


def test_plan_dates_follow_the_environments(release, release_coordinator):
    now = timezone.now()
    stages = [
        {"environment": "test", "planned_at": now + dt.timedelta(days=3)},
        {"environment": "acceptance", "planned_at": now + dt.timedelta(days=1)},
        {"environment": "production", "planned_at": now},
    ]
    with pytest.raises(ValidationError) as refused:
        svc.deployment_plan(actor=release_coordinator, release_id=release.pk, stages=stages)
    messages = refused.value.message_dict["stages"]
    assert messages == [
        "Acceptance: planned before Test.",
        "Production: planned before Acceptance.",
    ]


@pytest.mark.parametrize(
    "stages",
    [
        [],
        [{"environment": "staging", "planned_at": "2030-01-01T10:00:00Z"}],
        [{"environment": "test"}],
        [{"environment": "test", "planned_at": "soon"}],
        [{"environment": "development", "planned_at": "2030-01-01T10:00:00Z"}],
        [{"environment": "test", "planned_at": "2030-01-01T10:00:00Z"},
         {"environment": "test", "planned_at": "2030-01-02T10:00:00Z"}],
    ],
)  # fmt: skip
def test_plan_refusals_name_the_stages(release, release_coordinator, service, stages):
    _policy(release_coordinator, service, environments=["test", "acceptance", "production"])
    with pytest.raises(ValidationError) as refused:
        svc.deployment_plan(actor=release_coordinator, release_id=release.pk, stages=stages)
    assert "stages" in refused.value.message_dict


def test_replanning_keeps_the_environments_reached(release, release_coordinator,
                                                   release_administrator):  # fmt: skip
    plan(release_coordinator, release)
    svc.release_transfer(actor=release_administrator, release_id=release.pk,
                         environment="development")  # fmt: skip
    later = timezone.now() + dt.timedelta(days=20)
    with pytest.raises(ValidationError):
        svc.deployment_plan(actor=release_coordinator, release_id=release.pk,
                            stages=[{"environment": "development", "planned_at": later}])  # fmt: skip
    svc.deployment_plan(actor=release_coordinator, release_id=release.pk,
                        stages=[{"environment": "production", "planned_at": later}])  # fmt: skip
    assert set(release.stages.values_list("environment", flat=True)) == {"development",
                                                                          "production"}  # fmt: skip


def test_only_the_release_coordinator_plans(release, release_administrator, cab_members):
    for actor in (release_administrator, cab_members[0]):
        with pytest.raises(PermissionDenied):
            plan(actor, release)


def test_plan_page_and_api(client, api, release, release_coordinator, release_administrator):
    client.force_login(release_coordinator)
    page = client.get(f"/releases/{release.pk}/").content.decode()
    assert "Deployment" in page and "Plan the deployment" in page
    posted = client.post(f"/releases/{release.pk}/plan-deployment/", {
        "test_planned_at": "2030-01-02T10:00", "test_deliverables": "Build 7",
        "production_planned_at": "2030-01-01T10:00"})  # fmt: skip
    assert posted.status_code == 400 and "planned before" in posted.content.decode()
    posted = client.post(f"/releases/{release.pk}/plan-deployment/", {
        "test_planned_at": "2030-01-02T10:00", "test_deliverables": "Build 7",
        "production_planned_at": "2030-01-03T10:00"})  # fmt: skip
    assert posted.status_code == 302
    assert release.stages.get(environment="test").deliverables == "Build 7"
    api.as_(release_coordinator)
    body = {"stages": [{"environment": "acceptance", "planned_at": "2030-02-01T10:00:00Z"}]}
    answer = api.post(f"/api/v1/releases/{release.pk}/plan-deployment/", body, format="json")
    assert answer.status_code == 200, answer.content
    assert set(release.stages.values_list("environment", flat=True)) == {"acceptance"}
    bad = api.post(f"/api/v1/releases/{release.pk}/plan-deployment/",
                   {"stages": [{"environment": "moon", "planned_at": "x"}]}, format="json")  # fmt: skip
    assert bad.status_code == 400
    api.as_(release_administrator)
    denied = api.post(f"/api/v1/releases/{release.pk}/plan-deployment/", body, format="json")
    assert denied.status_code == 403


# --- Transfers -----------------------------------------------------------------------------


def test_transfers_go_in_order(release, release_administrator, release_coordinator, cmdb):
    plan(release_coordinator, release)
    with pytest.raises(DomainError, match=r"next environment of .* is Development"):
        svc.release_transfer(actor=release_administrator, release_id=release.pk,
                             environment="test")  # fmt: skip
    svc.release_transfer(actor=release_administrator, release_id=release.pk,
                         environment="development", note="Build 7 deployed")  # fmt: skip
    with pytest.raises(DomainError, match="is Test"):
        svc.release_transfer(actor=release_administrator, release_id=release.pk,
                             environment="production")  # fmt: skip
    stage = release.stages.get(environment="development")
    assert stage.transferred_by == release_administrator and stage.note == "Build 7 deployed"
    assert JournalEntry.objects.filter(record_id=release.pk, field="Environment",
                                       new_value="Development").exists()  # fmt: skip
    assert Notification.objects.filter(recipient=release_coordinator,
                                       event="release.transferred").exists()  # fmt: skip
    to_production_rest = ["test", "acceptance"]
    for environment in to_production_rest:
        svc.release_transfer(actor=release_administrator, release_id=release.pk,
                             environment=environment)  # fmt: skip
    with pytest.raises(DomainError, match="acceptance test"):
        svc.release_transfer(actor=release_administrator, release_id=release.pk,
                             environment="production")  # fmt: skip
    svc.release_accept(actor=release_administrator, release_id=release.pk, accepted=False,
                       note="Login fails")  # fmt: skip
    with pytest.raises(DomainError, match="acceptance test"):
        svc.release_transfer(actor=release_administrator, release_id=release.pk,
                             environment="production")  # fmt: skip
    svc.release_accept(actor=release_administrator, release_id=release.pk, accepted=True)
    svc.release_transfer(actor=release_administrator, release_id=release.pk,
                         environment="production")  # fmt: skip
    release.refresh_from_db()
    assert release.production_at is not None
    before = ReleaseBaseline.objects.get(release=release, moment="before")
    assert before.baseline.items.count() == 3  # E-mail and what it runs on
    with pytest.raises(DomainError, match="in production already"):
        svc.release_transfer(actor=release_administrator, release_id=release.pk,
                             environment="production")  # fmt: skip


@pytest.mark.parametrize(
    ("policy", "path", "baseline"),
    [
        ({"environments": ["test", "production"], "acceptance_test_required": False,
          "baseline_required": False}, ["test", "production"], False),
        ({"environments": ["acceptance", "production"]}, ["acceptance", "production"], True),
        ({"environments": ["production"], "acceptance_test_required": False},
         ["production"], True),
    ],
)  # fmt: skip
def test_the_policy_decides_the_path_the_gate_and_the_baseline(
    release, release_coordinator, release_administrator, service, cmdb, policy, path, baseline
):
    _policy(release_coordinator, service, **policy)
    to_production(release_administrator, release)
    assert (
        list(release.stages.order_by("transferred_at").values_list("environment", flat=True))
        == path
    )
    assert ReleaseBaseline.objects.filter(release=release).exists() is baseline


def test_no_baseline_possible_refuses_production(release, release_coordinator,
                                                 release_administrator, service):  # fmt: skip
    _policy(release_coordinator, service, environments=["production"],
            acceptance_test_required=False)  # fmt: skip
    with pytest.raises(DomainError, match="no baseline can be taken"):
        svc.release_transfer(actor=release_administrator, release_id=release.pk,
                             environment="production")  # fmt: skip
    assert not Baseline.objects.exists()


def test_transfers_need_coordination_and_the_transfer_right(
    make_release, release_coordinator, release_administrator, cab_members
):
    registered = make_release()
    with pytest.raises(DomainError, match="registered"):
        svc.release_transfer(actor=release_administrator, release_id=registered.pk,
                             environment="development")  # fmt: skip
    release = in_coordination(make_release(title="Other"))
    for actor in (release_coordinator, cab_members[0]):
        with pytest.raises(PermissionDenied):
            svc.release_transfer(actor=actor, release_id=release.pk, environment="development")
    with pytest.raises(ValidationError) as refused:
        svc.release_transfer(actor=release_administrator, release_id=release.pk,
                             environment="development", accepted=True)  # fmt: skip
    assert "accepted" in refused.value.message_dict
    with pytest.raises(DomainError, match="not in the acceptance environment"):
        svc.release_accept(actor=release_administrator, release_id=release.pk, accepted=True)


def test_transfer_and_accept_over_the_api_and_pages(api, client, release, release_administrator,
                                                    release_coordinator, cmdb):  # fmt: skip
    api.as_(release_administrator)
    url = f"/api/v1/releases/{release.pk}/"
    out_of_order = api.post(url + "transfer/", {"environment": "test"}, format="json")
    assert out_of_order.status_code == 409 and "Development" in out_of_order.content.decode()
    assert api.post(url + "transfer/", {"environment": "development"},
                    format="json").status_code == 200  # fmt: skip
    steps = {s["key"] for s in api.get(url + "next-steps/").data}
    assert "transfer" in steps and "rollback" not in steps
    api.as_(release_coordinator)
    assert api.post(url + "transfer/", {"environment": "test"}, format="json").status_code == 403
    client.force_login(release_administrator)
    page = client.get(f"/releases/{release.pk}/").content.decode()
    assert "Transfer to the next environment" in page
    assert client.post(f"/releases/{release.pk}/transfer/",
                       {"environment": "test", "note": "QA build"}).status_code == 302  # fmt: skip
    assert client.post(f"/releases/{release.pk}/transfer/",
                       {"environment": "acceptance"}).status_code == 302  # fmt: skip
    assert client.post(f"/releases/{release.pk}/accept/", {"accepted": "yes"}).status_code == 302
    assert release.stages.get(environment="acceptance").accepted is True
    client.force_login(release_coordinator)
    assert client.post(f"/releases/{release.pk}/transfer/",
                       {"environment": "production"}).status_code == 403  # fmt: skip
    api.as_(release_administrator)
    done = api.post(url + "transfer/", {"environment": "production"}, format="json")
    assert done.status_code == 200 and done.data["production_at"]
    page = client.get(f"/releases/{release.pk}/").content.decode()
    assert "What the release changed in the CMDB" in page and "no difference" in page


def test_the_after_baseline_shows_what_the_release_changed(
    client, release, release_administrator, release_coordinator, config_admin, cmdb
):
    from steward.configuration.services import cis

    to_production(release_administrator, release)
    cis.ci_update(actor=config_admin, ci_id=cmdb["mail"].pk, data={"version": "2.0"})
    link = svc.release_baseline_after(actor=release_administrator, release_id=release.pk)
    assert link.moment == "after"
    client.force_login(release_coordinator)
    page = client.get(f"/releases/{release.pk}/").content.decode()
    assert "1 CI(s) changed" in page and f"?other={link.baseline_id}" in page


# --- Emergency releases --------------------------------------------------------------------


def test_an_emergency_release_goes_straight_to_coordination(
    service, release_coordinator, release_administrator
):
    change = emergency_change(service)
    release = svc.release_emergency(actor=release_coordinator, service_id=service.pk,
                                    title="Mail queue fix", emergency_change_id=change.pk)  # fmt: skip
    assert release.status == "coordination" and release.release_type == "emergency"
    assert release.justification == "cancelled" and not release.cab_defined
    assert release.emergency_change == change
    assert Notification.objects.filter(recipient=release_administrator,
                                       event="release.emergency").exists()  # fmt: skip
    # It is deployed like any other release.
    svc.release_transfer(actor=release_administrator, release_id=release.pk,
                         environment="development")  # fmt: skip


def test_emergency_release_refusals(service, other_service, release_coordinator,
                                    release_administrator, service_owner):  # fmt: skip
    normal = emergency_change(service, change_type="normal")
    elsewhere = emergency_change(other_service)
    for change_id in (normal.pk, elsewhere.pk, 999999, None):
        with pytest.raises(ValidationError) as refused:
            svc.release_emergency(actor=release_coordinator, service_id=service.pk, title="Fix",
                                  emergency_change_id=change_id)  # fmt: skip
        assert "emergency_change" in refused.value.message_dict
    change = emergency_change(service)
    for actor in (release_administrator, service_owner):
        with pytest.raises(PermissionDenied):
            svc.release_emergency(actor=actor, service_id=service.pk, title="Fix",
                                  emergency_change_id=change.pk)  # fmt: skip
    svc.release_emergency(actor=release_coordinator, service_id=service.pk, title="Fix",
                          emergency_change_id=change.pk)  # fmt: skip
    with pytest.raises(ValidationError, match="already"):
        svc.release_emergency(actor=release_coordinator, service_id=service.pk, title="Again",
                              emergency_change_id=change.pk)  # fmt: skip


def test_emergency_release_page_and_api(client, api, service, release_coordinator,
                                        release_administrator):  # fmt: skip
    change = emergency_change(service)
    client.force_login(release_coordinator)
    assert "Emergency release" in client.get("/releases/").content.decode()
    form = client.get("/releases/emergency/new/").content.decode()
    assert change.number in form
    posted = client.post("/releases/emergency/new/", {"emergency_change": change.pk,
                                                      "title": "Mail queue fix"})  # fmt: skip
    assert posted.status_code == 302
    release = Release.objects.get(emergency_change=change)
    assert change.number in client.get(f"/releases/{release.pk}/").content.decode()
    other = emergency_change(service)
    api.as_(release_administrator)
    body = {"service": service.pk, "emergency_change": other.pk, "title": "Second fix"}
    assert api.post("/api/v1/emergency-releases/", body, format="json").status_code == 403
    client.force_login(release_administrator)
    assert client.get("/releases/emergency/new/").status_code == 403
    api.as_(release_coordinator)
    made = api.post("/api/v1/emergency-releases/", body, format="json")
    assert made.status_code == 201 and made.data["status"] == "coordination"
    assert {r["id"] for r in api.get("/api/v1/emergency-releases/").data["results"]} == {
        release.pk, made.data["id"]}  # fmt: skip
    bad = api.post("/api/v1/emergency-releases/", {**body, "title": "Third"}, format="json")
    assert bad.status_code == 400 and "emergency_change" in field_errors(bad)
