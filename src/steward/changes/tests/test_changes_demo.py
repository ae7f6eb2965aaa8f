"""The changes of the demo (proc. 2): registered, in analysis and in planning, on the demo
services' CIs, analysed through the services."""

from steward.changes.demo import DEMO_CHANGES
from steward.changes.models import Change


def test_the_demo_changes_are_planned(demo):
    changes = {c.title: c for c in Change.objects.filter(title__in=[r[0] for r in DEMO_CHANGES])}
    assert len(changes) == len(DEMO_CHANGES)
    assert {c.status for c in changes.values()} == {"registered", "risk_analysis", "planning"}
    assert all(c.cis.exists() for c in changes.values())
    database = changes["Move the Online Banking database to the new storage array"]
    assert database.status == "planning" and database.planned_start.weekday() == 5
    assert database.impact["services"] and database.risk_level
    assert database.unavailable_in_service_hours is not None
    relay = changes["Replace the mail transport servers"]
    assert relay.infrastructure_changes is True and relay.customers.exists()
