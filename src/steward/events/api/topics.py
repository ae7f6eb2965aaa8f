"""The API topic modules, in route order."""

from types import ModuleType

from steward.events.api import ingest

MODULES: list[ModuleType] = [
    # --- ingest: the ingestion endpoints' twins, before every other event route ---------
    ingest,
]
