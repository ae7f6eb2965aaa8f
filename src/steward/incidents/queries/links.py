"""The requests linked to a request (``services/links.py`` writes them), as the actor may
see them: for the record page's "Linked requests" card and the API."""

from typing import Any

from django.contrib.contenttypes.models import ContentType

from steward.core.models import Person
from steward.incidents.models import IncidentLink, IncidentRequest
from steward.incidents.queries.incidents import incidents_for


def linked_incidents(actor: Person, incident: IncidentRequest) -> list[dict[str, Any]]:
    """Each link of ``incident`` to another request the actor may see: the relation as
    read from this request ("duplicate of INC…") and the other request."""
    ct = ContentType.objects.get_for_model(IncidentRequest)
    links = list(IncidentLink.objects.filter(incident=incident, record_type=ct).order_by("pk"))
    found = (
        incidents_for(actor)
        .select_related(None)
        .select_related("assignee", "support_group")
        .in_bulk([link.record_id for link in links])
    )
    rows = []
    for link in links:
        other = found.get(link.record_id)
        if other is None:
            continue
        # A merge's link stays (the cancelled duplicate points to where it continues).
        merged = link.relation != "related to" and "cancelled" in (incident.status, other.status)
        rows.append(
            {"id": link.pk, "relation": link.relation, "incident": other, "removable": not merged}
        )
    return rows
