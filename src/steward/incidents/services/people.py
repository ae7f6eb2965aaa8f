"""Who is who in Incident Management (seed 003 ch. 8): the holders of the roles the
procedures name (group coordinators, service owners, change and problem coordinators, the
service desk), and who may work on, verify or follow a request. Role lookups are
``core.roles``; what is here is Incident Management's own reading of them."""

from django.core.exceptions import PermissionDenied

from steward.core import permissions, roles
from steward.core.choices import Role
from steward.core.models import Person, SupportGroup, SupportGroupMembership
from steward.incidents.models import IncidentRequest
from steward.incidents.services.routing import default_group
from steward.service_level.models import Service

WORK = "incidents.incident.work"
VERIFY = "incidents.incident.verify"


def is_member(person: Person, group: SupportGroup | None) -> bool:
    return group is not None and (
        SupportGroupMembership.objects.filter(group=group, person=person).exists()
    )


def is_coordinator(person: Person, group: SupportGroup | None) -> bool:
    """The group coordinator of ``group`` (a system administrator stands in)."""
    if group is None:
        return False
    if person.is_superuser or Role.SYSTEM_ADMINISTRATOR in person.role_names:
        return True
    return roles.holds(person, Role.GROUP_COORDINATOR, group)


def service_owners(service: Service | None) -> list[Person]:
    """Holders of service_owner for the service (and its recorded owner), active only."""
    if service is None:
        return []
    people = roles.holders(Role.SERVICE_OWNER, service)
    owner = service.owner
    if owner is not None and owner.is_active and owner not in people:
        people.insert(0, owner)
    return people


def change_coordinators(service: Service | None) -> list[Person]:
    """The change coordinators of the service, else those holding the role everywhere."""
    scoped = roles.holders(Role.CHANGE_COORDINATOR, service) if service is not None else []
    return scoped or roles.holders(Role.CHANGE_COORDINATOR)


def problem_coordinators(service: Service | None) -> list[Person]:
    """The problem coordinators of the service, else any problem coordinator."""
    scoped = roles.holders(Role.PROBLEM_COORDINATOR, service) if service is not None else []
    return scoped or roles.holders(Role.PROBLEM_COORDINATOR, anywhere=True)


def desk_people() -> list[Person]:
    """The members of the default (service desk) group, else every service desk analyst."""
    return roles.desk_people(default_group())


def may_work(actor: Person, incident: IncidentRequest) -> bool:
    """Provider people who may work on the request: the desk; the assignee; members and
    the coordinator of its group (specialists outside the group may not)."""
    if not permissions.has(actor, WORK, incident):
        return False
    if roles.is_desk(actor) or incident.assignee_id == actor.pk:
        return True
    group = incident.support_group
    return is_member(actor, group) or is_coordinator(actor, group)


def require_work(actor: Person, incident: IncidentRequest) -> None:
    if not may_work(actor, incident):
        raise PermissionDenied("Only the desk, the assignee and the request's group may do this.")


def require_customer_access(actor: Person, incident: IncidentRequest) -> None:
    """Customer people: their own requests, and representatives their organisation's."""
    if incident.requester_id == actor.pk or roles.represents(actor, incident.customer_id):
        return
    raise PermissionDenied("This is not your request.")


def require_verify(actor: Person, incident: IncidentRequest) -> None:
    """Proc. 6: the requester (own request) or the desk on their behalf."""
    permissions.require(actor, VERIFY, incident)
    if incident.requester_id != actor.pk and not roles.is_desk(actor):
        raise PermissionDenied("Only the requester or the service desk may do this.")
