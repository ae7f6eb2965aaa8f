"""Business services ("service infrastructures", seed 003 ch. 11 proc. 2 and 4)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core import journal, notify, numbering, permissions, transitions
from steward.core.edits import lock_to_edit, reject_unknown
from steward.core.models import BusinessCalendar, Organisation, Person
from steward.service_level import workflows
from steward.service_level.choices import ServiceStatus
from steward.service_level.models import Service

SERVICE_FIELDS = ["name", "description", "owner", "service_hours", "provider"]
SERVICE_M2M = ["customers", "supporting_services"]


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
    supporting_services: list[Service] | None = None,
) -> Service:
    """Register a service by filling out the Business Service form (seed 003 ch. 11 proc. 2)."""
    permissions.require(actor, "service_level.service.create")
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
        if supporting_services:
            service.supporting_services.set(supporting_services)
        journal.created(service, actor=actor)
        notify.record_event(record=service, event="service_level.service.created", actor=actor)
    return service


def service_update(
    *, actor: Person, service_id: int, data: dict[str, Any], expected_version: int | None = None
) -> Service:
    """Change a service's details; a service owner may change only their own services."""
    reject_unknown(data, SERVICE_FIELDS + SERVICE_M2M)
    with transaction.atomic():
        service = lock_to_edit(
            actor, "service_level.service.change", Service, service_id, expected_version
        )
        changes = journal.apply_changes(service, data, SERVICE_FIELDS)
        if "name" in changes:
            service.name = service.name.strip()
        if changes:
            service.full_clean(exclude=["number"])
            service.save()
        if "supporting_services" in data:
            supporting = list(data["supporting_services"])
            if any(s.pk == service.pk for s in supporting):
                raise ValidationError({"supporting_services": ["A service cannot support itself."]})
        for name in SERVICE_M2M:
            if name not in data:
                continue
            manager = getattr(service, name)
            old = sorted(manager.values_list("pk", flat=True))
            new = sorted({obj.pk for obj in data[name]})
            if old != new:
                manager.set(data[name])
                changes[name] = (
                    ", ".join(str(pk) for pk in old),
                    ", ".join(str(pk) for pk in new),
                )
        if changes:
            journal.field_changes(service, actor=actor, changes=changes)
            notify.record_event(
                record=service,
                event="service_level.service.changed",
                actor=actor,
                data={"fields": sorted(changes)},
            )
    return service


def service_set_status(*, actor: Person, service_id: int, status: str, reason: str = "") -> Service:
    """Put a service in design, active or discontinued (proc. 4 discontinues it)."""
    if status not in ServiceStatus.values:
        raise ValidationError({"status": [f"Unknown status {status!r}."]})
    with transaction.atomic():
        service = lock_to_edit(actor, "service_level.service.change", Service, service_id)
        transition(service, status, actor=actor, reason=reason)
    return service


def transition(service: Service, status: str, *, actor: Person | None, reason: str) -> None:
    """Move a locked service to ``status`` with its journal entry and event."""
    service.discontinued_at = timezone.now() if status == ServiceStatus.DISCONTINUED else None
    transitions.transition(
        service,
        status,
        actor=actor,
        workflow=workflows.SERVICE,
        reason=reason,
        also=["discontinued_at"],
        event=f"service_level.service.{status}",
        data={"old": service.status, "new": status, "reason": reason},
    )
    if status == ServiceStatus.DISCONTINUED:
        notify.send(
            recipients=[service.owner],
            event="service_level.service.discontinued",
            title=f"Service {service.number} {service.name} is discontinued",
            body=reason,
            record=service,
        )
