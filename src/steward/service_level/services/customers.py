"""Customer Information Maintenance (seed 003 ch. 11 proc. 3).

Customer organisations and their people are registered with the directory services
(``steward.core.services.directory``: organisation_create/update, person_create/update).
This module keeps the customer's contacts for service level management: who represents the
customer (signs its SLAs, attends its reviews) and who is its service level manager
(approves catalog items prepared for it, reviews its SLAs). Both are role assignments
limited to the organisation, so the permission checks follow them.
"""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction

from steward.core import journal, notify, permissions, versioning
from steward.core.choices import OrganisationKind, Role
from steward.core.edits import lock_to_edit
from steward.core.models import Organisation, Person, RoleAssignment


def _people(ids: Iterable[int], field: str) -> list[Person]:
    wanted = list(dict.fromkeys(int(pk) for pk in ids))
    found = {p.pk: p for p in Person.objects.filter(pk__in=wanted)}
    unknown = [pk for pk in wanted if pk not in found]
    if unknown:
        raise ValidationError({field: [f"Unknown person {pk}." for pk in unknown]})
    inactive = [str(found[pk]) for pk in wanted if not found[pk].is_active]
    if inactive:
        raise ValidationError({field: [f"{name} is no longer active." for name in inactive]})
    return [found[pk] for pk in wanted]


def _sync(
    organisation: Organisation, role: str, people: list[Person], *, actor: Person
) -> tuple[list[Person], list[Person]]:
    """Make exactly ``people`` hold ``role`` for the organisation; return (added, removed)."""
    ct = ContentType.objects.get_for_model(Organisation)
    current = RoleAssignment.objects.select_related("person").filter(
        role=role, scope_type=ct, scope_id=organisation.pk
    )
    wanted = {p.pk for p in people}
    removed = [a.person for a in current if a.person_id not in wanted]
    current.filter(person_id__in=[p.pk for p in removed]).delete()
    holding = {a.person_id for a in current}
    added = []
    for person in people:
        if person.pk in holding:
            continue
        RoleAssignment.objects.create(
            person=person, role=role, scope_type=ct, scope_id=organisation.pk, granted_by=actor
        )
        added.append(person)
    label = Role(role).label.lower()
    for person in added:
        journal.system(person, text=f"Now {label} of {organisation}.", data={"role": role})
        permissions.forget(person)
    for person in removed:
        journal.system(person, text=f"No longer {label} of {organisation}.", data={"role": role})
        permissions.forget(person)
    return added, removed


def customer_set_contacts(
    *,
    actor: Person,
    organisation_id: int,
    representatives: list[int],
    service_level_managers: list[int],
    expected_version: int | None = None,
) -> Organisation:
    """Set the customer representative(s) and service level manager(s) of a customer.

    Representatives are people of the customer organisation; service level managers are
    provider staff. Each becomes a role limited to this customer.
    """
    with transaction.atomic():
        organisation = lock_to_edit(
            actor, "core.organisation.change", Organisation, organisation_id, expected_version
        )
        if organisation.kind != OrganisationKind.CUSTOMER:
            raise ValidationError({"organisation": [f"{organisation} is not a customer."]})
        reps = _people(representatives, "representatives")
        members = set(
            organisation.memberships.filter(person__in=reps).values_list("person_id", flat=True)
        )
        outsiders = [str(p) for p in reps if p.pk not in members]
        if outsiders:
            raise ValidationError(
                {"representatives": [f"{n} does not work for {organisation}." for n in outsiders]}
            )
        managers = _people(service_level_managers, "service_level_managers")
        staff_of_customer = set(
            organisation.memberships.filter(person__in=managers).values_list("person_id", flat=True)
        )
        customer_people = [
            str(p) for p in managers if permissions.is_customer_side(p) or p.pk in staff_of_customer
        ]
        if customer_people:
            raise ValidationError(
                {
                    "service_level_managers": [
                        f"{n} is customer staff, not a service level manager."
                        for n in customer_people
                    ]
                }
            )
        added_reps, removed_reps = _sync(
            organisation, Role.CUSTOMER_REPRESENTATIVE, reps, actor=actor
        )
        added_mgrs, removed_mgrs = _sync(
            organisation, Role.SERVICE_LEVEL_MANAGER, managers, actor=actor
        )
        if added_reps or removed_reps or added_mgrs or removed_mgrs:
            versioning.touch(organisation)  # its contacts are part of the customer record
            names = ", ".join(str(p) for p in reps) or "none"
            mgr_names = ", ".join(str(p) for p in managers) or "none"
            journal.system(
                organisation,
                text=f"Customer representatives: {names}. Service level managers: {mgr_names}.",
                data={
                    "representatives": [p.pk for p in reps],
                    "service_level_managers": [p.pk for p in managers],
                },
            )
            notify.record_event(
                record=organisation,
                event="core.organisation.contacts_changed",
                actor=actor,
                data={
                    "representatives": [p.pk for p in reps],
                    "service_level_managers": [p.pk for p in managers],
                },
            )
    return organisation


def customer_contacts(organisation: Organisation) -> dict[str, list[Person]]:
    """The customer's representatives and service level managers (limited to it)."""
    ct = ContentType.objects.get_for_model(Organisation)
    found: dict[str, list[Person]] = {"representatives": [], "service_level_managers": []}
    key = {
        Role.CUSTOMER_REPRESENTATIVE: "representatives",
        Role.SERVICE_LEVEL_MANAGER: "service_level_managers",
    }
    for assignment in (
        RoleAssignment.objects.filter(scope_type=ct, scope_id=organisation.pk, role__in=list(key))
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    ):
        found[key[assignment.role]].append(assignment.person)
    return found
