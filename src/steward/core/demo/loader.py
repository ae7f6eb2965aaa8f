"""Loads the demo data set; safe to run again (adds only what is missing)."""

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from steward.core import clocks, journal, numbering, refcache
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

# Later areas append loaders here: fn(context) where context holds the objects made so far.
EXTENSIONS: list[Callable[[dict[str, Any]], None]] = []


def is_empty() -> bool:
    return not Organisation.objects.exists()


def _created(obj: Any, created: bool, actor: Person | None, counts: dict[str, int]) -> Any:
    if created:
        journal.created(obj, actor=actor, summary=f"{obj} (demo data)")
        key = obj._meta.verbose_name_plural
        counts[key] = counts.get(key, 0) + 1
    return obj


@transaction.atomic
def load() -> dict[str, int]:
    """Create the demo organisations, calendars, groups, services and people; return what was added."""
    from steward.service_level.choices import ServiceStatus
    from steward.service_level.models import Service

    counts: dict[str, int] = {}
    admin, admin_created = Person.objects.get_or_create(
        username="admin",
        defaults={"first_name": "Ada", "last_name": "Admin", "email": "admin@steward-it.example"},
    )
    if admin_created:
        admin.is_staff = admin.is_superuser = True
        admin.set_password(data.DEMO_PASSWORD)
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
            person.set_password(data.DEMO_PASSWORD)
            person.save(update_fields=["password"])
            _created(person, True, admin, counts)
        OrganisationMembership.objects.get_or_create(
            person=person, organisation=orgs[org_code], defaults={"is_primary": True}
        )
        people[username] = person

    services: dict[str, Any] = {}
    for row in data.SERVICES:
        service = Service.objects.filter(name=row["name"]).first()
        if service is None:
            service = Service(
                name=row["name"],
                description=row["description"],
                owner=people[row["owner"]],
                provider=orgs["steward-it"],
                service_hours=calendars[row["hours"]],
                status=ServiceStatus.ACTIVE,
            )
            numbering.assign(service)
            service.save()
            service.customers.set([orgs[c] for c in row["customers"]])
            _created(service, True, admin, counts)
        services[row["name"]] = service

    scopes = {"group": groups, "service": services, "organisation": orgs}
    for username, *_rest, roles, group_names in data.PEOPLE:
        person = people[username]
        for role, scope_kind, scope_name in roles:
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

    context = {
        "admin": admin, "organisations": orgs, "calendars": calendars, "groups": groups,
        "people": people, "services": services, "counts": counts,
    }  # fmt: skip
    for extension in EXTENSIONS:
        extension(context)
    return {k: v for k, v in counts.items() if v}
