"""What every installation starts with (``steward init`` writes the rows once; see
``registrations.py``), and what processing falls back to while a kind has no row yet."""

from steward.events.choices import CorrelationKind, MatchOn

# (kind, order, name, window in minutes): the order procedure 1 applies them in.
CORRELATION_RULES = [
    (CorrelationKind.DEPENDENCY, 10, "A CI it depends on has an open failure event", 60),
    (CorrelationKind.PLANNED_CHANGE, 20, "Inside a planned change's window", 0),
    (CorrelationKind.PLANNED_EVENT, 30, "Inside a planned event's window", 0),
    (CorrelationKind.SAME_CAUSE, 40, "The CI already has an incident for an open event", 240),
]

# Tried in order when a source has no CI match rules of its own and no global ones exist.
MATCH_RULES = [
    {"order": 10, "name": "Resource is the CI name", "event_field": "resource",
     "match_on": MatchOn.NAME},
    {"order": 20, "name": "Resource is a CI alias", "event_field": "resource",
     "match_on": MatchOn.ALIAS},
    {"order": 30, "name": "Host of resource (host:port, FQDN) is the CI name",
     "event_field": "resource", "match_on": MatchOn.NAME, "strip_port": True,
     "strip_domain": True},
    {"order": 40, "name": "Resource is the CI's IP address", "event_field": "resource",
     "match_on": MatchOn.ATTRIBUTE, "ci_attribute": "ip", "strip_port": True},
]  # fmt: skip
