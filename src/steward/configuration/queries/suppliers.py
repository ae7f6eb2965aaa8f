"""Reads of suppliers and their contacts (procedure 2), restricted to what the actor may see.

Provider people holding ``configuration.supplier.view`` see every supplier; customer-side
people see none.
"""

from typing import Any

from django.db.models import Count, QuerySet

from steward.core.choices import OrganisationKind
from steward.core.models import Organisation, Person
from steward.core.queries import one, permitted

VIEW = "configuration.supplier.view"


def suppliers_for(actor: Person) -> QuerySet[Organisation]:
    """Supplier organisations, with their details row joined."""
    suppliers = Organisation.objects.filter(kind=OrganisationKind.SUPPLIER)
    return permitted(
        actor, VIEW, suppliers.select_related("supplier_details__contact_details_checked_by")
    )


def supplier_for(actor: Person, pk: Any) -> Organisation:
    return one(suppliers_for(actor), pk, "supplier")


def supplier_contacts(supplier: Organisation) -> QuerySet[Person]:
    """The people who work for the supplier, active first."""
    return Person.objects.filter(memberships__organisation=supplier).order_by(
        "-is_active", "last_name", "first_name", "pk"
    )


def supplier_contact_for(actor: Person, supplier: Organisation, person_pk: Any) -> Person:
    """One contact of a supplier the actor may see (404 otherwise)."""
    return one(supplier_contacts(supplier), person_pk, "contact")


def with_counts(qs: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """Suppliers with ``contact_count`` and ``contract_count``."""
    return qs.annotate(
        contact_count=Count("memberships", distinct=True),
        contract_count=Count("contracts", distinct=True),
    )
