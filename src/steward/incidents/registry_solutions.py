"""Incident Management in the shell (solutions): the "Knowledge" entry, solutions in the
global search (full text, best first) and, on "My work", the proposals waiting for my
approval as group coordinator (procedure 7)."""

from typing import Any

from django.urls import reverse

from steward.core import permissions, registry
from steward.core.registry import SearchHit, WorkSection
from steward.incidents import search
from steward.incidents.queries import solutions as queries

AREA = "Service desk"
SEARCH_LIMIT = 10
WORK_LIMIT = 50

registry.nav(AREA, "Knowledge", "incidents:solution-list", queries.VIEW, 60)


@registry.search_provider
def search_solutions(actor: Any, text: str) -> list[SearchHit]:
    text = text.strip()
    if not text or not permissions.has(actor, queries.VIEW):
        return []
    return [
        SearchHit(
            "Solutions",
            s.number,
            s.title,
            s.get_absolute_url(),
            ("Workaround" if s.is_workaround else "Solution") + f" · {s.get_status_display()}",
        )
        for s in search.search_solutions(actor=actor, text=text, limit=SEARCH_LIMIT)
    ]


@registry.work_provider
def solution_work(actor: Any) -> list[WorkSection]:
    if not permissions.has(actor, queries.APPROVE):
        return []
    rows = [
        {
            "number": s.number,
            "title": s.title,
            "group": s.support_group.name if s.support_group_id else "",
            "proposed_by": s.proposed_by.display_name if s.proposed_by_id else "",
            "url": s.get_absolute_url(),
        }
        for s in queries.awaiting_my_approval(actor)[:WORK_LIMIT]
    ]
    return [
        WorkSection(
            title="Solutions waiting for my approval",
            rows=rows,
            columns=["number", "title", "group", "proposed_by"],
            list_url=reverse("incidents:solution-list") + "?awaiting_me=true",
            empty_text="No proposed solution waits for your approval.",
        )
    ]
