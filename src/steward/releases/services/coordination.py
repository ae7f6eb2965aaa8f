"""Seed 003 ch. 10 proc. 2 (the end: the high-level implementation plan) and proc. 4,
Release Coordination, with the post-implementation review.

- The plan (``plan_item_*``): with the change coordinators of the release's service and
  of its supporting services (``Service.supporting_services``, followed through), the
  release coordinator divides the requirements into changes: who coordinates each, which
  requests for change it covers, how long it takes and after which others. ``schedule``
  lays the plan out by day (each change starts the day after the last it depends on ends;
  the critical path gives the total).
- Coordination (``plan_item_send``, ``plan_send_all``): each change's requirement document
  goes to Change Management as a request for change of source "release requirement
  document" (Change Management registers the change from it: ``item.request.change``; it
  never comes back to Release Management, ``changes.rules.needs_release_management``),
  and its change coordinator is told.
- A change completed (``plan_item_complete``): the release coordinator's short update in
  the release; ``rules.after_change_completed`` decides whether additional changes are
  documented and passed on at once, or the failure is accepted. Change Management tells
  the release coordinator when such a change closes (``change_closed``, the provider
  ``releases.change_closed``).
- The release completed, the post-implementation review and closure: ``services/review.py``.

Who: ``releases.release.coordinate`` on the release's service (a release coordinator
limited to it counts there)."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import journal, roles, transitions
from steward.core.choices import Role
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.errors import DomainError
from steward.core.fields import given
from steward.core.models import Person
from steward.releases import inputs, rules, workflows
from steward.releases.choices import (
    Justification,
    PlanItemStatus,
    ReleaseStatus,
)
from steward.releases.models import Release, ReleasePlanItem
from steward.releases.rules import ChangeFollowUp
from steward.releases.services import releases as svc
from steward.service_level.models import Service

COORDINATE = svc.COORDINATE
P, S = PlanItemStatus, ReleaseStatus
# The plan is drafted after the release is registered and may grow during coordination
# (additional changes); not in review or later.
PLANNING = (S.REGISTERED, S.JUSTIFICATION, S.COORDINATION)
UNDER_WAY = (P.PLANNED, P.REQUESTED)
ENDED_ITEMS = (P.COMPLETED, P.PARTLY, P.FAILED)
OUTCOMES = {"completed": P.COMPLETED, "partly": P.PARTLY, "failed": P.FAILED}
MAX_DAYS = 366
MAX_TEXT = 20000
ADDITIONAL_FIELDS = ("additional_title", "additional_requirements", "additional_coordinator_id")


# --- Reading the plan -------------------------------------------------------------------


def supporting_services(service: Service) -> list[Service]:
    """The services ``service`` depends on (``Service.supporting_services``), followed
    through: a release may need their change coordinators too (proc. 2)."""
    found: dict[int, Service] = {}
    todo = [service]
    while todo:
        current = todo.pop()
        for supporting in current.supporting_services.all():
            if supporting.pk not in found and supporting.pk != service.pk:
                found[supporting.pk] = supporting
                todo.append(supporting)
    return sorted(found.values(), key=lambda s: s.name)


def plan_services(release: Release) -> list[Service]:
    """The services a change of the release may be for: its own, then its supporting ones."""
    return [release.service, *supporting_services(release.service)]


def may_coordinate_changes(person: Person, service: Service) -> bool:
    """A change coordinator of ``service`` (the role limited to it, or held everywhere)."""
    return bool(person.is_active) and roles.holds(
        person, Role.CHANGE_COORDINATOR, service, or_everywhere=True
    )


def schedule(items: Iterable[ReleasePlanItem]) -> dict[str, Any]:
    """The plan by day: each change starts the day after the last change it depends on
    ends (day 1 when it depends on none) and takes its duration. Cancelled changes are
    left out. ``rows``: (item, start day, end day, on the critical path) in start order;
    ``total``: the days from the first start to the last end."""
    items = [i for i in items if i.status != P.CANCELLED]
    by_pk = {i.pk: i for i in items}
    deps = {i.pk: [d.pk for d in i.depends_on.all() if d.pk in by_pk] for i in items}
    end: dict[int, int] = {}
    start: dict[int, int] = {}

    def visit(pk: int, seen: tuple[int, ...] = ()) -> int:
        if pk in end:
            return end[pk]
        if pk in seen:  # a cycle saved before the check existed: cut it
            return 0
        start[pk] = max((visit(d, (*seen, pk)) for d in deps[pk]), default=0) + 1
        end[pk] = start[pk] + max(by_pk[pk].duration_days, 1) - 1
        return end[pk]

    for pk in by_pk:
        visit(pk)
    total = max(end.values(), default=0)
    critical: set[int] = set()
    current = next((pk for pk in by_pk if end[pk] == total), None)
    while current is not None:
        critical.add(current)
        before = [d for d in deps[current] if end.get(d) == start[current] - 1]
        current = before[0] if before else None
    rows = sorted(items, key=lambda i: (start[i.pk], i.position, i.pk))
    return {
        "rows": [(i, start[i.pk], end[i.pk], i.pk in critical) for i in rows],
        "total": total,
        "ends": end,
    }


def cycle_through(item_pk: int | None, depends_on: Iterable[ReleasePlanItem]) -> list[Any]:
    """The items of a dependency cycle ``item`` would close by depending on ``depends_on``
    (empty: none): item, dependency, ..., item."""
    if item_pk is None:
        return []
    for first in depends_on:
        path = _path_to(first, item_pk, [])
        if path:
            return path
    return []


def _path_to(item: ReleasePlanItem, target: int, path: list[Any]) -> list[Any]:
    if item.pk == target:
        return [*path, item]
    if any(p.pk == item.pk for p in path):
        return []
    for dep in item.depends_on.all():
        found = _path_to(dep, target, [*path, item])
        if found:
            return found
    return []


def progress(release: Release) -> dict[str, int]:
    """How many of the release's changes (cancelled ones aside) have ended."""
    statuses = list(release.plan_items.exclude(status=P.CANCELLED).values_list("status", flat=True))
    return {
        "total": len(statuses),
        "done": sum(s in ENDED_ITEMS for s in statuses),
        "planned": sum(s == P.PLANNED for s in statuses),
        "requested": sum(s == P.REQUESTED for s in statuses),
    }


