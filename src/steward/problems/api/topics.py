"""The API topic modules, in route order."""

from steward.problems.api import kpis, problems

MODULES = [
    problems,
    kpis,
]
