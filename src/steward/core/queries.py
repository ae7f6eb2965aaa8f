"""Reads of the core building blocks, restricted to what the actor may see.

``<thing>s_for(actor)`` returns a queryset; ``<thing>_for(actor, pk)`` fetches one and
raises Http404 when it does not exist *or* the actor may not see it (no leak of existence).
"""

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from steward.core import clocks, ids, lockout, permissions
from steward.core.choices import ClockKind
from steward.core.models import (
    BusinessCalendar,
    Notification,
    Organisation,
    Person,
    Presence,
    ResponseTemplate,
    RoleAssignment,
    SavedView,
    SlaClock,
    SupportGroup,
)


def one(qs: QuerySet, pk: Any, name: str = "") -> Any:
    """Row ``pk`` of ``qs`` (a ``<things>_for(actor)`` queryset): Http404 when there is none,
    the actor may not see it or ``pk`` is no id, all alike. ``name`` is the record's name in
    the message (by default the model's verbose name)."""
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No {name or qs.model._meta.verbose_name} {pk}.") from None


def permitted(
    actor: Person,
    permission: str,
    qs: QuerySet,
    customer: Callable[[QuerySet], QuerySet] | None = None,
) -> QuerySet:
    """``qs`` for an actor who holds ``permission`` (everywhere or for a scope), else none;
    for customer-side people, what ``customer(qs)`` narrows it to, when given."""
    if not permissions.has(actor, permission):
        return qs.none()
    if customer is not None and permissions.is_customer_side(actor):
        return customer(qs)
    return qs


def organisations_for(actor: Person) -> QuerySet[Organisation]:
    def theirs(qs: QuerySet[Organisation]) -> QuerySet[Organisation]:
        return qs.filter(pk__in=permissions.customer_organisation_ids(actor))

    return permitted(actor, "core.organisation.view", Organisation.objects.all(), theirs)


def organisation_for(actor: Person, pk: Any) -> Organisation:
    return one(organisations_for(actor), pk)


def people_for(actor: Person) -> QuerySet[Person]:
    def theirs(qs: QuerySet[Person]) -> QuerySet[Person]:
        orgs = permissions.customer_organisation_ids(actor)
        return qs.filter(memberships__organisation_id__in=orgs).distinct()

    return permitted(actor, "core.person.view", Person.objects.all(), theirs)


def person_for(actor: Person, pk: Any) -> Person:
    return one(people_for(actor), pk)


def groups_for(actor: Person) -> QuerySet[SupportGroup]:
    return permitted(actor, "core.group.view", SupportGroup.objects.select_related("organisation"))


def group_for(actor: Person, pk: Any) -> SupportGroup:
    return one(groups_for(actor), pk)


def role_assignments_for(actor: Person) -> QuerySet[RoleAssignment]:
    return permitted(
        actor, "core.role.view", RoleAssignment.objects.select_related("person", "scope_type")
    )


def role_assignment_for(actor: Person, pk: Any) -> RoleAssignment:
    return one(role_assignments_for(actor), pk)


def calendars_for(actor: Person) -> QuerySet[BusinessCalendar]:
    return permitted(
        actor,
        "core.calendar.view",
        BusinessCalendar.objects.prefetch_related("periods", "holidays"),
    )


def calendar_for(actor: Person, pk: Any) -> BusinessCalendar:
    return one(calendars_for(actor), pk)


def notifications_for(actor: Person) -> QuerySet[Notification]:
    """A person's own notifications; nobody reads another's."""
    return permitted(actor, "core.access", Notification.objects.filter(recipient=actor))


def my_group_ids(actor: Person) -> list[int]:
    return list(actor.group_memberships.values_list("group_id", flat=True))


def saved_views_for(actor: Person, list_key: str | None = None) -> QuerySet[SavedView]:
    """The actor's own saved views and those shared with a group they belong to (of one
    list page when ``list_key`` is given)."""
    qs = SavedView.objects.filter(Q(owner=actor) | Q(group__memberships__person=actor)).distinct()
    if list_key is not None:
        qs = qs.filter(list_key=list_key)
    return permitted(actor, "core.access", qs.select_related("group", "owner"))


def saved_view_for(actor: Person, pk: Any) -> SavedView:
    return one(saved_views_for(actor), pk, "saved view")


def lockouts_for(actor: Person) -> list[lockout.Lockout]:
    """Login lockouts in force (``lockout.Lockout``), for those who may lift them."""
    if not permissions.has(actor, "core.lockout.change"):
        return []
    return lockout.current_lockouts()


def clocks_of(actor: Person, record: Model) -> QuerySet[SlaClock]:
    """The clocks of ``record`` (which the caller fetched through its area's query, so the
    actor may see it), by kind and metric. Customer-side people see SLA clocks only: OLAs
    and underpinning contracts are the provider's internal agreements."""
    qs = clocks.clocks_for(record).order_by("kind", "metric", "pk")
    if permissions.is_customer_side(actor):
        qs = qs.filter(kind=ClockKind.SLA)
    return qs


def measured_record_for(actor: Person, record_type: str, record_id: Any) -> Model:
    """The record ``record_type`` ("incidents.incidentrequest") ``record_id`` whose clocks
    the actor may read: 400 naming the parameter for a type without clocks or an id no
    record can have, 404 for a record that does not exist or the actor may not see."""
    readers = clocks.readable_types()
    query = readers.get(str(record_type).strip().lower())
    if query is None:
        listed = ", ".join(sorted(readers))
        raise ValidationError({"record_type": [f"Clocks are kept for: {listed}."]})
    pk = ids.parse_id(record_id)
    if pk is None:
        message = f"Enter a record id: a whole number from {ids.MIN_ID} to {ids.MAX_ID}."
        raise ValidationError({"record_id": [message]})
    return one(query(actor), pk)


def presence_for(actor: Person, record: Model) -> list[Presence]:
    """Who else (staff) has ``record``'s page open now, editors first; nobody for
    customer-side people: presence is staff's."""
    if permissions.is_customer_side(actor):
        return []
    return list(
        Presence.objects.filter(
            record_type=ContentType.objects.get_for_model(record, for_concrete_model=True),
            record_id=record.pk,
            expires_at__gt=timezone.now(),
        )
        .exclude(person_id=actor.pk)
        .select_related("person")
        .order_by("-editing", "person__first_name", "person__last_name")
    )


def response_templates_for(actor: Person, kind: str | None = None) -> QuerySet[ResponseTemplate]:
    """The shared reply/resolution templates and the actor's own (none for customer-side
    people, who do not write replies from templates)."""
    if permissions.is_customer_side(actor) or not permissions.has(
        actor, "core.response_template.use"
    ):
        return ResponseTemplate.objects.none()
    qs = ResponseTemplate.objects.filter(Q(owner__isnull=True) | Q(owner=actor))
    qs = qs.select_related("owner")
    return qs.filter(kind=kind) if kind else qs


def response_template_for(actor: Person, pk: Any) -> ResponseTemplate:
    return one(response_templates_for(actor), pk, "template")
