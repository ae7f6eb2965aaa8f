"""Change Management in the shell: navigation, global search and "My work".

One module for everything the area plugs into the shell (core.registry); imported by
ChangesConfig.ready().
"""

from typing import Any

from steward.changes.choices import OPEN_CHANGE_STATUSES
from steward.changes.queries import changes as change_queries
from steward.changes.queries import kpis as kpi_queries
from steward.configuration.services import cis as cmdb
from steward.core import permissions, registry
from steward.core.registry import SearchHit, WorkList, WorkSection
from steward.service_level.services import reporting as service_reports

AREA = "Changes"
VIEW = "changes.change.view"
WORK_LIMIT = 20


# --- rfcs: requests for change (proc. 1) ---------------------------
# (section owned by the rfcs topic)
# Requests for change in the nav and the search (number, title), and, on "My work", the
# submitted ones a change coordinator reviews (proc. 1).
registry.nav(AREA, "Requests for change", "changes:rfc-list", VIEW, 5)
RFC_COLUMNS = ("number", "title", "source", "service", "requested_by")


@registry.search_provider
def search_rfcs(actor: Any, text: str) -> list[registry.SearchHit]:
    from steward.changes.queries.rfcs import rfcs_for

    found = registry.found(actor, text, VIEW, rfcs_for, ("title",), exact=("number",),
                           order=("-pk",))  # fmt: skip
    return [
        registry.SearchHit.of(
            "Requests for change", r, r.title, f"{r.get_status_display()} · {r.service.name}"
        )
        for r in found
    ]


def _rfc_rows(actor: Any) -> list[dict[str, Any]]:
    from steward.changes.queries.rfcs import rfcs_to_review

    return [
        {
            "number": r.number,
            "title": r.title,
            "source": r.get_source_display(),
            "service": r.service.name,
            "requested_by": r.requested_by.display_name if r.requested_by else "",
            "url": r.get_absolute_url(),
        }
        for r in rfcs_to_review(actor).order_by("created_at", "pk")[:25]
    ]


RFC_WORK = [
    registry.WorkList(
        "changes.rfc.review", "Requests for change to review", _rfc_rows, RFC_COLUMNS,
        "changes:rfc-list", "?show=to_review", "No request for change waits for your review.",
    )
]  # fmt: skip


@registry.work_provider
def rfc_work(actor: Any) -> list[registry.WorkSection]:
    if permissions.is_customer_side(actor):
        return []
    return registry.work_sections(actor, RFC_WORK)


# --- templates: templates and policies -----------------------------
# (section owned by the templates topic)
TEMPLATES = "changes.template.change"
registry.nav("Administration", "Change templates", "changes:change-template-list", TEMPLATES, 50)
registry.nav("Administration", "Task templates", "changes:task-template-list", TEMPLATES, 51)
registry.nav("Administration", "Change policies", "changes:change-policy-list", TEMPLATES, 52)


# --- changes: changes: registration, analysis, planning (proc. 2) ---
# (section owned by the changes topic)
registry.nav(AREA, "Changes", "changes:change-list", VIEW, 10)
COORDINATE = "changes.change.coordinate"
WORK_LIMIT = 50


@registry.search_provider
def search_changes(actor: Any, text: str) -> list[SearchHit]:
    """Changes by number and title."""
    query, order = change_queries.changes_for, ("-number", "pk")
    qs = registry.found(actor, text, VIEW, query, ["title"], exact=["number"], order=order)
    return [
        SearchHit.of("Changes", c, c.title, f"{c.service.name} · {c.get_status_display()}")
        for c in qs
    ]


def _coordinated(actor: Any) -> list[dict[str, Any]]:
    qs = change_queries.changes_for(actor).filter(
        coordinator_id=actor.pk, status__in=OPEN_CHANGE_STATUSES
    )
    return [
        {
            "number": c.number,
            "title": c.title,
            "status": c.get_status_display(),
            "service": c.service.name,
            "window": c.planned_start.strftime("%Y-%m-%d %H:%M") if c.planned_start else "",
            "url": c.get_absolute_url(),
        }
        for c in qs.order_by("planned_start", "number")[:WORK_LIMIT]
    ]


