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


# --- calendar: planned events and the calendar ---------------------
# (section owned by the calendar topic)


# --- kpis: KPIs ----------------------------------------------------
# (section owned by the kpis topic)
