"""The API topic modules, in route order."""

from steward.problems.api import problems

MODULES = [
    problems,
]
