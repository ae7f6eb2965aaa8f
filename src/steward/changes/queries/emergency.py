"""Change Management: emergency changes (proc. 7, 8) and the incident side of them (seed
003 ch. 8 proc. 2-5): the changes linked to an incident request, read by Incident
Management through its hooks (``steward.incidents.hooks``)."""

from django.db.models import QuerySet

from steward.changes.choices import ChangeStatus
from steward.changes.models import Change
from steward.changes.queries.changes import changes_for
from steward.core.models import Person
from steward.incidents.models import IncidentRequest

# A change that ended without being implemented does not resolve anything.
NOT_RESOLVING = (ChangeStatus.REJECTED, ChangeStatus.CANCELLED)


def incident_has_change(incident: IncidentRequest) -> bool:
    """Ch. 8 proc. 2-5: a change is linked to the request (any state but rejected or
    cancelled), so it is resolved through Change Management."""
    return Change.objects.filter(incidents=incident).exclude(status__in=NOT_RESOLVING).exists()


def changes_of_incident(actor: Person, incident: IncidentRequest) -> QuerySet[Change]:
    """The changes linked to the request that the actor may see, newest first."""
    return changes_for(actor).filter(incidents=incident).order_by("-created_at", "-pk")
