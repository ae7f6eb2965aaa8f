"""One filter set per model, shared by the list pages, their htmx partials and the API.

A filter that takes a record's id is an ``IdFilter``: a bounded whole number, so a value
no record can have is a field error (400 in the API, a message on the page), never a
query the database refuses.
"""

from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.db.models import Model, Q, QuerySet
from drf_spectacular.utils import extend_schema_field

from steward.core.choices import OrganisationKind, Role
from steward.core.formfields import IsoDateTimeField
from steward.core.ids import MAX_ID, MIN_ID
from steward.core.models import BusinessCalendar, Organisation, Person, RoleAssignment, SupportGroup

ID_MESSAGE = f"Enter a record id: a whole number from {MIN_ID} to {MAX_ID}."


@extend_schema_field({"type": "integer", "format": "int64", "minimum": MIN_ID, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A record id (``?assignee=12``): a whole number from 1 to the largest id."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("min_value", MIN_ID)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault(
            "error_messages",
            {"invalid": ID_MESSAGE, "min_value": ID_MESSAGE, "max_value": ID_MESSAGE},
        )
        super().__init__(*args, **kwargs)


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """A date and time in ISO 8601, handed on in UTC (see ``core.formfields``)."""

    field_class = IsoDateTimeField


class SearchFilterSet(django_filters.FilterSet):
    """Adds a free-text ``q`` over ``search_fields``."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(method="filter_q", label="Search")

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class OrganisationFilterSet(SearchFilterSet):
    search_fields = ("name", "code", "email")
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Organisation
        fields = ["kind", "is_active"]


class PersonFilterSet(SearchFilterSet):
    search_fields = ("username", "first_name", "last_name", "email", "job_title")
    organisation = django_filters.ModelChoiceFilter(
        field_name="memberships__organisation", queryset=Organisation.objects.all(), distinct=True
    )
    role = django_filters.ChoiceFilter(
        field_name="role_assignments__role", choices=Role.choices, distinct=True
    )
    group = django_filters.ModelChoiceFilter(
        field_name="group_memberships__group", queryset=SupportGroup.objects.all(), distinct=True
    )
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Person
        fields = ["organisation", "role", "group", "is_active"]


class SupportGroupFilterSet(SearchFilterSet):
    search_fields = ("name", "skills", "description")
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = SupportGroup
        fields = ["organisation", "is_active"]


class RoleAssignmentFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    person = IdFilter(field_name="person_id", label="Person (id)")

    class Meta:
        model = RoleAssignment
        fields = ["role", "person"]


class BusinessCalendarFilterSet(SearchFilterSet):
    search_fields = ("name", "description", "time_zone")

    class Meta:
        model = BusinessCalendar
        fields = ["time_zone"]


def request_actor(request: Any) -> Person | None:
    """The signed-in person of a filter set's request, or None (a form built without one)."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def choices_for(
    query: Callable[[Person], QuerySet], model: type[Model]
) -> Callable[[Any], QuerySet]:
    """A ``ModelChoiceFilter`` queryset: what ``query(actor)`` lets the requesting person
    see, nothing without one; the same read the pages and the API use."""

    def choices(request: Any) -> QuerySet:
        actor = request_actor(request)
        return query(actor) if actor is not None else model._default_manager.none()

    return choices
