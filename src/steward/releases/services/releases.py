"""Seed 003 ch. 10 proc. 2 (the registration of a release) and what every Release
Management procedure shares: the backlog release of a service, who its coordinators, CAB
members and requesters are, and telling them.

Who: ``releases.release.coordinate`` on the release's service (a release coordinator
limited to it counts there)."""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from steward.core import journal, notify, numbering, permissions, roles
from steward.core.choices import Role
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.errors import DomainError
from steward.core.models import Person
from steward.releases import inputs
from steward.releases.choices import ReleaseStatus, ReleaseType
from steward.releases.models import Release
from steward.service_level.models import Service

VIEW = "releases.release.view"
COORDINATE = "releases.release.coordinate"
MANAGE_CAB = "releases.cab.manage"
VOTE = "releases.cab.vote"
APPROVE = "releases.business_case.approve"
TRANSFER = "releases.deployment.transfer"
ENDED = (ReleaseStatus.CLOSED, ReleaseStatus.ABANDONED)


def pk_of(value: Any) -> Any:
    return getattr(value, "pk", value)


def one(model: type, pk: Any, field: str, **conditions: Any) -> Any:
    """The ``model`` row ``pk`` (None for no value), or a 400 on ``field``."""
    if pk in (None, ""):
        return None
    try:
        found = model.objects.filter(pk=pk_of(pk), **conditions).first()
    except (ValueError, TypeError):
        found = None
    if found is None:
        raise ValidationError({field: [f"No {model._meta.verbose_name} with this id here."]})
    return found


def money(value: Any, field: str, *, required: bool = False) -> Decimal | None:
    """An amount of money (>= 0, two decimals) or a 400 on ``field``."""
    if value in (None, ""):
        if required:
            raise ValidationError({field: ["This field is required."]})
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: ["Enter an amount."]}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationError({field: ["Enter an amount from 0 to 999,999,999,999."]})
    return amount.quantize(Decimal("0.01"))


def require_open(release: Release) -> None:
    """Refuse (409) to change a closed or abandoned release, or the backlog release
    where only a real release makes sense."""
    if release.status in ENDED:
        raise DomainError(f"{release.number} is {release.get_status_display().lower()}.")


def tell(people: Iterable[Person | None], record: Any, event: str, title: str,
         body: str = "", *, actor: Person | None = None) -> None:  # fmt: skip
    """Notify ``people`` (not the actor) about ``record`` in the caller's transaction."""
    recipients = [p for p in dict.fromkeys(people) if p is not None and p != actor]
    if recipients:
        number = getattr(record, "number", "") or str(record)
        notify.send(recipients=recipients, event=event, title=f"{number}: {title}",
                    body=body or title, record=record)  # fmt: skip


def release_coordinators(service: Service) -> list[Person]:
    """The release coordinators of ``service``, else those holding the role everywhere."""
    return roles.holders(Role.RELEASE_COORDINATOR, service) or roles.holders(
        Role.RELEASE_COORDINATOR
    )


def change_coordinators(service: Service) -> list[Person]:
    """The change coordinators of ``service``, else those holding the role everywhere."""
    return roles.holders(Role.CHANGE_COORDINATOR, service) or roles.holders(Role.CHANGE_COORDINATOR)


def service_owners(service: Service) -> list[Person]:
    return roles.holders(Role.SERVICE_OWNER, service)


def requesters(release: Release) -> list[Person]:
    """Who asked for what the release implements: the requesters of its requests."""
    return [
        h.rfc.requested_by
        for h in release.rfc_handlings.select_related("rfc__requested_by")
        if h.rfc.requested_by_id
    ]


def cab_members(service: Service) -> list[Person]:
    """The members of the service's CAB (none when it has no CAB)."""
    cab = getattr(service, "cab", None) if service.pk else None
    try:
        return list(cab.members.filter(is_active=True)) if cab else []
    except Exception:  # pragma: no cover - defensive: no CAB row
        return []


def backlog_release(service: Service) -> Release:
    """The backlog release of ``service`` (made the first time it is needed): the
    placeholder for the requests for change the next CAB meeting reviews (proc. 2-4)."""
    found = Release.objects.filter(service=service, is_backlog=True).first()
    if found is not None:
        return found
    release = Release(
        title=f"Backlog of {service.name}", service=service, is_backlog=True,
        status=ReleaseStatus.BACKLOG, release_type=ReleaseType.MINOR,
        description="Requests for change waiting for the next CAB meeting.",
    )  # fmt: skip
    numbering.assign(release)
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError:  # made meanwhile by another transaction
        return Release.objects.get(service=service, is_backlog=True)
    journal.system(release, text="The backlog release of the service.")
    return release


def _type(value: Any) -> str:
    if value in (None, ""):
        return ReleaseType.MINOR
    if value not in ReleaseType.values:
        raise ValidationError({"release_type": ["Select a valid choice."]})
    return value


def _window(start: Any, end: Any) -> None:
    if start and end and end < start:
        raise ValidationError({"planned_end": ["The end comes before the start."]})


