"""The API topic modules, in route order."""

from types import ModuleType

MODULES: list[ModuleType] = []

# --- config: sources, event types, CI match and correlation rules -----------------------
from steward.events.api import rules as config_rules  # noqa: E402
from steward.events.api import sources as config_sources  # noqa: E402

MODULES += [config_sources, config_rules]

# --- reviews: the event review and the outage review (proc. 2, 3) -----------------------
from steward.events.api import reviews  # noqa: E402

MODULES += [reviews]
