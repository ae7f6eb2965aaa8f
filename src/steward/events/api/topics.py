"""The API topic modules, in route order."""

from types import ModuleType

# --- reviews: the event review and the outage review (proc. 2, 3)
from steward.events.api import reviews

MODULES: list[ModuleType] = [
    # --- reviews
    reviews,
]
