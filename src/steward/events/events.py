"""Webhook events of Event Management (seed 003 ch. 6): the catalog entries.

Names follow ``core.events``: ``<app_label>.<record>.<verb>``. Repeats of an event are not
announced (a noisy network would flood the outbox); what changes its handling is."""

from steward.core.events import declare_many
from steward.events.models import Event, ImprovementRequest, OutageReview

declare_many(
    Event,
    {
        "created": "A new event arrived from a monitoring source (not its repeats).",
        "acknowledged": "An operator acknowledged an event.",
        "closed": "An event was closed (handled, resolved or planned).",
        "cleared": "The monitoring source reported an event resolved.",
    },
)


# --- reviews: the event review and the outage review (proc. 2, 3) ----------------------
declare_many(
    ImprovementRequest,
    {"raised": "The operations manager raised an improvement request in the event or outage "
               "review (its incident request is registered and assigned)."},
)  # fmt: skip
declare_many(
    OutageReview,
    {"recorded": "The operations manager recorded (or changed) the finding of the outage "
                 "review of a high-impact incident request."},
)  # fmt: skip
# --- console: acknowledging and closing events (proc. 1) --------------------------------
declare_many(
    Event,
    {"linked": "An operator linked an event to the incident request they registered for it."},
)
