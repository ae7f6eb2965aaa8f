"""Who may set which field of each Event Management write (core.fields; issue 10).
Event Management is the provider's work: staff only. Free text is internal."""

from steward.core.fields import INTERNAL, staff, staff_inputs

_TEXT = staff(audience=INTERNAL)


# --- console: acknowledging and closing events (proc. 1) --------------------------------
# (section owned by the console topic)


# --- sources: monitoring sources, event types, CI match and correlation rules -----------
# (section owned by the configuration topic)


# --- reviews: the event review and the outage review (proc. 2, 3) ----------------------
# (section owned by the reviews topic)
IMPROVEMENT_RAISE = staff_inputs(
    "improvement request", "topic", "subject", "support_group", "source", description=_TEXT
)
OUTAGE_REVIEW_RECORD = staff_inputs(
    "outage review", "finding", "support_group", note=_TEXT, follow_up_description=_TEXT
)
