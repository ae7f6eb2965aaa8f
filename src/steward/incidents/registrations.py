"""Incident Management in the shell: navigation, global search and "My work" for requests,
solutions, inbound mail, the desk pages and the self-service portal, and the reports.

One module for everything the area plugs into the shell (core.registry); imported by
IncidentsConfig.ready().
"""

import re
from typing import Any

from django.db.models import QuerySet

from steward.core import notify, permissions, registry
from steward.core.registry import SearchHit, WorkList, WorkSection
from steward.incidents import search
from steward.incidents.queries import incidents as incident_queries
from steward.incidents.queries import solutions as solution_queries

# --- incidents --------------------------------------------------------------------
# Incident Management in the shell (incidents): navigation, search and My work (requests
# assigned to me, my groups' unassigned requests, requests escalated to me).

AREA = "Service desk"
VIEW = "incidents.incident.view"
registry.nav(AREA, "Incident requests", "incidents:incident-list", "incidents.incident.work", 10)
# Administration of routing and priority (procedures 1-2): for who maintains them.
ROUTING = "incidents.routing.change"
registry.nav("Administration", "Routing rules", "incidents:routing-rule-list", ROUTING, 40)
registry.nav("Administration", "Categories", "incidents:category-list", ROUTING, 41)
registry.nav("Administration", "Priority matrix", "incidents:priority-matrix", ROUTING, 42)

WORK_LIMIT = 25
COLUMNS = ("number", "title", "priority", "status", "service")
PART_OF_NUMBER = re.compile(r"[A-Za-z]{0,8}-?\d{3,12}")


@registry.search_provider
def search_incidents(actor: Any, text: str) -> list[SearchHit]:
    """Incident requests by number or full text (``steward.incidents.search``: the
    customer document for customer-side people), best first."""
    text = text.strip()
    if not text or not permissions.has(actor, VIEW):
        return []
    qs = incident_queries.incidents_for(actor).select_related("service")
    found = list(
        search.match_incidents(qs, text, staff=search.staff_search(actor))[: registry.SEARCH_LIMIT]
    )
    room = registry.SEARCH_LIMIT - len(found)
    if room > 0 and PART_OF_NUMBER.fullmatch(text):
        # Part of a number ("1234"): the records whose number holds it, newest first.
        seen = [i.pk for i in found]
        found += qs.filter(number__icontains=text).exclude(pk__in=seen).order_by("-pk")[:room]
    return [
        SearchHit.of("Incident requests", i, i.title, f"{i.get_status_display()} · P{i.priority}")
        for i in found
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


INCIDENT_WORK = [
    WorkList(
        "incidents.incident.work",
        "Incident requests assigned to me",
        lambda actor: _rows(incident_queries.assigned_to(actor)),
        COLUMNS,
        "incidents:incident-list",
        "?mine=true&open=true",
        "No open incident request is assigned to you.",
    ),
    WorkList(
        "incidents.incident.work",
        "Unassigned in my groups",
        lambda actor: _rows(incident_queries.unassigned_in_groups(actor)),
        COLUMNS,
        "incidents:incident-list",
        "?unassigned=true&open=true",
        "Your groups have no unassigned incident request.",
    ),
]


@registry.work_provider
def incident_work(actor: Any) -> list[WorkSection]:
    if not permissions.has(actor, VIEW) or permissions.is_customer_side(actor):
        return []
    sections = registry.work_sections(actor, INCIDENT_WORK)
    escalated = _rows(incident_queries.escalated_to(actor))
    if escalated or permissions.has(actor, "incidents.incident.escalate"):
        sections.append(
            WorkSection(
                title="Incidents escalated to me",
                rows=escalated,
                columns=list(COLUMNS),
                list_url="",
                empty_text="No incident is escalated to you.",
            )
        )
    return sections


# --- solutions --------------------------------------------------------------------
# Incident Management in the shell (solutions): the "Knowledge" entry, solutions in the
# global search (full text, best first) and, on "My work", the proposals waiting for my
# approval as group coordinator (procedure 7).

SOLUTION_WORK_LIMIT = 50

registry.nav(AREA, "Knowledge", "incidents:solution-list", solution_queries.VIEW, 60)
# Core keeps the templates for every area; they are written where requests are answered.
registry.nav(
    AREA, "Reply templates", "core:response-template-list", "core.response_template.use", 70
)


@registry.search_provider
def search_solutions(actor: Any, text: str) -> list[SearchHit]:
    text = text.strip()
    if not text or not permissions.has(actor, solution_queries.VIEW):
        return []
    return [
        SearchHit.of(
            "Solutions",
            s,
            s.title,
            ("Workaround" if s.is_workaround else "Solution") + f" · {s.get_status_display()}",
        )
        for s in search.search_solutions(actor=actor, text=text, limit=registry.SEARCH_LIMIT)
    ]


def _awaiting_me(actor: Any) -> list[dict[str, Any]]:
    return [
        {
            "number": s.number,
            "title": s.title,
            "group": s.support_group.name if s.support_group_id else "",
            "proposed_by": s.proposed_by.display_name if s.proposed_by_id else "",
            "url": s.get_absolute_url(),
        }
        for s in solution_queries.awaiting_my_approval(actor)[:SOLUTION_WORK_LIMIT]
    ]


SOLUTIONS_TO_APPROVE = WorkList(
    solution_queries.APPROVE,
    "Solutions waiting for my approval",
    _awaiting_me,
    ("number", "title", "group", "proposed_by"),
    "incidents:solution-list",
    "?awaiting_me=true",
    "No proposed solution waits for your approval.",
)


@registry.work_provider
def solution_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, [SOLUTIONS_TO_APPROVE])


# --- portal -----------------------------------------------------------------------
# Incident Management in the shell (desk pages and the self-service portal): navigation.


registry.nav(
    AREA, "New incident request", "incidents:incident-create", "incidents.incident.work", 15
)
# The requester's own requests. ``verify`` is held by customer-side people and the desk
# only (a dedicated portal permission would narrow it to customer-side people).
registry.nav(AREA, "My requests", "incidents:portal-home", "incidents.portal.use", 5)
# Requesters and customer representatives land on the portal, not on My work (issue 13).
registry.customer_home("incidents:portal-home")


# --- mail -------------------------------------------------------------------------
# Incident Management in the shell (mail): navigation, search and My work.

registry.nav(AREA, "Inbound mail", "incidents:mail-list", "incidents.mail.view", 80)


# --- reports ----------------------------------------------------------------------
# Incident reports in the shell: navigation.

REPORTS = "Reports"
registry.nav(REPORTS, "Incident reports", "incidents:reports", "incidents.report.view", 10)
registry.nav(REPORTS, "Daily review", "incidents:report-daily-review", "incidents.report.view", 20)
registry.nav(REPORTS, "Aging", "incidents:report-aging", "incidents.report.view", 30)


# What Incident Management's notifications are about, in words (the notification list).
for _event, _words in {
    "incident.accepted": "Solution accepted",
    "incident.action": "Action for you",
    "incident.action_done": "Action completed",
    "incident.assigned": "Assigned to you",
    "incident.awaiting_requester": "Waiting for your answer",
    "incident.cancelled": "Request cancelled",
    "incident.change_needed": "Change needed",
    "incident.escalated": "Escalated",
    "incident.queued": "New in your group's queue",
    "incident.recurring": "Recurring incident",
    "incident.registered": "Request registered",
    "incident.reopened": "Request reopened",
    "incident.reply": "New reply",
    "incident.resolved": "Request resolved",
    "incident.sent_back": "Sent back",
}.items():
    notify.describe(_event, _words)
