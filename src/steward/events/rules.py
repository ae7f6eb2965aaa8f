"""Procedure 1 (Event Handling, seed 003 ch. 6; ch. 2 proc. 2 for capacity warnings) as
ordered, pure rules: ``handling_decision(facts)`` says what becomes of a new event.

The operator's questions, in the seed's order:

1. The monitor already says "resolved": nothing to handle (cleared).
2. Which CI has failed? None found: the operator looks at it (unmatched, stays open).
3. Was it raised because another CI it depends on failed? A symptom: attached to the
   cause's incident, closed.
4. Is it the result of a planned change or planned event? Planned: closed, no incident.
5. Was an incident request already registered for this cause? Attached to it, closed.
6. The first warning of a capacity shortage: an "infrastructure event" incident request
   for the capacity manager (ch. 2 proc. 2).
7. The first notification of an unplanned outage or degradation: an "infrastructure
   restoration" incident request, routed by the routing rules, and an outage recorded for
   the services it affects.
8. Information only: closed, no incident.

An event that needs an incident request but whose source has no operator account to
register it in stays open for the operator (``for_operator``). The facts are gathered by
``services/correlation.py``; a correlation rule that is switched off contributes no fact.
"""

from dataclasses import dataclass

from steward.events.choices import EventCategory, Handling
from steward.incidents.choices import ServiceType

FIRING, RESOLVED = "firing", "resolved"


@dataclass(frozen=True)
class Facts:
    """What procedure 1 looks at for one new event."""

    status: str = FIRING
    category: str = EventCategory.OUTAGE
    ci_found: bool = True
    failed_dependency: bool = False  # a CI it depends on has an open failure event
    planned: bool = False  # inside a planned change's or planned event's window
    same_cause: bool = False  # the CI has an open event with an open incident
    has_operator: bool = True  # the source names an operator to register incidents in


@dataclass(frozen=True)
class Decision:
    """What becomes of the event.

    ``closes``: the event is closed (when ``registers`` names a service type: once the
    incident request it registers is assigned; unassigned, it stays open for the
    operator). ``records_outage``: an unplanned outage (or degradation) of the services
    the CI supports is recorded while the event fires."""

    handling: str
    closes: bool
    registers: str | None = None
    records_outage: bool = False


def handling_decision(facts: Facts) -> Decision:
    """Procedure 1's rules in order; the first that applies decides."""
    failure = facts.category in (EventCategory.OUTAGE, EventCategory.DEGRADATION)
    if facts.status == RESOLVED:
        return Decision(Handling.CLEARED, closes=True)
    if not facts.ci_found:
        return Decision(Handling.UNMATCHED, closes=False)
    if facts.failed_dependency:
        return Decision(Handling.SYMPTOM, closes=True)
    if facts.planned:
        return Decision(Handling.PLANNED, closes=True)
    if facts.same_cause:
        return Decision(Handling.ATTACHED, closes=True)
    if facts.category == EventCategory.CAPACITY:
        if not facts.has_operator:
            return Decision(Handling.FOR_OPERATOR, closes=False)
        return Decision(
            Handling.CAPACITY_INCIDENT, closes=True, registers=ServiceType.INFRASTRUCTURE_EVENT
        )
    if failure:
        # The outage is real whether or not an incident could be registered for it.
        if not facts.has_operator:
            return Decision(Handling.FOR_OPERATOR, closes=False, records_outage=True)
        return Decision(
            Handling.RESTORATION_INCIDENT,
            closes=True,
            registers=ServiceType.INFRASTRUCTURE_RESTORATION,
            records_outage=True,
        )
    return Decision(Handling.INFORMATIONAL, closes=True)
