"""The emergency changes of the demo (seed 003 ch. 3 proc. 7-8): one escalated incident
resolved through an emergency change that was registered and closed, one implemented and
waiting for the change coordinator to register it."""

from steward.changes.models import Change


def test_the_demo_has_emergency_changes_from_escalated_incidents(demo):
    emergencies = Change.objects.filter(change_type="emergency").order_by("pk")
    closed, waiting = emergencies
    assert (closed.status, closed.outcome, closed.category) == (
        "closed", "successful", "infrastructure",
    )  # fmt: skip
    assert (waiting.status, waiting.category) == ("registered", "application")
    assert waiting.emergency_requested_by.username == "otto.duty"
    assert {t.kind for t in waiting.tasks.all()} == {"transfer_to_test", "transfer_to_production"}
    for change in emergencies:
        incident = change.incidents.get()
        assert (incident.status, incident.escalation) == ("resolved", "emergency_change")
        assert incident.resolved_by == change.implementer
