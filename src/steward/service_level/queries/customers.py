"""Reads of customer organisations, restricted to what the actor may see."""

from typing import Any

from django.db.models import QuerySet

from steward.core.choices import OrganisationKind
from steward.core.models import Organisation, Person
from steward.core.queries import one, organisations_for


def customers_for(actor: Person) -> QuerySet[Organisation]:
    """Customer organisations the actor may see (customer people: their own)."""
    return organisations_for(actor).filter(kind=OrganisationKind.CUSTOMER)


def customer_for(actor: Person, pk: Any) -> Organisation:
    return one(customers_for(actor), pk)