# --- Checking input ---------------------------------------------------------------------


def clean_text(value: Any) -> str:
    """Plain text as typed (pages draw its lines; it goes to Change Management as the
    request's description, so no markup)."""
    return str(value or "").strip().replace("\r\n", "\n")[:MAX_TEXT]


def _days(value: Any) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"duration_days": ["Enter a whole number of days."]}) from None
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"duration_days": [f"Enter 1 to {MAX_DAYS} days."]})
    return days


def clean_ids(values: Any, field: str) -> list[int]:
    if values in (None, ""):
        return []
    if isinstance(values, str | int):
        values = [values]
    try:
        return list(dict.fromkeys(int(svc.pk_of(v)) for v in values))
    except (TypeError, ValueError):
        raise ValidationError({field: ["Give ids."]}) from None


def _service(release: Release, service_id: Any) -> Service:
    service = svc.one(Service, service_id, "service")
    if service is None:
        raise ValidationError({"service": ["This field is required."]})
    if service.pk not in {s.pk for s in plan_services(release)}:
        raise ValidationError(
            {"service": ["Choose the release's service or a service it depends on."]}
        )
    return service


def _coordinator(person_id: Any, service: Service, field: str = "change_coordinator") -> Person:
    person = svc.one(Person, person_id, field)
    if person is None:
        raise ValidationError(
            {field: ["Name the change coordinator who takes these requirements."]}
        )
    if not may_coordinate_changes(person, service):
        raise ValidationError({field: [f"{person} is no change coordinator of {service.name}."]})
    return person


