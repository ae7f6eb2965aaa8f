"""The sections of a problem investigation's record page, in page order: each topic
draws its own (a partial template and the function giving its context), so the record
view in ``views/problems.py`` stays one list. ``context(request, problem)`` returns a dict
merged into the page's context; the partial decides whether it shows anything."""

SECTIONS: list[tuple[str, str]] = [
    # (partial template, "module:function")
    ("problems/partials/incidents.html", "steward.problems.views.problems:incidents_section"),
    ("problems/partials/analysis.html", "steward.problems.views.analysis:analysis_section"),
]
SECTIONS.append(("problems/partials/known_errors_review.html", "steward.problems.views.known_errors:review_section"))  # fmt: skip
SECTIONS.append(("problems/partials/closure.html", "steward.problems.views.closure:closure_section"))  # fmt: skip
