"""The API topic modules, in route order."""

from steward.problems.api import analysis, candidates, closure, known_errors, kpis, problems, review

MODULES = [
    problems,
    review,
    candidates,
    analysis,
    known_errors,
    closure,
    kpis,
]
