"""Seed 004, "Release and Deployment Management" (ISO/IEC 20000): the release policy of a
service, the deployment plan of a release through the controlled environments, the
release administrator's transfers (with the acceptance test before production), the CMDB
baselines taken around the production transfer, the rollback that restores the "before"
baseline, and emergency releases.

Who:
- the release policy: ``releases.cab.manage`` on the service (the release coordinator of
  the service, a system administrator);
- the deployment plan and emergency releases: the release coordinator
  (``releases.release.coordinate`` on the release's service);
- transfers, the acceptance result, baselines and rollbacks: the release administrator
  (``releases.deployment.transfer`` on the release's service). The CMDB writes of a
  rollback and the baselines are made under that right (``baseline_take`` and
  ``baseline_restore`` take the procedure's permission), not the configuration
  administrator's.

A release without a policy goes through all four environments, needs the acceptance test
and a baseline before production (``DEFAULT_PATH``, ``requires_acceptance``,
``requires_baseline``).
"""

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from steward.changes.choices import ChangeStatus, ChangeType
from steward.changes.models import Change
from steward.configuration.models import ConfigurationItem
from steward.configuration.services import baselines as cmdb_baselines
from steward.core import journal, notify, permissions, roles, transitions
from steward.core.choices import Role
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.errors import DomainError
from steward.core.fields import given
from steward.core.models import Person
from steward.releases import inputs, rules, workflows
from steward.releases.choices import (
    ENVIRONMENT_ORDER,
    Environment,
    Justification,
    ReleaseStatus,
    ReleaseType,
)
from steward.releases.models import (
    DeploymentStage,
    Release,
    ReleaseBaseline,
    ReleasePolicy,
    Rollback,
)
from steward.releases.services import releases as svc
from steward.service_level.models import Service

MANAGE = svc.MANAGE_CAB
COORDINATE = svc.COORDINATE
TRANSFER = svc.TRANSFER
DEFAULT_PATH = list(ENVIRONMENT_ORDER)
LABELS = dict(Environment.choices)
PRODUCTION, ACCEPTANCE = Environment.PRODUCTION.value, Environment.ACCEPTANCE.value
# A rollback is possible while the release is being coordinated or reviewed.
ROLLBACK_STATUSES = (ReleaseStatus.COORDINATION, ReleaseStatus.REVIEW)
_TEXT_MAX = 20000


# --- The release policy --------------------------------------------------------------------


def policy_of(service: Service | int) -> ReleasePolicy | None:
    return ReleasePolicy.objects.filter(service_id=svc.pk_of(service)).first()


def path_of(release: Release, policy: ReleasePolicy | None = None) -> list[str]:
    """The environments ``release`` goes through, in order: its service's policy's, or all
    four; production is always the last."""
    policy = policy if policy is not None else policy_of(release.service_id)
    wanted = set(policy.environments or DEFAULT_PATH) if policy else set(DEFAULT_PATH)
    wanted.add(PRODUCTION)
    return [e for e in ENVIRONMENT_ORDER if e in wanted]


def requires_acceptance(release: Release, policy: ReleasePolicy | None = None) -> bool:
    policy = policy if policy is not None else policy_of(release.service_id)
    return policy.acceptance_test_required if policy else True


def requires_baseline(release: Release, policy: ReleasePolicy | None = None) -> bool:
    policy = policy if policy is not None else policy_of(release.service_id)
    return policy.baseline_required if policy else True


def _environments(value: Any) -> list[str]:
    """A policy's path: known environments, each once, production among them; kept in the
    seed's order (development, test, acceptance, production)."""
    if value in (None, ""):
        return list(DEFAULT_PATH)
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple):
        raise ValidationError({"environments": ["Give the environments as a list."]})
    unknown = [str(v) for v in value if v not in ENVIRONMENT_ORDER]
    if unknown:
        raise ValidationError({"environments": [f"Unknown environment: {', '.join(unknown[:4])}."]})
    if len(set(value)) != len(value):
        raise ValidationError({"environments": ["Name each environment once."]})
    if PRODUCTION not in value:
        raise ValidationError({"environments": ["A release ends in production: include it."]})
    return [e for e in ENVIRONMENT_ORDER if e in set(value)]


