"""Who may set which field of each Event Management write (core.fields; issue 10).
Event Management is the provider's work: staff only. Free text is internal."""

from steward.core.fields import INTERNAL, staff, staff_inputs

_TEXT = staff(audience=INTERNAL)


# --- console: acknowledging and closing events (proc. 1) --------------------------------
# (section owned by the console topic)
EVENT_ACKNOWLEDGE = staff_inputs("acknowledged event")
EVENT_CLOSE = staff_inputs("closed event", note=_TEXT)
EVENT_LINK_INCIDENT = staff_inputs("event linked to an incident request", "incident")
EVENTS_BULK = staff_inputs("events changed at once", "action", "events", note=_TEXT)


# --- sources: monitoring sources, event types, CI match and correlation rules -----------
# (section owned by the configuration topic)
SOURCE_CREATE = staff_inputs(
    "event source", "name", "kind", "operator", "support_group", "rate_limit",
    description=_TEXT,
)  # fmt: skip
SOURCE_UPDATE = SOURCE_CREATE
EVENT_TYPE_CREATE = staff_inputs(
    "event type", "code", "name", "category", "is_active",
    handling_instructions=staff(audience="Operators read them on the console."),
)  # fmt: skip
EVENT_TYPE_UPDATE = EVENT_TYPE_CREATE
MATCH_RULE_CREATE = staff_inputs(
    "CI match rule", "order", "name", "is_active", "source", "event_field", "match_on",
    "ci_attribute", "strip_port", "strip_domain",
)  # fmt: skip
MATCH_RULE_UPDATE = MATCH_RULE_CREATE
CORRELATION_RULE_UPDATE = staff_inputs("correlation rule", "name", "is_active", "window_minutes")


# --- reviews: the event review and the outage review (proc. 2, 3) ----------------------
# (section owned by the reviews topic)
IMPROVEMENT_RAISE = staff_inputs(
    "improvement request", "topic", "subject", "support_group", "source", description=_TEXT
)
OUTAGE_REVIEW_RECORD = staff_inputs(
    "outage review", "finding", "support_group", note=_TEXT, follow_up_description=_TEXT
)
