"""Event Management in the shell: navigation, global search and "My work".

One module for everything the area plugs into the shell (core.registry); imported by
EventsConfig.ready()."""

from steward.core import registry

AREA = "Events"


# --- reviews: the event review and the outage review (proc. 2, 3) ----------------------
registry.nav(AREA, "Event review", "events:event-review", "events.review.perform", 40)
registry.nav(AREA, "Outage review", "events:outage-review", "events.review.perform", 41)
