"""The API topic modules, in route order."""

from steward.problems.api import analysis, closure, known_errors, kpis, problems, review

MODULES = [
    problems,
    review,
    analysis,
    known_errors,
    closure,
    kpis,
]
