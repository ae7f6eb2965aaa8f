"""Change Management in the shell: navigation, global search and "My work".

One module for everything the area plugs into the shell (core.registry); imported by
ChangesConfig.ready().
"""

from typing import Any

from steward.changes.choices import OPEN_CHANGE_STATUSES
from steward.changes.queries import changes as change_queries
from steward.changes.queries import kpis as kpi_queries
from steward.changes.services import rfcs as _rfc_services
from steward.configuration.services import cis as cmdb
from steward.core import permissions, registry
from steward.core.registry import SearchHit, WorkList, WorkSection
from steward.service_level.services import reporting as service_reports

AREA = "Changes"
VIEW = "changes.change.view"
WORK_LIMIT = 50  # rows per "My work" section of this area


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
# Incident Management's hooks (steward.incidents.hooks; it may not import this later area):
# the emergency change its escalation handling asks for, the rule that a request needing
# Change Management is resolved through a change (or an override), and the incident page's
# "Changes" card.

from steward.changes.queries.emergency import changes_of_incident  # noqa: E402
from steward.changes.services import emergency as _emergency  # noqa: E402
from steward.core import notify  # noqa: E402
from steward.incidents import hooks as incident_hooks  # noqa: E402


def _incident_changes(actor: Any, incident: Any) -> dict[str, Any]:
    """The incident page's card: the changes linked to the request (those the viewer may
    see), and whether resolving it needs one."""
    changes = list(changes_of_incident(actor, incident)) if permissions.has(actor, VIEW) else []
    if not changes and incident.needs_change_management is not True:
        return {}
    return {"changes": changes, "needs_change": incident.needs_change_management is True}


incident_hooks.emergency_change(_emergency.emergency_change_request)
incident_hooks.change_requested(_rfc_services.rfc_from_incident)
incident_hooks.resolution_check(_emergency.incident_resolution_check)
incident_hooks.record_section("changes/partials/incident_changes.html", _incident_changes)
for _emergency_event, _emergency_words in (
    ("change.emergency.transfer_to_test", "Transfer a release to the test environment"),
    ("change.emergency.transfer_to_production", "Transfer a release to production"),
    ("change.emergency.register", "Register an emergency change"),
    ("change.emergency.failed", "Emergency change failed its production test"),
    ("change.emergency.closed", "Emergency change implemented successfully"),
):
    notify.describe(_emergency_event, _emergency_words)


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