def _rfcs(release: Release, rfc_ids: Any) -> list[Any]:
    from steward.changes.models import RequestForChange

    ids = clean_ids(rfc_ids, "rfcs")
    in_release = set(release.rfc_handlings.values_list("rfc_id", flat=True))
    outside = [pk for pk in ids if pk not in in_release]
    if outside:
        raise ValidationError({"rfcs": ["Choose requests for change of this release."]})
    return list(RequestForChange.objects.filter(pk__in=ids))


def _depends_on(release: Release, ids: Any, item: ReleasePlanItem | None) -> list[Any]:
    wanted = clean_ids(ids, "depends_on")
    found = list(release.plan_items.filter(pk__in=wanted).exclude(status=P.CANCELLED))
    if len(found) != len(wanted) or (item is not None and item.pk in wanted):
        raise ValidationError(
            {"depends_on": ["Choose other changes of this release's plan (not cancelled)."]}
        )
    cycle = cycle_through(item.pk if item else None, found)
    if cycle:
        names = " → ".join(i.title for i in [item, *cycle])
        raise ValidationError({"depends_on": [f"This would make a cycle: {names}."]})
    return found


def _requirements(value: Any) -> str:
    text = clean_text(value)
    if not text:
        raise ValidationError({"requirements": ["Write the requirements this change fulfils."]})
    return text


def _title(value: Any, field: str = "title") -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({field: ["Say what the change delivers."]})
    return text[:200]


def lock_release(actor: Person, release_id: Any, expected_version: int | None = None) -> Release:
    return lock_to_edit(actor, COORDINATE, Release, release_id, expected_version,
                        related=["service", "coordinator"])  # fmt: skip


def _lock_item(
    actor: Person, item_id: Any, release_id: Any = None, expected_version: int | None = None
) -> tuple[Release, ReleasePlanItem]:
    """The release (locked first: every write to its plan takes it) and its change."""
    found = None
    if _int(item_id):
        owner = ReleasePlanItem.objects.filter(pk=int(svc.pk_of(item_id)))
        if release_id is not None:
            owner = owner.filter(release_id=svc.pk_of(release_id))
        found = owner.values_list("release_id", flat=True).first()
    if found is None:
        raise ValidationError({"item": ["No change of this release's plan has this id."]})
    release = lock_release(actor, found)
    item = lock_to_edit(actor, COORDINATE, ReleasePlanItem, item_id, expected_version,
                        related=["service", "change_coordinator", "request"])  # fmt: skip
    return release, item


def _int(value: Any) -> bool:
    try:
        int(svc.pk_of(value))
    except (TypeError, ValueError):
        return False
    return True


def _planning(release: Release) -> None:
    svc.require_open(release)
    if release.is_backlog:
        raise DomainError("The backlog release has no plan: it waits for the next CAB meeting.")
    if release.status not in PLANNING:
        raise DomainError(f"{release.number} is {release.get_status_display().lower()}: "
                          "its plan no longer changes.")  # fmt: skip


def require_coordinating(release: Release) -> None:
    if release.status != S.COORDINATION:
        raise DomainError(f"{release.number} is {release.get_status_display().lower()}, "
                          "not in coordination.")  # fmt: skip


# --- Proc. 2: the high-level implementation plan -------------------------------------------


def plan_item_add(
    *,
    actor: Person,
    release_id: int,
    title: str,
    service_id: Any,
    change_coordinator_id: Any,
    requirements: str,
    rfc_ids: Any = (),
    duration_days: Any = 1,
    depends_on_ids: Any = (),
    expected_version: int | None = None,
) -> ReleasePlanItem:
    """Proc. 2: the release coordinator and the change coordinators of the service and of
    its supporting services divide the requirements of the release's requests for change
    amongst them: one change per coordinator's share, with its duration and the changes
    it depends on."""
    values = given(title=title, requirements=requirements)
    with transaction.atomic():
        release = lock_release(actor, release_id, expected_version)
        inputs.PLAN_ITEM_ADD.check(actor, values, release)
        _planning(release)
        item = _new_item(release, title=title, service_id=service_id,
                         change_coordinator_id=change_coordinator_id, requirements=requirements,
                         rfc_ids=rfc_ids, duration_days=duration_days,
                         depends_on_ids=depends_on_ids)  # fmt: skip
        journal.system(release, text=f"{actor} added the change “{item.title}” to the plan "
                       f"({item.service.name}, {item.change_coordinator}, "
                       f"{item.duration_days} d).", data={"plan_item": item.pk})  # fmt: skip
        release.save(update_fields=["updated_at"])
    return item


