"""Incident Management in the shell (incidents): navigation, search and My work
(requests assigned to me, my groups' unassigned requests, requests escalated to me)."""

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse

from steward.core import permissions, registry
from steward.core.registry import SearchHit, WorkSection
from steward.incidents.queries import incidents as queries

AREA = "Service desk"
VIEW = "incidents.incident.view"
registry.nav(AREA, "Incident requests", "incidents:incident-list", "incidents.incident.work", 10)

SEARCH_LIMIT = 10
WORK_LIMIT = 25
COLUMNS = ["number", "title", "priority", "status", "service"]


def _list_url(query: str = "") -> str:
    try:
        return reverse("incidents:incident-list") + query
    except NoReverseMatch:
        return ""


@registry.search_provider
def search_incidents(actor: Any, text: str) -> list[SearchHit]:
    """Incident requests by number or words of the title."""
    text = text.strip()
    if not text or not permissions.has(actor, VIEW):
        return []
    condition = Q(number__iexact=text) | Q(number__icontains=text)
    words = Q()
    for word in text.split():
        words &= Q(title__icontains=word)
    qs = queries.incidents_for(actor).filter(condition | words)
    return [
        SearchHit(
            "Incident requests",
            i.number,
            i.title,
            i.get_absolute_url(),
            f"{i.get_status_display()} · P{i.priority}",
        )
        for i in qs.order_by("-created_at", "-pk")[:SEARCH_LIMIT]
    ]


def _rows(qs: QuerySet) -> list[dict[str, Any]]:
    return [
        {
            "number": i.number,
            "title": i.title,
            "priority": i.get_priority_display(),
            "status": i.get_status_display(),
            "service": i.service.name if i.service_id else "",
            "url": i.get_absolute_url(),
        }
        for i in qs[:WORK_LIMIT]
    ]


@registry.work_provider
def incident_work(actor: Any) -> list[WorkSection]:
    sections: list[WorkSection] = []
    if not permissions.has(actor, VIEW) or permissions.is_customer_side(actor):
        return sections
    if permissions.has(actor, "incidents.incident.work"):
        sections.append(
            WorkSection(
                title="Incident requests assigned to me",
                rows=_rows(queries.assigned_to(actor)),
                columns=COLUMNS,
                list_url=_list_url("?mine=true&open=true"),
                empty_text="No open incident request is assigned to you.",
            )
        )
        sections.append(
            WorkSection(
                title="Unassigned in my groups",
                rows=_rows(queries.unassigned_in_groups(actor)),
                columns=COLUMNS,
                list_url=_list_url("?unassigned=true&open=true"),
                empty_text="Your groups have no unassigned incident request.",
            )
        )
    escalated = _rows(queries.escalated_to(actor))
    if escalated or permissions.has(actor, "incidents.incident.escalate"):
        sections.append(
            WorkSection(
                title="Incidents escalated to me",
                rows=escalated,
                columns=COLUMNS,
                list_url="",
                empty_text="No incident is escalated to you.",
            )
        )
    return sections
