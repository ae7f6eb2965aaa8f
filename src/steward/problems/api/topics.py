"""The API topic modules, in route order."""

from steward.problems.api import analysis, known_errors, kpis, problems

MODULES = [
    problems,
    analysis,
    known_errors,
    kpis,
]