def _policy_values(data: Mapping[str, Any], current: ReleasePolicy | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("description", "emergency_rules"):
        if name in data:
            values[name] = (data[name] or "").strip()[:_TEXT_MAX]
    for name in ("major_frequency", "minor_frequency"):
        if name in data:
            values[name] = (data[name] or "").strip()[:100]
    for name in ("acceptance_test_required", "baseline_required"):
        if name in data:
            if not isinstance(data[name], bool):
                raise ValidationError({name: ["Must be true or false."]})
            values[name] = data[name]
    if "environments" in data:
        values["environments"] = _environments(data["environments"])
    path = values.get("environments", current.environments if current else DEFAULT_PATH)
    acceptance = values.get(
        "acceptance_test_required", current.acceptance_test_required if current else True
    )
    if acceptance and ACCEPTANCE not in (path or DEFAULT_PATH):
        raise ValidationError(
            {"acceptance_test_required": [
                "The acceptance test needs the acceptance environment in the path."
            ]}
        )  # fmt: skip
    return values


POLICY_FIELDS = ("description", "major_frequency", "minor_frequency", "environments",
                 "acceptance_test_required", "baseline_required", "emergency_rules")  # fmt: skip


def release_policy_create(*, actor: Person, service_id: Any, **data: Any) -> ReleasePolicy:
    """Seed 004: the release policy of a service (how often major and minor releases, the
    environments a release goes through, whether an acceptance test and a CMDB baseline
    are required, when an emergency release is allowed). One per service."""
    reject_unknown(data, POLICY_FIELDS)
    with transaction.atomic():
        service = svc.one(Service, service_id, "service")
        if service is None:
            raise ValidationError({"service": ["This field is required."]})
        permissions.require(actor, MANAGE, service)
        inputs.RELEASE_POLICY.check(actor, given(service=service.pk, **data))
        service = Service.objects.select_for_update().get(pk=service.pk)
        if ReleasePolicy.objects.filter(service=service).exists():
            raise ValidationError({"service": ["This service has a release policy: edit it."]})
        policy = ReleasePolicy(service=service, environments=list(DEFAULT_PATH))
        for name, value in _policy_values(data, None).items():
            setattr(policy, name, value)
        policy.full_clean()
        policy.save()
        journal.created(policy, actor=actor, summary=str(policy))
    return policy


def release_policy_update(
    *,
    actor: Person,
    policy_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> ReleasePolicy:
    """Seed 004: the release policy kept current; each change is journaled. Releases
    already under way follow the policy as it is at each transfer."""
    reject_unknown(data, POLICY_FIELDS)
    with transaction.atomic():
        policy = lock_to_edit(actor, MANAGE, ReleasePolicy, policy_id, expected_version,
                              related=["service"])  # fmt: skip
        inputs.RELEASE_POLICY_UPDATE.check(actor, data, policy)
        values = _policy_values(data, policy)
        changes = journal.apply_changes(policy, values, list(values))
        if changes:
            policy.full_clean()
            policy.save()
            journal.field_changes(policy, actor=actor, changes=changes)
    return policy


# --- The deployment plan -------------------------------------------------------------------


def _when(value: Any, field: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        moment = parse_datetime(value.strip())
        if moment is None:
            raise ValidationError({field: ["Enter a date and time."]})
    else:
        raise ValidationError({field: ["Give the planned date."]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _stages_input(stages: Any, path: list[str]) -> dict[str, dict[str, Any]]:
    """``{environment: {planned_at, deliverables}}`` from the plan's stages, or a 400 on
    ``stages`` naming each stage that is wrong."""
    if not isinstance(stages, list | tuple) or not stages:
        raise ValidationError({"stages": ["Plan at least one environment."]})
    errors: list[str] = []
    planned: dict[str, dict[str, Any]] = {}
    for number, stage in enumerate(stages, start=1):
        if not isinstance(stage, Mapping):
            errors.append(f"Stage {number}: give environment, planned_at and deliverables.")
            continue
        environment = stage.get("environment")
        label = LABELS.get(environment, f"Stage {number}")
        if environment not in ENVIRONMENT_ORDER:
            errors.append(f"Stage {number}: unknown environment {environment!r}.")
            continue
        if environment not in path:
            errors.append(f"{label}: not in the release policy's path ({_path_text(path)}).")
            continue
        if environment in planned:
            errors.append(f"{label}: planned twice.")
            continue
        try:
            moment = _when(stage.get("planned_at"), "planned_at")
        except ValidationError:
            errors.append(f"{label}: give the planned date and time.")
            continue
        deliverables = stage.get("deliverables") or ""
        if not isinstance(deliverables, str):
            errors.append(f"{label}: describe the deliverables as text.")
            continue
        planned[environment] = {"planned_at": moment,
                                "deliverables": deliverables.strip()[:_TEXT_MAX]}  # fmt: skip
    if errors:
        raise ValidationError({"stages": errors})
    return planned


def _path_text(path: Iterable[str]) -> str:
    return " → ".join(LABELS[e] for e in path)


def _plan_text(stages: Iterable[DeploymentStage]) -> str:
    return "; ".join(
        f"{s.get_environment_display()} {s.planned_at:%Y-%m-%d %H:%M}"
        for s in sorted(stages, key=lambda s: ENVIRONMENT_ORDER.index(s.environment))
        if s.planned_at
    )


def release_administrators(service: Service) -> list[Person]:
    """The release administrators of ``service``, else those holding the role anywhere."""
    return roles.holders(Role.RELEASE_ADMINISTRATOR, service) or roles.holders(
        Role.RELEASE_ADMINISTRATOR, anywhere=True
    )


def deployment_plan(
    *,
    actor: Person,
    release_id: int,
    stages: Any,
    expected_version: int | None = None,
) -> Release:
    """Seed 004: the release coordinator plans the deployment: for each environment of
    the policy's path, when the release is to be transferred there and what is delivered.
    The stages not yet transferred to are replaced; the dates follow the environments'
    order. The release administrators of the service are told."""
    with transaction.atomic():
        release = lock_to_edit(actor, COORDINATE, Release, release_id, expected_version,
                               related=["service"])  # fmt: skip
        inputs.DEPLOYMENT_PLAN.check(actor, {"stages": stages}, release)
        svc.require_open(release)
        if release.is_backlog:
            raise DomainError("The backlog release is not deployed: plan a real release.")
        path = path_of(release)
        planned = _stages_input(stages, path)
        existing = {s.environment: s for s in release.stages.all()}
        done = {e for e, s in existing.items() if s.transferred_at}
        again = [LABELS[e] for e in planned if e in done]
        if again:
            raise ValidationError(
                {"stages": [f"{label}: the release is already there." for label in again]}
            )
        dates = {e: s.planned_at for e, s in existing.items() if e in done and s.planned_at}
        dates.update({e: v["planned_at"] for e, v in planned.items()})
        ordered = [e for e in path if e in dates]
        late = [
            f"{LABELS[later]}: planned before {LABELS[earlier]}."
            for earlier, later in itertools.pairwise(ordered)
            if dates[later] < dates[earlier]
        ]
        if late:
            raise ValidationError({"stages": late})
        old_text = _plan_text(existing.values())
        release.stages.filter(transferred_at__isnull=True).exclude(
            environment__in=list(planned)
        ).delete()
        for environment, values in planned.items():
            stage = existing.get(environment) or DeploymentStage(
                release=release, environment=environment
            )
            stage.planned_at = values["planned_at"]
            stage.deliverables = values["deliverables"]
            stage.full_clean(validate_unique=False)
            stage.save()
        new_text = _plan_text(release.stages.all())
        if old_text != new_text:
            journal.field_changes(release, actor=actor,
                                  changes={"Deployment plan": (old_text, new_text)})  # fmt: skip
        release.save(update_fields=["updated_at"])
        svc.tell(release_administrators(release.service), release, "release.deployment_planned",
                 "Deployment planned", f"{release.title}: {new_text}", actor=actor)  # fmt: skip
    return release


# --- Transfers -----------------------------------------------------------------------------


def _transferred(release: Release) -> dict[str, DeploymentStage]:
    return {s.environment: s for s in release.stages.all() if s.transferred_at is not None}


def expected_environment(release: Release) -> str | None:
    """The environment the release goes to next (None: it is in production)."""
    return rules.next_environment(path_of(release), _transferred(release))


def change_ci_ids(release: Release) -> set[int]:
    """The CIs of the release's changes: those of its plan's requests for change, of the
    requests it includes, and of its emergency change."""
    from django.db.models import Q

    condition = Q(planned_changes__requests_for_change__release_plan_items__release=release) | Q(
        planned_changes__requests_for_change__release_handling__release=release
    )
    if release.emergency_change_id:
        condition |= Q(planned_changes=release.emergency_change_id)
    return set(ConfigurationItem.objects.filter(condition).values_list("pk", flat=True))


def baseline_cis(release: Release) -> tuple[Service | None, set[int]]:
    """What a release's baseline covers: the service's infrastructure (its CI and what it
    runs on) and the CIs of the release's changes. ``(service, set())`` when only the
    service's is needed, ``(None, ids)`` otherwise."""
    extra = change_ci_ids(release)
    has_service_ci = ConfigurationItem.objects.filter(service_id=release.service_id).exists()
    if has_service_ci and not extra:
        return release.service, set()
    ids = set(extra)
    if has_service_ci:
        ids |= cmdb_baselines.service_ci_ids(release.service)
    return None, ids


def take_baseline(actor: Person, release: Release, moment: str) -> ReleaseBaseline:
    """A CMDB baseline of what the release touches, linked to it as ``moment``."""
    service, ids = baseline_cis(release)
    if service is None and not ids:
        raise DomainError(
            f"The CMDB has no CI for {release.service.name} nor for the release's changes: "
            "no baseline can be taken. Register the service's CI, or change the release "
            "policy so that no baseline is required."
        )
    when_text = "before deployment" if moment == ReleaseBaseline.BEFORE else "after deployment"
    baseline = cmdb_baselines.baseline_take(
        actor=actor, name=f"{release.number} {when_text}", permission=TRANSFER,
        description=f"{release.title} ({release.service.name}), {when_text}.",
        **({"service": service} if service is not None else {"ci_ids": ids}),
    )  # fmt: skip
    link = ReleaseBaseline.objects.create(release=release, baseline=baseline, moment=moment)
    journal.system(release, text=f"Baseline {baseline.number} taken {when_text}.",
                   data={"baseline": baseline.pk, "moment": moment})  # fmt: skip
    return link


def _lock_for_transfer(actor: Person, release_id: int, expected_version: int | None) -> Release:
    return lock_to_edit(actor, TRANSFER, Release, release_id, expected_version,
                        related=["service", "coordinator"])  # fmt: skip


def _checked_stage(
    actor: Person, release: Release, environment: str
) -> tuple[DeploymentStage, str | None]:
    """The stage ``environment`` of the locked ``release`` once the transfer into it is
    allowed: the next of the path, and for production the acceptance gate passed and the
    "before" baseline taken (when the policy asks for them)."""
    policy = policy_of(release.service_id)
    path = path_of(release, policy)
    done = _transferred(release)
    expected = rules.next_environment(path, done)
    if expected is None:
        raise DomainError(f"{release.number} is in production already.")
    if environment != expected:
        raise DomainError(
            f"The next environment of {release.number} is {LABELS[expected]} "
            f"(path: {_path_text(path)})."
        )
    stage = release.stages.filter(environment=environment).first() or DeploymentStage(
        release=release, environment=environment
    )
    previous = next((e for e in reversed(path) if e in done), None)
    if environment == PRODUCTION:
        if requires_acceptance(release, policy) and ACCEPTANCE in path:
            acceptance = done.get(ACCEPTANCE)
            if acceptance is None or acceptance.accepted is not True:
                raise DomainError(
                    "The acceptance test has not passed: the release policy requires it "
                    "before production."
                )
        if requires_baseline(release, policy):
            take_baseline(actor, release, ReleaseBaseline.BEFORE)
    return stage, previous


def release_transfer(
    *,
    actor: Person,
    release_id: int,
    environment: str,
    note: str = "",
    accepted: bool | None = None,
    expected_version: int | None = None,
) -> DeploymentStage:
    """Seed 004: the release administrator transfers the release into the next
    environment of its path (only that one: 409 naming it). Into production only once the
    acceptance test passed when the policy requires one; right before, a CMDB baseline is
    taken when the policy requires it (what a rollback restores). Production sets "in
    production since". Journaled on the release; the release coordinator is told."""
    inputs.RELEASE_TRANSFER.check(actor, given(environment=environment, note=note,
                                               accepted=accepted))  # fmt: skip
    if environment not in ENVIRONMENT_ORDER:
        raise ValidationError({"environment": ["Select a valid choice."]})
    if accepted is not None and environment != ACCEPTANCE:
        raise ValidationError(
            {"accepted": ["Only the acceptance environment has an acceptance test."]}
        )
    with transaction.atomic():
        release = _lock_for_transfer(actor, release_id, expected_version)
        if release.status != ReleaseStatus.COORDINATION:
            raise DomainError(
                f"{release.number} is {release.get_status_display().lower()}: releases are "
                "transferred while their changes are coordinated."
            )
        stage, previous = _checked_stage(actor, release, environment)
        now = timezone.now()
        stage.transferred_at, stage.transferred_by = now, actor
        if accepted is not None:
            stage.accepted = accepted
        text = (note or "").strip()[:_TEXT_MAX]
        if text:
            stage.note = f"{stage.note}\n{text}".strip() if stage.note else text
        stage.save()
        changes = {"Environment": (LABELS.get(previous) if previous else None,
                                   LABELS[environment])}  # fmt: skip
        if environment == PRODUCTION:
            changes["In production since"] = (release.production_at, now)
            release.production_at = now
            release.save(update_fields=["production_at", "updated_at"])
        else:
            release.save(update_fields=["updated_at"])
        journal.field_changes(release, actor=actor, changes=changes)
        if text:
            journal.system(release, text=f"Transfer to {LABELS[environment]}: {text}",
                           data={"environment": environment})  # fmt: skip
        notify.record_event(record=release, event="releases.release.transferred", actor=actor,
                            data={"environment": environment})  # fmt: skip
        coordinators = ([release.coordinator] if release.coordinator
                        else svc.release_coordinators(release.service))  # fmt: skip
        svc.tell(coordinators, release, "release.transferred", f"In {LABELS[environment].lower()}",
                 text or f"{actor} transferred {release.title} to "
                 f"{LABELS[environment].lower()}.", actor=actor)  # fmt: skip
    return stage


def release_accept(
    *,
    actor: Person,
    release_id: int,
    accepted: bool,
    note: str = "",
    expected_version: int | None = None,
) -> DeploymentStage:
    """Seed 004: the result of the acceptance test in the controlled acceptance
    environment, recorded by the release administrator once the release is there (a
    failed test can be recorded as passed after a retest, before production)."""
    inputs.RELEASE_ACCEPT.check(actor, given(accepted=accepted, note=note))
    if not isinstance(accepted, bool):
        raise ValidationError({"accepted": ["Say whether the acceptance test passed."]})
    with transaction.atomic():
        release = _lock_for_transfer(actor, release_id, expected_version)
        if release.status != ReleaseStatus.COORDINATION:
            raise DomainError(f"{release.number} is {release.get_status_display().lower()}.")
        done = _transferred(release)
        stage = done.get(ACCEPTANCE)
        if stage is None:
            raise DomainError(f"{release.number} is not in the acceptance environment yet.")
        if PRODUCTION in done:
            raise DomainError(f"{release.number} is in production: the test is behind it.")
        old = stage.accepted
        stage.accepted = accepted
        text = (note or "").strip()[:_TEXT_MAX]
        if text:
            stage.note = f"{stage.note}\n{text}".strip() if stage.note else text
        stage.save()
        words = {True: "Passed", False: "Failed", None: None}
        journal.field_changes(release, actor=actor,
                              changes={"Acceptance test": (words[old], words[accepted])})  # fmt: skip
        if text:
            journal.system(release, text=f"Acceptance test: {text}")
        release.save(update_fields=["updated_at"])
        svc.tell([release.coordinator], release, "release.acceptance",
                 f"Acceptance test {words[accepted].lower()}", text, actor=actor)  # fmt: skip
    return stage


def release_baseline_after(
    *, actor: Person, release_id: int, expected_version: int | None = None
) -> ReleaseBaseline:
    """Seed 004: once the release's changes have updated the CMDB after the production
    transfer, the release administrator freezes the "after" baseline; the release page
    compares it with the "before" one (what the release changed in the CMDB). Taken
    again, it replaces the previous one."""
    with transaction.atomic():
        release = _lock_for_transfer(actor, release_id, expected_version)
        if release.status not in ROLLBACK_STATUSES or release.production_at is None:
            raise DomainError(f"{release.number} is not in production.")
        if not release.baselines.filter(moment=ReleaseBaseline.BEFORE).exists():
            raise DomainError(f"{release.number} has no baseline from before its deployment.")
        release.baselines.filter(moment=ReleaseBaseline.AFTER).delete()
        link = take_baseline(actor, release, ReleaseBaseline.AFTER)
        release.save(update_fields=["updated_at"])
    return link


# --- Rollback ------------------------------------------------------------------------------


def before_baseline(release: Release) -> ReleaseBaseline | None:
    """The "before" baseline of the release's latest production transfer."""
    return (
        release.baselines.filter(moment=ReleaseBaseline.BEFORE)
        .select_related("baseline")
        .order_by("-created_at", "-pk")
        .first()
    )


def _summary(restored: Mapping[str, Any]) -> str:
    parts = []
    if restored["cis"]:
        parts.append(f"{len(restored['cis'])} CI(s) set back")
    if restored["relations_ended"]:
        parts.append(f"{len(restored['relations_ended'])} relation(s) ended")
    if restored["relations_added"]:
        parts.append(f"{len(restored['relations_added'])} relation(s) made again")
    if restored["not_restored"]:
        parts.append(f"{len(restored['not_restored'])} item(s) could not be put back")
    return ", ".join(parts) or "the CMDB already matched the baseline"


def release_rollback(
    *,
    actor: Person,
    release_id: int,
    reason: str,
    expected_version: int | None = None,
) -> Rollback:
    """Seed 004: the release administrator rolls a release in production back: the CMDB
    is restored to the baseline taken right before the production transfer (each CI's
    fields and attributes, the relations added since ended, those ended since made again,
    through the CMDB services), the rollback recorded with what it put back, the release
    no longer in production (its production transfer marked rolled back, so it can be
    transferred again once fixed). The release coordinator and the change coordinators of
    the service are told."""
    inputs.RELEASE_ROLLBACK.check(actor, given(reason=reason))
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": ["Say why the release is rolled back."]})
    with transaction.atomic():
        release = _lock_for_transfer(actor, release_id, expected_version)
        if release.status not in ROLLBACK_STATUSES:
            raise DomainError(f"{release.number} is {release.get_status_display().lower()}: "
                              "only a release being coordinated or reviewed is rolled back.")  # fmt: skip
        stage = release.stages.filter(environment=PRODUCTION,
                                      transferred_at__isnull=False).first()  # fmt: skip
        if stage is None or release.production_at is None:
            raise DomainError(f"{release.number} is not in production: nothing to roll back.")
        before = before_baseline(release)
        if before is None or before.created_at > stage.transferred_at:
            raise DomainError(
                f"{release.number} has no baseline from before its production transfer: "
                "the CMDB cannot be restored automatically."
            )
        restored = cmdb_baselines.baseline_restore(
            actor=actor, baseline=before.baseline, reason=f"Rollback {release.number}",
            permission=TRANSFER,
        )  # fmt: skip
        now = timezone.now()
        rollback = Rollback.objects.create(
            release=release, baseline=before.baseline, performed_by=actor, performed_at=now,
            reason=text[:_TEXT_MAX], restored=restored,
        )  # fmt: skip
        for row in restored["cis"]:
            ci = ConfigurationItem(pk=row["id"])
            journal.system(ci, text=f"Restored to baseline {before.baseline.number} by the "
                           f"rollback of {release.number}: {text}",
                           data={"release": release.pk, "rollback": rollback.pk})  # fmt: skip
        stage.note = (f"{stage.note}\n" if stage.note else "") + (
            f"Rolled back {now:%Y-%m-%d %H:%M} by {actor}: {text}"
        )
        transferred_at = stage.transferred_at
        stage.transferred_at, stage.transferred_by = None, None
        stage.save()
        old_production = release.production_at
        release.production_at = None
        release.save(update_fields=["production_at", "updated_at"])
        summary = _summary(restored)
        journal.field_changes(release, actor=actor, changes={
            "In production since": (old_production, None),
            "Environment": (LABELS[PRODUCTION], "Rolled back"),
        })  # fmt: skip
        journal.system(
            release,
            text=f"Rolled back to baseline {before.baseline.number} (transfer of "
            f"{transferred_at:%Y-%m-%d %H:%M}): {summary}. Reason: {text}",
            data={"rollback": rollback.pk, "baseline": before.baseline_id},
        )
        notify.record_event(record=release, event="releases.release.rolled_back", actor=actor,
                            data={"baseline": before.baseline_id, "rollback": rollback.pk})  # fmt: skip
        people = [release.coordinator, *svc.change_coordinators(release.service)]
        svc.tell(people, release, "release.rolled_back", "Rolled back",
                 f"{release.title} was rolled back ({summary}). Reason: {text}",
                 actor=actor)  # fmt: skip
    return rollback


# --- Emergency releases --------------------------------------------------------------------


def release_emergency(
    *,
    actor: Person,
    service_id: Any,
    title: str,
    emergency_change_id: Any,
    description: str = "",
    target_date: Any = None,
    rollback_plan: str = "",
) -> Release:
    """Seed 004: an emergency release, by the release coordinator, for an emergency change
    that Change Management already has (ch. 3 proc. 7: the service owner or the on-duty
    manager asks a specialist for it; a release coordinator may not, so the release links
    that change). Not defined by a CAB, no business justification (cancelled): it goes
    straight to coordination. The release administrators of the service are told."""
    inputs.RELEASE_EMERGENCY.check(actor, given(
        service=service_id, title=title, emergency_change=emergency_change_id,
        description=description, target_date=target_date, rollback_plan=rollback_plan,
    ))  # fmt: skip
    with transaction.atomic():
        service = svc.one(Service, service_id, "service")
        if service is None:
            raise ValidationError({"service": ["This field is required."]})
        permissions.require(actor, COORDINATE, service)
        change = svc.one(Change, emergency_change_id, "emergency_change")
        if change is None:
            raise ValidationError(
                {"emergency_change": ["Name the emergency change the release implements."]}
            )
        if change.change_type != ChangeType.EMERGENCY:
            raise ValidationError({"emergency_change": [f"{change.number} is not an emergency "
                                                        "change."]})  # fmt: skip
        if change.service_id != service.pk:
            raise ValidationError(
                {"emergency_change": [f"{change.number} is for another service."]}
            )
        if change.status in (ChangeStatus.CLOSED, ChangeStatus.REJECTED, ChangeStatus.CANCELLED,
                             ChangeStatus.BACKED_OUT):  # fmt: skip
            raise ValidationError(
                {"emergency_change": [f"{change.number} is {change.get_status_display().lower()}."]}
            )
        if Release.objects.filter(emergency_change=change).exists():
            raise ValidationError(
                {"emergency_change": [f"{change.number} has an emergency release already."]}
            )
        release = svc.release_register(
            actor=actor, title=title, service_id=service.pk, release_type=ReleaseType.EMERGENCY,
            description=description or change.description, target_date=target_date,
        )  # fmt: skip
        release = transitions.lock(Release, release.pk)
        release.justification = Justification.CANCELLED
        release.emergency_change = change
        release.rollback_plan = (rollback_plan or "").strip()
        transitions.transition(
            release, ReleaseStatus.COORDINATION, actor=actor, workflow=workflows.RELEASE,
            reason=f"Emergency release for {change.number}: no CAB, no business case.",
            event="releases.release.coordination",
            also=("justification", "emergency_change", "rollback_plan"),
        )  # fmt: skip
        journal.system(release, text=f"Emergency release for the emergency change "
                       f"{change.number} {change.title}.", data={"change": change.pk})  # fmt: skip
        svc.tell([*release_administrators(service), change.coordinator], release,
                 "release.emergency", "Emergency release",
                 f"{release.title} implements the emergency change {change.number}.",
                 actor=actor)  # fmt: skip
    return release
