"""Demo data of Event Management: sources, event types, rules and a stream of events over
the demo CIs (a switch failure cascade, a planned maintenance window, a capacity warning),
sent through the ingestion path and processed like real ones."""

from typing import Any


def load(context: dict[str, Any]) -> None:
    """Add the Event Management demo records (nothing when they are there)."""
