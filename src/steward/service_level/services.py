"""Service Level Management services (seed 003 ch. 11)."""

from django.db import transaction

from steward.core import journal, numbering, permissions
from steward.core.models import BusinessCalendar, Organisation, Person
from steward.service_level.choices import ServiceStatus
from steward.service_level.models import Service


def service_create(
    *,
    actor: Person,
    name: str,
    description: str = "",
    owner: Person | None = None,
    provider: Organisation | None = None,
    service_hours: BusinessCalendar | None = None,
    status: str = ServiceStatus.IN_DESIGN,
    customers: list[Organisation] | None = None,
) -> Service:
    """Register a service (seed 003 ch. 11, procedure 1 prerequisites)."""
    permissions.require(actor, "service_level.service.change")
    with transaction.atomic():
        service = Service(
            name=name.strip(),
            description=description,
            owner=owner,
            provider=provider,
            service_hours=service_hours,
            status=status,
        )
        service.full_clean(exclude=["number"])
        numbering.assign(service)
        service.save()
        if customers:
            service.customers.set(customers)
        journal.created(service, actor=actor)
    return service
