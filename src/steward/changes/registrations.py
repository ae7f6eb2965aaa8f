"""Change Management in the shell: navigation, global search and "My work".

One module for everything the area plugs into the shell (core.registry); imported by
ChangesConfig.ready().
"""

from typing import Any

from steward.core import permissions, registry

AREA = "Changes"
VIEW = "changes.change.view"
WORK_LIMIT = 20


# --- rfcs: requests for change (proc. 1) ---------------------------
# (section owned by the rfcs topic)


# --- templates: templates and policies -----------------------------
# (section owned by the templates topic)


# --- changes: changes: registration, analysis, planning (proc. 2) ---
# (section owned by the changes topic)
registry.nav(AREA, "Changes", "changes:change-list", VIEW, 10)


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


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)
