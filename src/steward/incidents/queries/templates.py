"""Reply and resolution templates (``core`` keeps them for every area) filled for one
incident request: the placeholders' values come from the request and the person writing."""

from typing import Any

from django.core.exceptions import ValidationError

from steward.core import queries as core_queries
from steward.core.ids import parse_id
from steward.core.models import Person, TemplateKind
from steward.core.services.work import Filled, fill
from steward.incidents.models import IncidentRequest


def template_values(incident: IncidentRequest, agent: Person) -> dict[str, str]:
    requester = incident.requester
    return {
        "number": incident.number,
        "title": incident.title,
        "service": incident.service.name if incident.service_id else "",
        "status": incident.get_status_display(),
        "priority": f"P{incident.priority}",
        "group": incident.support_group.name if incident.support_group_id else "",
        "requester.first_name": requester.first_name or requester.display_name,
        "requester.last_name": requester.last_name,
        "requester.name": requester.display_name,
        "agent.name": agent.display_name,
        "agent.first_name": agent.first_name or agent.display_name,
    }


def filled_template(
    actor: Person, incident: IncidentRequest, template: Any, kind: str, name: str = "template"
) -> Filled:
    """Template ``template`` (an id, one the actor may use, of ``kind``) filled for the
    request; a reply is HTML (values escaped), a resolution plain text."""
    pk = parse_id(template)
    found = (
        core_queries.response_templates_for(actor, kind).filter(pk=pk, is_active=True).first()
        if pk is not None
        else None
    )
    if found is None:
        raise ValidationError({name: ["Choose one of your templates."]})
    return fill(found.body, template_values(incident, actor), as_html=kind == TemplateKind.REPLY)


def template_choices(actor: Person, kind: str) -> list[tuple[str, str]]:
    rows = core_queries.response_templates_for(actor, kind).filter(is_active=True)
    return [(str(t.pk), t.name if t.shared else f"{t.name} (mine)") for t in rows]
