"""The API topic modules, in route order."""

from steward.problems.api import analysis, kpis, problems, review

MODULES = [
    problems,
    review,
    analysis,
    kpis,
]
