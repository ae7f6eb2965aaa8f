"""Loads the demo data set; safe to run again (adds only what is missing)."""

import time
from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from steward.core import clocks, journal, outbox, refcache, registry
from steward.core.demo import data
from steward.core.models import (
    BusinessCalendar,
    Holiday,
    Organisation,
    OrganisationMembership,
    Person,
    RoleAssignment,
    SupportGroup,
    SupportGroupMembership,
    WorkingPeriod,
)

# The areas add their steps with ``registry.demo_step`` in their AppConfig.ready(); each
# is fn(context), where context holds the objects made so far (see ``load``).


def is_empty() -> bool:
    return not Organisation.objects.exists()


def _created(obj: Any, created: bool, actor: Person | None, counts: dict[str, int]) -> Any:
    if created:
        journal.created(obj, actor=actor, summary=f"{obj} (demo data)")
        key = obj._meta.verbose_name_plural
        counts[key] = counts.get(key, 0) + 1
    return obj


def load(progress: Callable[[str], Any] | None = None) -> dict[str, int]:
    """Run the registered demo steps in dependency order; return the counts of what was added.

    The context the steps share starts with ``counts``; core's steps add ``admin``,
    ``organisations``, ``calendars``, ``groups``, ``people`` and ``scopes`` (the records a
    role may be limited to, by scope kind and name: an area adds its own kind before
    ``core.roles`` runs). ``progress`` is told each step as it starts and how long it took.

    One transaction. The outbox's fast path is held meanwhile: the replayed history would
    otherwise enqueue a task per notification at commit (hundreds of jobs for the worker
    to start with); whatever is due is sent by the dispatcher anyway.
    """
    say = progress or (lambda message: None)
    context: dict[str, Any] = {"counts": {}}
    steps = registry.demo_steps()
    with outbox.fast_path_held(), transaction.atomic():
        for n, step in enumerate(steps, 1):
            started = time.monotonic()
            say(f"  demo data {n}/{len(steps)}: {step.name} ...")
            step.fn(context)
            say(
                f"  demo data {n}/{len(steps)}: {step.name} done in {time.monotonic() - started:.1f} s"
            )
    return {k: v for k, v in context["counts"].items() if v}


def directory(context: dict[str, Any]) -> None:
    """The provider, customers and suppliers, business calendars, support groups, people."""
    counts: dict[str, int] = context["counts"]
    admin, admin_created = Person.objects.get_or_create(
        username="admin",
        defaults={"first_name": "Ada", "last_name": "Admin", "email": "admin@steward-it.example"},
    )
    if admin_created:
        admin.is_staff = admin.is_superuser = True
        admin.password = data.password_hash()
        admin.save()

    orgs: dict[str, Organisation] = {}
    for row in [data.PROVIDER, *data.CUSTOMERS, *data.SUPPLIERS]:
        org, created = Organisation.objects.get_or_create(code=row["code"], defaults=row)
        orgs[row["code"]] = _created(org, created, admin, counts)

    calendars: dict[str, BusinessCalendar] = {}
    for row in data.CALENDARS:
        cal, created = BusinessCalendar.objects.get_or_create(
            name=row["name"],
            defaults={"time_zone": row["time_zone"], "description": row["description"]},
        )
        if created:
            WorkingPeriod.objects.bulk_create(
                WorkingPeriod(calendar=cal, weekday=d, start_time=s, end_time=e)
                for d, s, e in row["periods"]
            )
            Holiday.objects.bulk_create(
                Holiday(calendar=cal, date=day, name=name) for day, name in row["holidays"]
            )
            refcache.bump(clocks.CALENDARS)  # bulk_create sends no signal
        calendars[row["name"]] = _created(cal, created, admin, counts)

    groups: dict[str, SupportGroup] = {}
    for row in data.GROUPS:
        group, created = SupportGroup.objects.get_or_create(
            name=row["name"],
            defaults={
                "organisation": orgs["steward-it"],
                "email": row["email"],
                "skills": row["skills"],
                "calendar": calendars[row["calendar"]],
            },
        )
        groups[row["name"]] = _created(group, created, admin, counts)

    people: dict[str, Person] = {"admin": admin}
    for username, first, last, org_code, title, _roles, _groups in data.PEOPLE:
        person, created = Person.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "job_title": title,
                "email": f"{username}@{orgs[org_code].email.split('@')[1]}",
            },
        )
        if created and username != "admin":
            person.password = data.password_hash()  # hashed once: each hash costs 0.2 s
            person.save(update_fields=["password"])
            _created(person, True, admin, counts)
        OrganisationMembership.objects.get_or_create(
            person=person, organisation=orgs[org_code], defaults={"is_primary": True}
        )
        people[username] = person

    context.update(
        admin=admin, organisations=orgs, calendars=calendars, groups=groups, people=people,
        scopes={"group": groups, "organisation": orgs},
    )  # fmt: skip


def roles(context: dict[str, Any]) -> None:
    """Each demo person's roles (everywhere or limited to a scope) and group memberships."""
    admin, people, groups = context["admin"], context["people"], context["groups"]
    counts, scopes = context["counts"], context["scopes"]
    for username, *_rest, person_roles, group_names in data.PEOPLE:
        person = people[username]
        for role, scope_kind, scope_name in person_roles:
            scope = scopes[scope_kind][scope_name] if scope_kind else None
            _, created = RoleAssignment.objects.get_or_create(
                person=person,
                role=role,
                scope_type=ContentType.objects.get_for_model(scope) if scope else None,
                scope_id=scope.pk if scope else None,
                defaults={"granted_by": admin},
            )
            counts["role assignments"] = counts.get("role assignments", 0) + int(created)
        for name in group_names:
            SupportGroupMembership.objects.get_or_create(group=groups[name], person=person)


registry.demo_step("core.directory", directory)
registry.demo_step("core.roles", roles, after=("core.directory",))
