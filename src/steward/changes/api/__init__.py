"""/api/v1/ resources of Change Management (seed 003 ch. 3): requests for change, changes
(transitions as endpoints, tasks, approvals), change templates, policies, planned events
and the calendar with its conflicts.

Reads go through ``steward.changes.queries`` (404 for what the caller may not see); writes
call ``steward.changes.services`` (403, 400 with field messages, 409 in the wrong state).
"""

from rest_framework.routers import DefaultRouter

from steward.changes.api import topics


def register(router: DefaultRouter) -> None:
    """Add this package's viewsets to the /api/v1/ router, topic by topic."""
    for module in topics.MODULES:
        module.register(router)
