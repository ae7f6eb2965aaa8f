"""Event Management in the shell: navigation, global search and "My work".

One module for everything the area plugs into the shell (core.registry); imported by
EventsConfig.ready()."""

from steward.core import registry

AREA = "Events"


# --- config: sources, event types, CI match and correlation rules -----------------------
# (section owned by the configuration topic)
from steward.events.services import rules as config_rules  # noqa: E402

_CONFIG_VIEW = "events.event.view"
registry.nav(AREA, "Event sources", "events:source-list", _CONFIG_VIEW, 60)
registry.nav(AREA, "Event types", "events:type-list", _CONFIG_VIEW, 61)
registry.nav(AREA, "CI match rules", "events:match-rule-list", _CONFIG_VIEW, 62)
registry.nav(AREA, "Correlation rules", "events:correlation-rule-list", _CONFIG_VIEW, 63)
# `steward init`: one correlation rule per kind, and the default CI match rules once.
registry.init_step(config_rules.ensure_default_rules)
# --- reviews: the event review and the outage review (proc. 2, 3) ----------------------
registry.nav(AREA, "Event review", "events:event-review", "events.review.perform", 40)
registry.nav(AREA, "Outage review", "events:outage-review", "events.review.perform", 41)
