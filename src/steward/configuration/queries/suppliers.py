"""Reads of suppliers and their contacts (procedure 2), restricted to what the actor may see.

Provider people holding ``configuration.supplier.view`` see every supplier; customer-side
people see none.
"""

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from steward.core import permissions
from steward.core.choices import OrganisationKind
from steward.core.models import Organisation, Person

VIEW = "configuration.supplier.view"


def suppliers_for(actor: Person) -> QuerySet[Organisation]:
    """Supplier organisations, with their details row joined."""
    if not permissions.has(actor, VIEW):
        return Organisation.objects.none()
    return Organisation.objects.filter(kind=OrganisationKind.SUPPLIER).select_related(
        "supplier_details__contact_details_checked_by"
    )


def supplier_for(actor: Person, pk: Any) -> Organisation:
    try:
        return suppliers_for(actor).get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No supplier {pk}.") from None


def supplier_contacts(supplier: Organisation) -> QuerySet[Person]:
    """The people who work for the supplier, active first."""
    return Person.objects.filter(memberships__organisation=supplier).order_by(
        "-is_active", "last_name", "first_name", "pk"
    )


def supplier_contact_for(actor: Person, supplier: Organisation, person_pk: Any) -> Person:
    """One contact of a supplier the actor may see (404 otherwise)."""
    try:
        return supplier_contacts(supplier).get(pk=person_pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No contact {person_pk}.") from None


def with_counts(qs: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """Suppliers with ``contact_count`` and ``contract_count``."""
    return qs.annotate(
        contact_count=Count("memberships", distinct=True),
        contract_count=Count("contracts", distinct=True),
    )
