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


# --- reviews: the event review and the outage review (proc. 2, 3) ----------------------
# (section owned by the reviews topic)
