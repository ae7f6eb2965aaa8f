"""Reads of the core building blocks, restricted to what the actor may see.

``<thing>s_for(actor)`` returns a queryset; ``<thing>_for(actor, pk)`` fetches one and
raises Http404 when it does not exist *or* the actor may not see it (no leak of existence).
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from steward.core import lockout, permissions
from steward.core.models import (
    BusinessCalendar,
    Notification,
    Organisation,
    Person,
    RoleAssignment,
    SupportGroup,
)


def _one(qs: QuerySet, pk: Any) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No {qs.model._meta.verbose_name} {pk}.") from None


def organisations_for(actor: Person) -> QuerySet[Organisation]:
    if not permissions.has(actor, "core.organisation.view"):
        return Organisation.objects.none()
    qs = Organisation.objects.all()
    if permissions.is_customer_side(actor):
        qs = qs.filter(pk__in=permissions.customer_organisation_ids(actor))
    return qs


def organisation_for(actor: Person, pk: Any) -> Organisation:
    return _one(organisations_for(actor), pk)


def people_for(actor: Person) -> QuerySet[Person]:
    if not permissions.has(actor, "core.person.view"):
        return Person.objects.none()
    qs = Person.objects.all()
    if permissions.is_customer_side(actor):
        qs = qs.filter(
            memberships__organisation_id__in=permissions.customer_organisation_ids(actor)
        ).distinct()
    return qs


def person_for(actor: Person, pk: Any) -> Person:
    return _one(people_for(actor), pk)


def groups_for(actor: Person) -> QuerySet[SupportGroup]:
    if not permissions.has(actor, "core.group.view"):
        return SupportGroup.objects.none()
    return SupportGroup.objects.select_related("organisation")


def group_for(actor: Person, pk: Any) -> SupportGroup:
    return _one(groups_for(actor), pk)


def role_assignments_for(actor: Person) -> QuerySet[RoleAssignment]:
    if not permissions.has(actor, "core.role.view"):
        return RoleAssignment.objects.none()
    return RoleAssignment.objects.select_related("person", "scope_type")


def role_assignment_for(actor: Person, pk: Any) -> RoleAssignment:
    return _one(role_assignments_for(actor), pk)


def calendars_for(actor: Person) -> QuerySet[BusinessCalendar]:
    if not permissions.has(actor, "core.calendar.view"):
        return BusinessCalendar.objects.none()
    return BusinessCalendar.objects.prefetch_related("periods", "holidays")


def calendar_for(actor: Person, pk: Any) -> BusinessCalendar:
    return _one(calendars_for(actor), pk)


def notifications_for(actor: Person) -> QuerySet[Notification]:
    """A person's own notifications; nobody reads another's."""
    if not permissions.has(actor, "core.access"):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=actor)


def my_group_ids(actor: Person) -> list[int]:
    return list(actor.group_memberships.values_list("group_id", flat=True))


def lockouts_for(actor: Person) -> list[lockout.Lockout]:
    """Login lockouts in force (``lockout.Lockout``), for those who may lift them."""
    if not permissions.has(actor, "core.lockout.change"):
        return []
    return lockout.current_lockouts()