CHANGE_WORK = [
    WorkList(
        COORDINATE,
        "Changes I coordinate",
        _coordinated,
        ("number", "title", "status", "service", "window"),
        "changes:change-list",
        "?mine=coordinated",
        "You coordinate no open change.",
    ),
]


@registry.work_provider
def change_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, CHANGE_WORK)


# --- approvals: approval (proc. 3) ---------------------------------
# (section owned by the approvals topic)
APPROVE = "changes.change.approve"
registry.nav(AREA, "My approvals", "changes:approval-list", APPROVE, 15)


def _waiting_rows(actor: Any) -> list[dict[str, Any]]:
    from steward.changes.queries.approvals import waiting_for
    from steward.changes.services.approvals import approval_link

    return [
        {
            "number": a.change.number,
            "title": a.change.title,
            "service": a.change.service.name,
            "window_starts": a.change.planned_start.isoformat() if a.change.planned_start else "",
            "url": approval_link(a),
        }
        for a in waiting_for(actor)[:WORK_LIMIT]
    ]


APPROVAL_WORK = [
    registry.WorkList(
        APPROVE,
        "Changes waiting for my approval",
        _waiting_rows,
        ("number", "title", "service", "window_starts"),
        "changes:approval-list",
        "",
        "No change waits for your approval.",
    )
]


@registry.work_provider
def approval_work(actor: Any) -> list[registry.WorkSection]:
    """Proc. 3: the approvals of current rounds waiting for the actor's decision."""
    return registry.work_sections(actor, APPROVAL_WORK)


# --- tasks: tasks and implementation (proc. 4, 5) ------------------
# (section owned by the tasks topic)
TASK_WORK = "changes.task.work"
registry.nav(AREA, "Change tasks", "changes:change-task-list", TASK_WORK, 20)


def _task_rows(actor: Any) -> list[dict[str, Any]]:
    from steward.changes.queries import tasks as task_queries

    return [
        {
            "change": t.change.number,
            "title": t.title,
            "kind": t.get_kind_display(),
            "group": t.support_group.name if t.support_group_id else "",
            "url": t.change.get_absolute_url() + "#tasks",
        }
        for t in task_queries.ready_for(actor)[:25]
    ]


TASK_WORK_LISTS = [
    registry.WorkList(
        TASK_WORK,
        "Change tasks for my groups",
        _task_rows,
        ("change", "title", "kind", "group"),
        "changes:change-task-list",
        "?status=open",
        "Your groups have no change task to do.",
        hide_empty=True,
    )
]


@registry.work_provider
def change_task_work(actor: Any) -> list[registry.WorkSection]:
    """On "My work": the open change tasks of my groups (proc. 4-6)."""
    if permissions.is_customer_side(actor):
        return []
    return registry.work_sections(actor, TASK_WORK_LISTS)


# --- closure: closure (proc. 6) ------------------------------------
# (section owned by the closure topic)


# --- emergency: emergency changes (proc. 7, 8) ---------------------
# (section owned by the emergency topic)


# --- calendar: planned events and the calendar ---------------------
# (section owned by the calendar topic)
registry.nav(AREA, "Change calendar", "changes:calendar", VIEW, 60)
registry.nav(AREA, "Planned events", "changes:planned-event-list", VIEW, 61)


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)
registry.nav(AREA, "Change KPIs", "changes:kpis", kpi_queries.VIEW, 90)
# The CMDB records the change a CI was changed under and the service report lists a
# service's changes; both areas come first in INSTALLED_APPS, so they ask through core.
registry.provide(cmdb.CHANGE_PROVIDER, kpi_queries.change_for_cmdb)
registry.provide(service_reports.REPORT_CHANGES, kpi_queries.service_report_changes)
