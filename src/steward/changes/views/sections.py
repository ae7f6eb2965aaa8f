"""The sections of a change's record page, in page order: each topic draws its own
(a partial template and the function giving its context), so the record view in
``views/changes.py`` stays one list. ``context(request, change)`` returns a dict merged
into the page's context; an empty dict hides nothing (the partial decides)."""

SECTIONS: list[tuple[str, str]] = [
    # (partial template, "module:function")
    ("changes/partials/impact.html", "steward.changes.views.changes:impact_section"),
    ("changes/partials/conflicts.html", "steward.changes.views.calendar:conflicts_section"),
    ("changes/partials/approvals.html", "steward.changes.views.approvals:approvals_section"),
    ("changes/partials/tasks.html", "steward.changes.views.tasks:tasks_section"),
    ("changes/partials/emergency.html", "steward.changes.views.emergency:emergency_section"),
    (
        "changes/partials/caused_incidents.html",
        "steward.changes.views.kpis:caused_incidents_section",
    ),
]
