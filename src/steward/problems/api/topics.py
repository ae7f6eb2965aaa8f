"""The API topic modules, in route order."""

from steward.problems.api import known_errors, problems

MODULES = [
    problems,
    known_errors,
]
