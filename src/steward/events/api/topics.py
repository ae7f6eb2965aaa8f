"""The API topic modules, in route order."""

from types import ModuleType

from steward.events.api import events, ingest

MODULES: list[ModuleType] = [
    # --- ingest: the ingestion endpoints (/api/v1/events/ingest/, /alertmanager/, /zabbix/)
    # (section owned by the ingest topic; before the events viewset's routes)
    ingest,
    # --- console: /api/v1/events/ (list, detail, the steps of actions.EVENT)
    events,
]

# --- config: sources, event types, CI match and correlation rules -----------------------
from steward.events.api import rules as config_rules  # noqa: E402
from steward.events.api import sources as config_sources  # noqa: E402

MODULES += [config_sources, config_rules]

# --- reviews: the event review and the outage review (proc. 2, 3) -----------------------
from steward.events.api import reviews  # noqa: E402

MODULES += [reviews]
