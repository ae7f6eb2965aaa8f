"""One filter set per model, shared by the list pages, their htmx partials and the API.

A filter that takes a record's id is an ``IdFilter``: a bounded whole number, so a value
no record can have is a field error (400 in the API, a message on the page), never a
query the database refuses.

In the API nothing a client sends is silently ignored (``StrictFilterBackend`` and
``refuse_unknown_parameters``): an unknown choice, a malformed number, date or boolean
(exactly ``true`` or ``false``), and a query parameter a list endpoint does not take are
400 naming the parameter. Pages keep django-filter's lenient reading (their forms send
what they offer).
"""

from collections.abc import Callable, Sequence
from typing import Any

import django_filters
from django import forms
from django.db.models import Model, Q, QuerySet
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.request import Request

from steward.core.choices import OrganisationKind, Role
from steward.core.formfields import IsoDateTimeField
from steward.core.ids import MAX_ID, MIN_ID
from steward.core.models import BusinessCalendar, Organisation, Person, RoleAssignment, SupportGroup

# Words of a ``q`` matched (each is a condition over every search field).
MAX_SEARCH_WORDS = 8
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


# Query parameters every list endpoint takes besides its filters and its pagination's.
LIST_PARAMETERS = frozenset({"format"})
BOOLEAN_VALUES = {"true": True, "false": False}
BOOLEAN_MESSAGE = "Enter true or false."
BOOLEAN_HELP = "`true` or `false`."


def _unknown_message(allowed: set[str]) -> str:
    listed = ", ".join(sorted(allowed)) or "none"
    return f"This list does not take this parameter. It takes: {listed}."


def list_parameters(view: Any) -> set[str]:
    """The query parameters a list endpoint takes: its filters, its pagination's and
    ``LIST_PARAMETERS``, plus the names the view lists in ``query_parameters``."""
    names = set(LIST_PARAMETERS) | set(getattr(view, "query_parameters", ()))
    for backend in getattr(view, "filter_backends", ()):
        if isinstance(backend, type) and issubclass(backend, DjangoFilterBackend):
            filterset_class = backend().get_filterset_class(view, view.get_queryset())
            if filterset_class is not None:
                names |= set(filterset_class.base_filters)
    paginator = getattr(view, "paginator", None)
    for attribute in ("cursor_query_param", "page_size_query_param"):
        if getattr(paginator, attribute, None):
            names.add(getattr(paginator, attribute))
    return names


def refuse_unknown_parameters(request: Request, view: Any) -> None:
    """400 naming each query parameter the list endpoint does not take: a misspelt
    filter (``?staus=new``) would otherwise return everything."""
    allowed = list_parameters(view)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise exceptions.ValidationError({name: [_unknown_message(allowed)] for name in unknown})


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter for the API, refusing what it would ignore: a boolean other than
    ``true``/``false`` (django-filter reads ``yes`` as "not given") or a parameter given
    twice where one value is taken. Invalid values are 400 naming the parameter."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        errors: dict[str, list[str]] = {}
        for name, filter_ in filterset.filters.items():
            values = request.query_params.getlist(name)
            # ModelMultipleChoiceFilter is a MultipleChoiceFilter too: both take repeats.
            if not values or isinstance(filter_, django_filters.MultipleChoiceFilter):
                continue
            if len(values) > 1:
                errors[name] = ["Give this parameter once."]
            elif isinstance(filter_, django_filters.BooleanFilter) and (
                values[0] not in BOOLEAN_VALUES
            ):
                errors[name] = [BOOLEAN_MESSAGE]
        if errors:
            raise exceptions.ValidationError(errors)
        if not filterset.is_valid():
            raise filter_utils.translate_validation(filterset.errors)
        return filterset.qs


class StrictFilterExtension(DjangoFilterExtension):
    """The schema of ``StrictFilterBackend``'s parameters: a filter with a ``method`` is
    typed by its filter class (``BooleanFilter``: boolean), not by the method's untyped
    ``value``; booleans say which two values they take; choices given as a function get
    their enum too (drf-spectacular leaves it out in case the function reads the database;
    Steward's read registries filled at start-up, e.g. the record types that take
    attachments)."""

    target_class = "steward.core.filters.StrictFilterBackend"
    priority = 1

    def _get_explicit_filter_choices(self, filter_field: Any) -> Any:
        choices = filter_field.extra.get("choices")
        if callable(choices):
            return [value for value, _ in choices()]
        return super()._get_explicit_filter_choices(filter_field)

    def _get_filter_method_hint(self, filter_method: Any) -> Any:
        hint = super()._get_filter_method_hint(filter_method)
        return hint if hint is not Any else super()._get_filter_method_hint(None)

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):  # type: ignore[no-untyped-def]
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        if isinstance(filter_field, django_filters.BooleanFilter):
            for parameter in parameters:
                text = (parameter.get("description") or "").rstrip(".")
                parameter["description"] = f"{text}: `true` or `false`." if text else BOOLEAN_HELP
        return parameters


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """A date and time in ISO 8601, handed on in UTC (see ``core.formfields``)."""

    field_class = IsoDateTimeField


def any_field(fields: Sequence[str], word: str) -> Q:
    """``word`` in one of ``fields`` (a case-insensitive substring)."""
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": word})
    return condition


def every_word(fields: Sequence[str], words: Sequence[str]) -> Q:
    """Each of ``words`` in one of ``fields``, in any order; empty with no words."""
    condition = Q()
    for word in words:
        condition &= any_field(fields, word)
    return condition


class SearchFilterSet(django_filters.FilterSet):
    """Adds a free-text ``q`` over ``search_fields``: every word of it must appear in one of
    the fields (case-insensitive), in any order ("smith john" finds John Smith)."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(method="filter_q", label="Search")

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = every_word(self.search_fields, value.split()[:MAX_SEARCH_WORDS])
        return queryset.filter(condition) if condition else queryset


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
