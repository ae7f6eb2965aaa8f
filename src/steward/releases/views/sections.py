"""The sections of a release's record page, in page order: each topic draws its own (a
partial template and the function giving its context), so the record view in
``views/releases.py`` stays one list. ``context(request, release)`` returns a dict merged
into the page's context; the partial decides whether it shows anything."""

SECTIONS: list[tuple[str, str]] = [
    # (partial template, "module:function")
    ("releases/partials/requests.html", "steward.releases.views.releases:requests_section"),
    (
        "releases/partials/justification.html",
        "steward.releases.views.justification:justification_section",
    ),
    ("releases/partials/deployment.html", "steward.releases.views.deployment:deployment_section"),
    (
        "releases/partials/coordination_plan.html",
        "steward.releases.views.coordination:plan_section",
    ),
    (
        "releases/partials/coordination_progress.html",
        "steward.releases.views.coordination:coordination_section",
    ),
    (
        "releases/partials/coordination_review.html",
        "steward.releases.views.coordination:review_section",
    ),
]

# Links in the header of the release list, besides "Register a release": (label, URL name,
# permission). Each topic appends its own line.
LIST_LINKS: list[tuple[str, str, str]] = [
    ("Emergency release", "releases:release-emergency-create", "releases.release.coordinate"),
    ("Release policies", "releases:policy-list", "releases.release.view"),
]
