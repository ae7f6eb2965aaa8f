"""/api/v1/ resources of Problem Management (seed 003 ch. 9): problem investigations
(transitions as endpoints), known errors and problem candidates.

Reads go through ``steward.problems.queries`` (404 for what the caller may not see); writes
call ``steward.problems.services`` (403, 400 with field messages, 409 in the wrong state).
"""

from rest_framework.routers import DefaultRouter

from steward.problems.api import topics


def register(router: DefaultRouter) -> None:
    """Add this package's viewsets to the /api/v1/ router, topic by topic."""
    for module in topics.MODULES:
        module.register(router)
