"""Procedure 1's decision rules (seed 003 ch. 6), every branch and the order they apply
in: a table of facts and what the operator (here the processor) does."""

import pytest

from steward.events.choices import EventCategory, Handling
from steward.events.rules import RESOLVED, Decision, Facts, handling_decision
from steward.incidents.choices import ServiceType

C = EventCategory
RESTORE = ServiceType.INFRASTRUCTURE_RESTORATION
CAPACITY = ServiceType.INFRASTRUCTURE_EVENT

CASES = [
    # (why, facts, decision)
    ("resolved before handling: cleared, closed",
     Facts(status=RESOLVED, ci_found=False, failed_dependency=True),
     Decision(Handling.CLEARED, closes=True)),
    ("no CI matched: the operator looks at it",
     Facts(ci_found=False, failed_dependency=True, planned=True),
     Decision(Handling.UNMATCHED, closes=False)),
    ("a CI it depends on failed: symptom, closed, no outage of its own",
     Facts(failed_dependency=True, planned=True, same_cause=True),
     Decision(Handling.SYMPTOM, closes=True)),
    ("a symptom needs no operator account",
     Facts(failed_dependency=True, has_operator=False),
     Decision(Handling.SYMPTOM, closes=True)),
    ("inside a planned window: planned, closed, no incident",
     Facts(planned=True, same_cause=True, category=C.CAPACITY),
     Decision(Handling.PLANNED, closes=True)),
    ("an incident is open for the same cause: attached, closed",
     Facts(same_cause=True),
     Decision(Handling.ATTACHED, closes=True)),
    ("first capacity warning: infrastructure event incident, no outage",
     Facts(category=C.CAPACITY),
     Decision(Handling.CAPACITY_INCIDENT, closes=True, registers=CAPACITY)),
    ("capacity warning without an operator account: for the operator",
     Facts(category=C.CAPACITY, has_operator=False),
     Decision(Handling.FOR_OPERATOR, closes=False)),
    ("first outage: restoration incident and an outage",
     Facts(category=C.OUTAGE),
     Decision(Handling.RESTORATION_INCIDENT, closes=True, registers=RESTORE,
              records_outage=True)),
    ("first degradation: restoration incident and a (degraded) outage",
     Facts(category=C.DEGRADATION),
     Decision(Handling.RESTORATION_INCIDENT, closes=True, registers=RESTORE,
              records_outage=True)),
    ("outage without an operator account: for the operator, the outage still counts",
     Facts(category=C.OUTAGE, has_operator=False),
     Decision(Handling.FOR_OPERATOR, closes=False, records_outage=True)),
    ("information: closed without an incident",
     Facts(category=C.INFORMATIONAL),
     Decision(Handling.INFORMATIONAL, closes=True)),
    ("information needs no operator account",
     Facts(category=C.INFORMATIONAL, has_operator=False),
     Decision(Handling.INFORMATIONAL, closes=True)),
]  # fmt: skip


@pytest.mark.parametrize(("why", "facts", "decision"), CASES, ids=[c[0] for c in CASES])
def test_handling_decision(why, facts, decision):
    assert handling_decision(facts) == decision, why


def test_every_handling_outcome_is_reachable():
    reached = {decision.handling for _why, _facts, decision in CASES}
    assert reached == set(Handling.values) - {Handling.PENDING}
