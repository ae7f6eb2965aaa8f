"""/api/v1/ resources of Event Management (seed 003 ch. 6): events (acknowledge, close),
sources and their tokens, event types, CI match and correlation rules, the event and
outage reviews. The ingestion endpoints (generic JSON, Alertmanager, Zabbix) are served by
``steward.events.ingest`` (a lean WSGI path in front of Django) and documented here.

Reads go through ``steward.events.queries`` (404 for what the caller may not see); writes
call ``steward.events.services`` (403, 400 with field messages, 409 in the wrong state).
"""

from rest_framework.routers import DefaultRouter

from steward.events.api import topics


def register(router: DefaultRouter) -> None:
    """Add this package's viewsets to the /api/v1/ router, topic by topic."""
    for module in topics.MODULES:
        module.register(router)
