"""The API topic modules, in route order."""

from steward.problems.api import candidates, problems

MODULES = [
    problems,
    candidates,
]
