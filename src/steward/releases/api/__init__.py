"""/api/v1/ resources of Release Management (seed 003 ch. 10): releases (transitions as
endpoints), requests for change in Release Management, CABs, their meetings and votes,
business cases, deployment.

Reads go through ``steward.releases.queries`` (404 for what the caller may not see); writes
call ``steward.releases.services`` (403, 400 with field messages, 409 in the wrong state).
"""

from rest_framework.routers import DefaultRouter

from steward.releases.api import topics


def register(router: DefaultRouter) -> None:
    """Add this package's viewsets to the /api/v1/ router, topic by topic."""
    for module in topics.MODULES:
        module.register(router)
