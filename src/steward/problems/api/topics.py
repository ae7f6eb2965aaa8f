"""The API topic modules, in route order."""

from steward.problems.api import analysis, problems

MODULES = [
    problems,
    analysis,
]