def _new_item(release: Release, *, title: Any, service_id: Any, change_coordinator_id: Any,
              requirements: Any, rfc_ids: Any = (), duration_days: Any = 1,
              depends_on_ids: Any = (), additional: bool = False) -> ReleasePlanItem:  # fmt: skip
    title = _title(title)
    text = _requirements(requirements)
    days = _days(duration_days)
    service = _service(release, service_id)
    coordinator = _coordinator(change_coordinator_id, service)
    rfcs = _rfcs(release, rfc_ids)
    depends = _depends_on(release, depends_on_ids, None)
    last = release.plan_items.order_by("-position").values_list("position", flat=True).first()
    item = ReleasePlanItem(
        release=release, position=(last or 0) + 1, title=title, service=service,
        change_coordinator=coordinator, requirements=text, duration_days=days,
        additional=additional,
    )  # fmt: skip
    item.full_clean()
    item.save()
    item.rfcs.set(rfcs)
    item.depends_on.set(depends)
    from steward.core import notify

    notify.record_event(record=item, event="releases.release_plan_item.created", actor=None)
    return item


UPDATE_FIELDS = ("title", "service", "change_coordinator", "requirements", "rfcs",
                 "duration_days", "depends_on")  # fmt: skip


def plan_item_update(
    *,
    actor: Person,
    item_id: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> ReleasePlanItem:
    """Proc. 2: change a planned change of the plan (not once its requirements are sent:
    Change Management has them then). A new service needs a change coordinator of it."""
    reject_unknown(data, UPDATE_FIELDS)
    with transaction.atomic():
        release, item = _lock_item(actor, item_id, None, expected_version)
        inputs.PLAN_ITEM_UPDATE.check(actor, data, item)
        _planning(release)
        if item.status != P.PLANNED:
            raise DomainError(f"“{item.title}” is {item.get_status_display().lower()}: "
                              "only a planned change is edited.")  # fmt: skip
        values: dict[str, Any] = {}
        if "title" in data:
            values["title"] = _title(data["title"])
        if "requirements" in data:
            values["requirements"] = _requirements(data["requirements"])
        if "duration_days" in data:
            values["duration_days"] = _days(data["duration_days"])
        if "service" in data:
            values["service"] = _service(release, data["service"])
        service = values.get("service", item.service)
        if "change_coordinator" in data:
            values["change_coordinator"] = _coordinator(data["change_coordinator"], service)
        elif "service" in data and item.change_coordinator_id:
            _coordinator(item.change_coordinator_id, service)
        changed = list(journal.apply_changes(item, values, list(values)))
        if "rfcs" in data:
            item.rfcs.set(_rfcs(release, data["rfcs"]))
            changed.append("rfcs")
        if "depends_on" in data:
            item.depends_on.set(_depends_on(release, data["depends_on"], item))
            changed.append("depends_on")
        item.full_clean()
        item.save()
        if changed:
            names = ", ".join(c.replace("_", " ") for c in changed)
            journal.system(release, text=f"{actor} changed “{item.title}” in the plan: {names}.",
                           data={"plan_item": item.pk})  # fmt: skip
    return item


def plan_item_remove(
    *, actor: Person, item_id: int, release_id: int | None = None,
    expected_version: int | None = None,
) -> Release:  # fmt: skip
    """Proc. 2: take a planned change out of the plan (those depending on it no longer
    do). A change whose requirements were sent stays: Change Management has it."""
    with transaction.atomic():
        release, item = _lock_item(actor, item_id, release_id, None)
        versioning_check(release, expected_version)
        _planning(release)
        if item.status != P.PLANNED:
            raise DomainError(f"“{item.title}” is {item.get_status_display().lower()}: "
                              "only a planned change is removed.")  # fmt: skip
        journal.system(release, text=f"{actor} removed the change “{item.title}” from the plan.",
                       data={"plan_item": item.pk})  # fmt: skip
        item.delete()
        release.save(update_fields=["updated_at"])
    return release


def versioning_check(record: Any, expected_version: int | None) -> None:
    from steward.core import versioning

    versioning.check(record, expected_version)


# --- Proc. 4: the requirement documents ----------------------------------------------------


def _answer(values: list[bool | None], *, all_needed: bool = False) -> bool | None:
    """One answer for the change from those of the requests it covers: any yes is yes
    (``all_needed``: every one must say yes), all no is no, else unknown."""
    if all_needed:
        if values and all(v is True for v in values):
            return True
        return False if any(v is False for v in values) else None
    if any(v is True for v in values):
        return True
    return False if values and all(v is False for v in values) else None


def requirement_document(item: ReleasePlanItem, end_day: int | None = None) -> str:
    """The requirement document of one change: the release, the requirements the change
    coordinator is responsible for, the requests for change they come from and the
    changes it follows."""
    release = item.release
    lines = [
        f"Release {release.number} {release.title} ({release.service.name}).",
        f"Change {item.position} of its plan: {item.title}.",
        "",
        "Requirements:",
        item.requirements,
    ]
    rfcs = list(item.rfcs.all())
    if rfcs:
        lines += ["", "From the requests for change:"]
        lines += [f"- {r.number} {r.title}" for r in rfcs]
    after = list(item.depends_on.all())
    if after:
        lines += ["", "After: " + ", ".join(d.title for d in after) + "."]
    days = f"{item.duration_days} day{'s' if item.duration_days != 1 else ''}"
    lines += ["", f"Planned duration: {days}" + (f", done by day {end_day} of the plan."
                                                 if end_day else ".")]  # fmt: skip
    return "\n".join(lines)[:MAX_TEXT]


def _send(actor: Person, release: Release, item: ReleasePlanItem) -> ReleasePlanItem:
    """Submit the change's requirement document to Change Management (a request for
    change of source "release requirement document"), link it, tell its coordinator."""
    from steward.changes.services.rfcs import rfc_submit

    if item.change_coordinator_id is None:
        raise ValidationError({"change_coordinator": ["Name the change coordinator first."]})
    if not may_coordinate_changes(item.change_coordinator, item.service):
        raise ValidationError({"change_coordinator": [
            f"{item.change_coordinator} is no longer a change coordinator of "
            f"{item.service.name}."]})  # fmt: skip
    plan = schedule(release.plan_items.prefetch_related("depends_on"))
    end_day = plan["ends"].get(item.pk)
    now = timezone.now()
    covered = list(item.rfcs.all()) or [h.rfc for h in release.rfc_handlings.select_related("rfc")]
    answers = {
        name: _answer([getattr(r, name) for r in covered])
        for name in ("causes_outage_in_service_hours", "functionality_changes", "cmdb_update")
    }
    funded = release.justification in (Justification.CANCELLED, Justification.APPROVED)
    rfc = rfc_submit(
        actor=actor, title=item.title, service_id=item.service_id, source="release",
        origin_reference=release.number, description=requirement_document(item, end_day),
        wanted_by=now + dt.timedelta(days=end_day or item.duration_days),
        problem_fix=_answer([r.problem_fix for r in covered], all_needed=True),
        single_coordinator=True,
        extra_funding=False if funded else _answer([r.extra_funding for r in covered]),
        **answers,
    )  # fmt: skip
    item.request, item.sent_at = rfc, now
    transitions.transition(
        item, P.REQUESTED, actor=actor, workflow=workflows.PLAN_ITEM,
        event="releases.release_plan_item.requested", also=("request", "sent_at"),
    )  # fmt: skip
    journal.system(release, text=f"The requirements of “{item.title}” went to "
                   f"{item.change_coordinator} as {rfc.number}.",
                   data={"plan_item": item.pk, "rfc": rfc.pk})  # fmt: skip
    svc.tell([item.change_coordinator], rfc, "release.requirements_sent",
             f"Release requirements from {release.number}: {item.title}",
             f"The release coordinator of {release.number} {release.title} sent you the "
             f"requirements of “{item.title}”: register the change from {rfc.number}.",
             actor=actor)  # fmt: skip
    return item


def plan_item_send(
    *, actor: Person, item_id: int, release_id: int | None = None,
    expected_version: int | None = None,
) -> ReleasePlanItem:  # fmt: skip
    """Proc. 4: the release coordinator sends one change's requirement document to its
    change coordinator and makes sure the change is registered and linked to the release
    (the request for change it becomes in Change Management)."""
    with transaction.atomic():
        release, item = _lock_item(actor, item_id, release_id, expected_version)
        require_coordinating(release)
        if item.status != P.PLANNED:
            raise DomainError(f"“{item.title}” is {item.get_status_display().lower()}: "
                              "its requirements were sent already.")  # fmt: skip
        _send(actor, release, item)
        release.save(update_fields=["updated_at"])
    return item


def plan_send_all(
    *, actor: Person, release_id: int, expected_version: int | None = None
) -> list[ReleasePlanItem]:
    """Proc. 4 as one step: every planned change's requirement document is sent."""
    with transaction.atomic():
        release = lock_release(actor, release_id, expected_version)
        require_coordinating(release)
        items = list(
            release.plan_items.select_for_update()
            .filter(status=P.PLANNED)
            .order_by("position", "pk")
        )
        if not items:
            raise DomainError("No planned change is waiting for its requirements to be sent.")
        for item in items:
            _send(actor, release, item)
        release.save(update_fields=["updated_at"])
    return items


# --- Proc. 4: a change completed ------------------------------------------------------------


def _check_additional(follow: ChangeFollowUp, extra: dict[str, Any]) -> None:
    """The additional change's fields: all of them when the rule calls for one, none
    otherwise (400 naming each)."""
    given_extra = [k for k, v in extra.items() if v not in (None, "")]
    if follow != ChangeFollowUp.ADDITIONAL and given_extra:
        raise ValidationError({k: ["An additional change is documented only when the "
                                   "requirements were not all fulfilled and another change "
                                   "can still fulfil them or complete the black-out."]
                               for k in given_extra})  # fmt: skip
    if follow == ChangeFollowUp.ADDITIONAL:
        missing = {k: ["Document the additional change: this field is required."]
                   for k in ADDITIONAL_FIELDS if extra[k] in (None, "")}  # fmt: skip
        if missing:
            raise ValidationError(missing)


def _additional_change(actor: Person, release: Release, item: ReleasePlanItem, *, title: str,
                       requirements: str, coordinator_id: Any, duration_days: Any,
                       blackout: bool) -> ReleasePlanItem:  # fmt: skip
    """Proc. 4: the additional change documented after ``item`` (same service and RFCs),
    passed on to its change coordinator at once."""
    try:
        added = _new_item(
            release, title=title, service_id=item.service_id,
            change_coordinator_id=coordinator_id,
            requirements=requirements,
            rfc_ids=list(item.rfcs.values_list("pk", flat=True)),
            duration_days=duration_days or item.duration_days,
            additional=True,
        )  # fmt: skip
    except ValidationError as exc:
        names = {"title": "additional_title", "requirements": "additional_requirements",
                 "change_coordinator": "additional_coordinator_id",
                 "duration_days": "additional_duration_days"}  # fmt: skip
        raise ValidationError({names.get(k, k): v for k, v in exc.message_dict.items()}) from None
    reason = ("to complete the black-out of the release" if blackout
              else "to fulfil the requirements not met")  # fmt: skip
    journal.system(release, text=f"Additional change “{added.title}” documented "
                   f"after “{item.title}”, {reason}.", data={"plan_item": added.pk})  # fmt: skip
    _send(actor, release, added)
    return added


def plan_item_complete(
    *,
    actor: Person,
    item_id: int,
    outcome: str,
    note: str,
    release_id: int | None = None,
    additional_change_possible: bool | None = None,
    blackout_incomplete: bool | None = None,
    additional_title: str = "",
    additional_requirements: str = "",
    additional_coordinator_id: Any = None,
    additional_duration_days: Any = None,
    expected_version: int | None = None,
) -> ReleasePlanItem:
    """Proc. 4: a change coordinator has told the release coordinator that one of the
    release's changes is completed; the release coordinator enters a short update in the
    release. If its requirements could not all be fulfilled: when additional changes can
    still fulfil all or most of the release's requirements, or are needed to complete the
    black-out of the release, their requirements are documented and passed on to the
    change coordinator at once (``additional_*``); otherwise the failure is accepted.
    Returns the completed change."""
    if outcome not in OUTCOMES:
        raise ValidationError({"outcome": ["Choose completed, partly or failed."]})
    text = clean_text(note)
    if not text:
        raise ValidationError({"note": ["Enter the short update for the release."]})
    follow = rules.after_change_completed(
        requirements_fulfilled=outcome == "completed",
        additional_change_possible=additional_change_possible,
        blackout_incomplete=blackout_incomplete,
    )
    _check_additional(follow, {"additional_title": additional_title,
                               "additional_requirements": additional_requirements,
                               "additional_coordinator_id": additional_coordinator_id})  # fmt: skip
    with transaction.atomic():
        release, item = _lock_item(actor, item_id, release_id, expected_version)
        inputs.PLAN_ITEM_COMPLETE.check(actor, given(
            note=note, additional_title=additional_title,
            additional_requirements=additional_requirements), item)  # fmt: skip
        require_coordinating(release)
        if item.status != P.REQUESTED:
            raise DomainError(f"“{item.title}” is {item.get_status_display().lower()}: only "
                              "a change whose requirements were sent is completed.")  # fmt: skip
        item.outcome_note, item.completed_at = text, timezone.now()
        status = OUTCOMES[outcome]
        transitions.transition(
            item, status, actor=actor, workflow=workflows.PLAN_ITEM,
            event=f"releases.release_plan_item.{status}", also=("outcome_note", "completed_at"),
        )  # fmt: skip
        change = item.request.change if item.request_id and item.request.change_id else None
        ref = f" ({change.number})" if change else (f" ({item.request.number})"
                                                    if item.request_id else "")  # fmt: skip
        update = f"“{item.title}”{ref}: {P(status).label.lower()}. {text}"
        if follow == ChangeFollowUp.ACCEPT:
            update += "\nThe failure is accepted: the requirements it did not fulfil stay unmet."
        journal.note_add(actor=actor, record=release, body=update, public=False,
                         permission=COORDINATE)  # fmt: skip
        if follow == ChangeFollowUp.ADDITIONAL:
            _additional_change(actor, release, item, title=additional_title,
                               requirements=additional_requirements,
                               coordinator_id=additional_coordinator_id,
                               duration_days=additional_duration_days,
                               blackout=bool(blackout_incomplete))  # fmt: skip
        release.save(update_fields=["updated_at"])
    return item


def change_closed(change: Any) -> int:
    """Change Management's word (``releases.change_closed``, from ``changes.services.
    closure``) that a change closed or was backed out: the release coordinator of each
    release in coordination with a change of the plan whose request became this change is
    told, to record the outcome (no status changes here). Returns how many were told."""
    items = ReleasePlanItem.objects.filter(
        request__change=change, status=P.REQUESTED, release__status=S.COORDINATION
    ).select_related("release", "release__service", "release__coordinator")
    told = 0
    for item in items:
        release = item.release
        people = [release.coordinator] if release.coordinator_id else (
            svc.release_coordinators(release.service))  # fmt: skip
        state = change.get_status_display().lower()
        svc.tell(people, release, "release.change_closed",
                 f"Change {change.number} of “{item.title}” is {state}",
                 f"Change Management {state} {change.number} {change.title}. Record the "
                 f"outcome of “{item.title}” in {release.number}: completed, partly or "
                 "failed.")  # fmt: skip
        journal.system(release, text=f"Change {change.number} of “{item.title}” is {state}.",
                       data={"plan_item": item.pk, "change": change.pk})  # fmt: skip
        told += 1
    return told
