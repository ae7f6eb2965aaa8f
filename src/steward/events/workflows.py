"""Status transition tables of Event Management (seed 003 ch. 6)."""

from steward.core.workflows import Workflow
from steward.events.choices import EventStatus

E = EventStatus

# Proc. 1: an open event is acknowledged by the operator who looks at it, and closed once
# it is resolved, its incident is assigned, or it needed none. Closed is final: a repeat
# of a cleared alert is a new event.
EVENT = Workflow.build(
    "event",
    {
        E.OPEN: {E.ACKNOWLEDGED, E.CLOSED},
        E.ACKNOWLEDGED: {E.OPEN, E.CLOSED},
        E.CLOSED: set(),
    },
)
