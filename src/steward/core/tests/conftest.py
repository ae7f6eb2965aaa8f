"""Fixtures shared by the core tests of SLA clocks."""

import pytest

from steward.core.models import BusinessCalendar, Organisation
from steward.core.tests.factories import BusinessCalendarFactory, OrganisationFactory


@pytest.fixture
def office(db: None) -> BusinessCalendar:
    """Monday to Friday 08:00-17:00 Europe/Amsterdam (a module may declare its own)."""
    return BusinessCalendarFactory(name="Office hours")


@pytest.fixture
def record(db: None) -> Organisation:
    # Any model can carry clocks; an organisation stands in for an incident here.
    return OrganisationFactory(name="Clocked record", code="clocked")