def release_register(
    *,
    actor: Person,
    title: str,
    service_id: int,
    release_type: str = ReleaseType.MINOR,
    description: str = "",
    planned_start: Any = None,
    planned_end: Any = None,
    target_date: Any = None,
    estimated_cost: Any = None,
    available_budget: Any = None,
    budget_reference: str = "",
    cab_meeting: Any = None,
) -> Release:
    """Proc. 2: after the CAB meeting the release coordinator registers the new release
    (the requests for change to include are linked by the CAB topic); a release the CAB
    does not need to define (a problem fix, an emergency) is registered the same way."""
    if not (title or "").strip():
        raise ValidationError({"title": ["Say what the release delivers."]})
    kind = _type(release_type)
    _window(planned_start, planned_end)
    with transaction.atomic():
        service = one(Service, service_id, "service")
        if service is None:
            raise ValidationError({"service": ["This field is required."]})
        permissions.require(actor, COORDINATE, service)
        release = Release(
            title=title.strip()[:200], description=(description or "").strip(), service=service,
            release_type=kind, coordinator=actor, planned_start=planned_start,
            planned_end=planned_end, target_date=target_date,
            estimated_cost=money(estimated_cost, "estimated_cost"),
            available_budget=money(available_budget, "available_budget"),
            budget_reference=(budget_reference or "").strip()[:60],
            cab_defined=cab_meeting is not None, cab_meeting=cab_meeting,
        )  # fmt: skip
        numbering.assign(release)
        release.full_clean()
        release.save()
        journal.created(release, actor=actor)
        notify.record_event(record=release, event="releases.release.created", actor=actor)
    return release


UPDATE_FIELDS = (
    "title", "description", "release_type", "planned_start", "planned_end", "target_date",
    "estimated_cost", "available_budget", "budget_reference", "plan_notes", "rollback_plan",
)  # fmt: skip


def release_update(
    *,
    actor: Person,
    release_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Release:
    """The release coordinator keeps the release's description, dates, cost estimate,
    budget reference and plans current; each change is journaled. Not the backlog
    release's, nor a closed one's."""
    reject_unknown(data, UPDATE_FIELDS)
    with transaction.atomic():
        release = lock_to_edit(actor, COORDINATE, Release, release_id, expected_version,
                               related=["service"])  # fmt: skip
        inputs.RELEASE_UPDATE.check(actor, data, release)
        require_open(release)
        if release.is_backlog:
            raise DomainError("The backlog release only holds requests for the next CAB meeting.")
        values: dict[str, Any] = {}
        for name in data:
            value = data[name]
            if name == "title":
                if not (value or "").strip():
                    raise ValidationError({"title": ["Say what the release delivers."]})
                value = value.strip()[:200]
            elif name == "release_type":
                value = _type(value)
            elif name in ("estimated_cost", "available_budget"):
                value = money(value, name)
            elif name in ("description", "plan_notes", "rollback_plan", "budget_reference"):
                value = (value or "").strip()
            values[name] = value
        start = values.get("planned_start", release.planned_start)
        end = values.get("planned_end", release.planned_end)
        _window(start, end)
        changes = journal.apply_changes(release, values, list(values))
        if changes:
            release.full_clean()
            release.save()
            journal.field_changes(release, actor=actor, changes=changes)
    return release


def now() -> Any:
    return timezone.now()


# --- Moving requests for change between releases (shared by the procedures) -------------


def put_in_release(
    handling: Any, release: Release, *, actor: Person | None, by_cab: bool = False
) -> Any:
    """Link a request for change (its handling, locked by the caller) to ``release``
    (proc. 1 without a CAB, proc. 2 after the CAB included it); journaled on both."""
    from steward.core import transitions
    from steward.releases import workflows
    from steward.releases.choices import HandlingStatus

    if release.is_backlog or release.status in ENDED:
        raise ValidationError({"release": ["Choose an open release, not the backlog."]})
    if release.service_id != handling.service_id:
        raise ValidationError({"release": ["The release is for another service."]})
    handling.release = release
    if by_cab:
        handling.included_at = timezone.now()
    transitions.transition(
        handling, HandlingStatus.IN_RELEASE, actor=actor, workflow=workflows.HANDLING,
        event="releases.rfc_handling.in_release", also=("release", "included_at"),
    )  # fmt: skip
    journal.system(release, text=f"{handling.rfc.number} {handling.rfc.title} added.",
                   data={"rfc": handling.rfc_id})  # fmt: skip
    return handling


def return_to_backlog(handlings: Iterable[Any], *, actor: Person | None, reason: str) -> int:
    """Proc. 3 and 4: requests for change of a CAB-defined release go back to the
    backlog release of their service for the next CAB meeting (the caller holds the
    release's lock). Returns how many moved."""
    from steward.core import transitions
    from steward.releases import workflows
    from steward.releases.choices import HandlingStatus

    moved = 0
    for handling in handlings:
        backlog = backlog_release(handling.service)
        handling.release = backlog
        transitions.transition(
            handling, HandlingStatus.CAB_LIST, actor=actor, workflow=workflows.HANDLING,
            reason=reason, event="releases.rfc_handling.cab_list", also=("release",),
        )  # fmt: skip
        moved += 1
    return moved
